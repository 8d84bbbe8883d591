"""Ledger fixtures: a LedgerService on the test database with a clock tests move by hand."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from printwarden.accounts.tables import group_members, user_groups, users
from printwarden.core.clock import FixedClock
from printwarden.core.ids import new_id
from printwarden.db.audit import AuditLog
from printwarden.db.engine import Database
from printwarden.ledger.service import LedgerService

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def ledger(db: Database, clock: FixedClock) -> LedgerService:
    return LedgerService(db, clock, AuditLog(db, clock), currency="EUR")


def insert_user(db: Database, *, active: bool = True) -> str:
    """A bare ``users`` row (the ledger references users by id only)."""
    user_id = new_id()
    db.write(lambda conn: conn.execute(users.insert().values(
        id=user_id, username=user_id, username_key=user_id.lower(), active=active,
        created_at=START)))
    return user_id


def insert_group(db: Database, member_ids: list[str]) -> str:
    group_id = new_id()

    def work(conn: sa.Connection) -> None:
        conn.execute(user_groups.insert().values(id=group_id, name=group_id,
                                                 name_key=group_id.lower(), created_at=START))
        for user_id in member_ids:
            conn.execute(group_members.insert().values(group_id=group_id, user_id=user_id))

    db.write(work)
    return group_id


@pytest.fixture
def new_user(db: Database) -> Callable[[], str]:
    return lambda: insert_user(db)
