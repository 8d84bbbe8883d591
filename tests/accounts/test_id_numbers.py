"""ID numbers: generated, unique, sparse (fewer than 1 in 10,000 of the space assigned),
stored only as a keyed digest; an admin's own choice follows the same rules."""

from __future__ import annotations

import secrets
import threading
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from printwarden.accounts.model import (
    check_id_number_room,
    id_numbers_allowed,
)
from printwarden.accounts.service import AccountsService
from printwarden.accounts.tables import users
from printwarden.core.clock import FixedClock
from printwarden.core.errors import AuthenticationFailed, ConflictError, ValidationError
from printwarden.core.ids import new_id
from printwarden.db.audit import AuditLog
from printwarden.db.engine import Database
from tests.accounts.conftest import CARD_KEY


def test_the_room_rule_keeps_fewer_than_one_in_ten_thousand() -> None:
    assert id_numbers_allowed(8) == 9_999 and id_numbers_allowed(9) == 99_999
    for length in range(8, 19):
        allowed = id_numbers_allowed(length)
        assert allowed * 10_000 < 10 ** length <= (allowed + 1) * 10_000
    check_id_number_room(9_998, 8)
    with pytest.raises(ConflictError, match="id_number_length to 9"):
        check_id_number_room(9_999, 8)
    with pytest.raises(ConflictError, match="at most 9999"):
        check_id_number_room(9_000, 8, adding=1_000)


def test_a_generated_number_signs_its_user_in_and_is_never_stored(
        accounts: AccountsService, db: Database, audit: AuditLog) -> None:
    bob = accounts.create_user("bob", actor="t")
    number = accounts.generate_id_number(bob.id, actor="t")
    assert len(number) == 8 and number.isascii() and number.isdigit()
    assert accounts.get_user(bob.id).has_id_number
    assert accounts.authenticate_id_number(number).id == bob.id
    stored = db.read(lambda c: c.execute(sa.select(users)).all())
    assert number not in repr(stored)
    assert number not in repr(audit.recent())
    again = accounts.generate_id_number(bob.id, actor="t")  # a new one replaces the old
    assert accounts.authenticate_id_number(again).id == bob.id
    if again != number:
        with pytest.raises(AuthenticationFailed):
            accounts.authenticate_id_number(number)
    accounts.clear_id_number(bob.id, actor="t")
    assert not accounts.get_user(bob.id).has_id_number
    with pytest.raises(AuthenticationFailed):
        accounts.authenticate_id_number(again)


def test_the_length_is_a_setting(db: Database, clock: FixedClock, audit: AuditLog) -> None:
    longer = AccountsService(db, clock, audit, CARD_KEY, id_number_length=12)
    bob = longer.create_user("bob", actor="t")
    assert len(longer.generate_id_number(bob.id, actor="t")) == 12
    with pytest.raises(ValidationError, match="12 to 18 digits"):
        longer.set_id_number(bob.id, "12345678", actor="t")
    longer.set_id_number(bob.id, "000000000042", actor="t")  # leading zeros count
    assert longer.authenticate_id_number("000000000042").id == bob.id
    with pytest.raises(AuthenticationFailed):
        longer.authenticate_id_number("00000000042")


def test_an_admins_number_must_be_unique(accounts: AccountsService) -> None:
    bob = accounts.create_user("bob", actor="t")
    carol = accounts.create_user("carol", actor="t")
    accounts.set_id_number(bob.id, "20250301", actor="t")
    accounts.set_id_number(bob.id, "20250301", actor="t")  # his already: nothing changes
    with pytest.raises(ConflictError, match="already in use"):
        accounts.set_id_number(carol.id, " 20250301 ", actor="t")
    assert not accounts.get_user(carol.id).has_id_number


def _fill(db: Database, count: int) -> None:
    """``count`` users holding (random) ID-number digests, written in bulk."""
    now = datetime(2025, 3, 1, tzinfo=UTC)
    rows = [{"id": new_id(), "username": f"filler{i}", "username_key": f"filler{i}",
             "created_at": now, "id_number_hash": secrets.token_hex(32)}
            for i in range(count)]
    db.write(lambda conn: conn.execute(users.insert(), rows))


def test_no_number_is_generated_past_the_room_and_the_error_says_what_to_do(
        accounts: AccountsService, db: Database, clock: FixedClock, audit: AuditLog) -> None:
    _fill(db, 9_998)
    bob = accounts.create_user("bob", actor="t")
    carol = accounts.create_user("carol", actor="t")
    accounts.generate_id_number(bob.id, actor="t")  # the 9,999th: the last that fits
    accounts.generate_id_number(bob.id, actor="t")  # replacing his own takes no room
    with pytest.raises(ConflictError, match="raise the setting id_number_length to 9"):
        accounts.generate_id_number(carol.id, actor="t")
    with pytest.raises(ConflictError, match="id_number_length"):
        accounts.set_id_number(carol.id, "12345678", actor="t")
    assert not accounts.get_user(carol.id).has_id_number
    longer = AccountsService(db, clock, audit, CARD_KEY, id_number_length=9)
    assert len(longer.generate_id_number(carol.id, actor="t")) == 9


def test_concurrent_assignments_never_pass_the_room_together(
        accounts: AccountsService, db: Database) -> None:
    _fill(db, 9_995)
    people = [accounts.create_user(f"u{i}", actor="t") for i in range(10)]
    start = threading.Barrier(len(people))
    results: list[str] = []

    def generate(user_id: str) -> None:
        start.wait()
        try:
            accounts.generate_id_number(user_id, actor="t")
            results.append("assigned")
        except ConflictError:
            results.append("refused")

    threads = [threading.Thread(target=generate, args=(u.id,)) for u in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["assigned"] * 4 + ["refused"] * 6
    held = db.read(lambda c: c.execute(sa.select(sa.func.count()).select_from(users).where(
        users.c.id_number_hash.is_not(None))).scalar_one())
    assert held == 9_999
