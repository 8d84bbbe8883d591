"""Migration 0008 on data written at 0006: unique print codes become PINs that go with a
card or a username (never alone again), on SQLite and on PostgreSQL, and back."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from printwarden.accounts.service import AccountsService
from printwarden.core.clock import FixedClock
from printwarden.core.errors import AuthenticationFailed, ValidationError
from printwarden.core.ids import new_id
from printwarden.db.audit import AuditLog
from printwarden.db.engine import Database
from printwarden.db.migrate import alembic_config, current_revision, upgrade
from printwarden.db.types import UtcDateTime
from tests.support.databases import database_at

KEY = b"the-servers-card-key"
BEFORE = "0006_server_hardening"
#: The two tables as they were at 0006.
USERS_0006 = sa.table("users", sa.column("id"), sa.column("username"),
                      sa.column("username_key"), sa.column("roles"),
                      sa.column("active", sa.Boolean), sa.column("created_at", UtcDateTime()),
                      sa.column("pin_hash"))
CARDS_0006 = sa.table("cards", sa.column("id"), sa.column("user_id"), sa.column("number_hash"),
                      sa.column("last4"), sa.column("created_at", UtcDateTime()))


def print_code_digest(code: str) -> str:
    """How 0006 stored a print code: HMAC(key, "pin:" + code)."""
    return hmac.new(KEY, f"pin:{code}".encode(), hashlib.sha256).hexdigest()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def old_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """An empty database migrated to 0006 only."""
    yield from database_at(request, tmp_path, BEFORE)


def _write_at_0006(db: Database) -> dict[str, str]:
    now = datetime(2025, 1, 1, tzinfo=UTC)
    ids = {name: new_id() for name in ("ann", "ben", "cy")}
    codes = {"ann": "1234", "ben": "56789012", "cy": None}
    db.write(lambda conn: conn.execute(USERS_0006.insert(), [
        {"id": ids[name], "username": name, "username_key": name, "roles": "user",
         "active": True, "created_at": now,
         "pin_hash": print_code_digest(code) if code else None}
        for name, code in codes.items()]))
    card_hash = hmac.new(KEY, b"CARD-ANN", hashlib.sha256).hexdigest()
    db.write(lambda conn: conn.execute(CARDS_0006.insert().values(
        id=new_id(), user_id=ids["ann"], number_hash=card_hash, last4="-ANN", created_at=now)))
    return ids


def _pin_columns(db: Database, user_id: str) -> tuple[str | None, str | None]:
    row = db.read(lambda conn: conn.execute(sa.text(
        "SELECT pin_hash, legacy_pin_hash FROM users WHERE id = :id"), {"id": user_id}).one())
    return row.pin_hash, row.legacy_pin_hash


def test_print_codes_become_pins_that_go_with_a_card_or_a_name(old_db: Database) -> None:
    ids = _write_at_0006(old_db)
    upgrade(old_db)
    clock = FixedClock(datetime(2025, 6, 1, tzinfo=UTC))
    audit = AuditLog(old_db, clock)
    accounts = AccountsService(old_db, clock, audit, KEY)
    ann = accounts.get_user(ids["ann"])
    assert ann.has_pin and not ann.has_id_number
    assert not accounts.get_user(ids["cy"]).has_pin
    # a print code no longer names anyone by itself...
    with pytest.raises(ValidationError, match="8 to 18 digits"):
        accounts.authenticate_id_number("1234")
    with pytest.raises(AuthenticationFailed):  # ...not even one of ID-number length
        accounts.authenticate_id_number("56789012")
    # ...but it is the PIN of its user, with his card or his name
    assert accounts.authenticate_card_and_pin("CARD-ANN", "1234").id == ids["ann"]
    pin_hash, legacy = _pin_columns(old_db, ids["ann"])
    assert legacy is None and pin_hash not in (None, print_code_digest("1234"))
    assert accounts.authenticate_username_and_pin("ann", "1234").id == ids["ann"]
    assert accounts.authenticate_username_and_pin("ben", "56789012").id == ids["ben"]
    with pytest.raises(AuthenticationFailed):
        accounts.authenticate_username_and_pin("ben", "1234")
    # PINs need not be unique any more
    accounts.set_pin(ids["cy"], "1234", actor="t")
    assert accounts.authenticate_username_and_pin("cy", "1234").id == ids["cy"]
    lines = audit.recent(100)
    migrated = [line for line in lines if line["action"] == "migration.print_codes"]
    assert [line["detail"] for line in migrated] == [{"kept_as_pin": 2}]
    rehashed = [line["target"] for line in lines if line["action"] == "user.pin.rehash"]
    assert sorted(rehashed) == sorted([ids["ann"], ids["ben"]])  # once each


def test_the_downgrade_gives_back_the_print_codes_it_can(old_db: Database) -> None:
    ids = _write_at_0006(old_db)
    upgrade(old_db)
    clock = FixedClock(datetime(2025, 6, 1, tzinfo=UTC))
    accounts = AccountsService(old_db, clock, AuditLog(old_db, clock), KEY)
    accounts.authenticate_username_and_pin("ann", "1234")  # re-stored: cannot go back
    accounts.generate_id_number(ids["cy"], actor="t")
    command.downgrade(alembic_config(old_db), BEFORE)
    assert current_revision(old_db) == BEFORE
    rows = old_db.read(lambda conn: dict(conn.execute(sa.text(
        "SELECT username, pin_hash FROM users")).all()))
    assert rows == {"ann": None, "ben": print_code_digest("56789012"), "cy": None}
    with pytest.raises(sa.exc.IntegrityError):  # unique again, as at 0006
        old_db.write(lambda conn: conn.execute(sa.text(
            "UPDATE users SET pin_hash = :h WHERE username = 'cy'"),
            {"h": print_code_digest("56789012")}))
    upgrade(old_db)  # and up again
    assert accounts.authenticate_username_and_pin("ben", "56789012").id == ids["ben"]
