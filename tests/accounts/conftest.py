"""Accounts fixtures: the service on the test database with a clock the test moves."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from printwarden.accounts.service import AccountsService
from printwarden.core.clock import FixedClock
from printwarden.db.audit import AuditLog
from printwarden.db.engine import Database

CARD_KEY = b"test-card-key"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2025, 3, 1, 9, 0, tzinfo=UTC))


@pytest.fixture
def audit(db: Database, clock: FixedClock) -> AuditLog:
    return AuditLog(db, clock)


@pytest.fixture
def accounts(db: Database, clock: FixedClock, audit: AuditLog) -> AccountsService:
    return AccountsService(db, clock, audit, CARD_KEY)
