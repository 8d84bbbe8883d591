"""Direct entries: top-ups, refunds, adjustments, transfers, idempotency, immutability."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from printwarden.core.clock import FixedClock
from printwarden.core.errors import (
    ConflictError,
    InsufficientFunds,
    NotFoundError,
    ValidationError,
)
from printwarden.core.money import Money
from printwarden.db.audit import AuditLog
from printwarden.db.engine import Database
from printwarden.ledger import service as service_module
from printwarden.ledger.service import LedgerService
from tests.ledger.checks import assert_ledger_consistent

LEDGER_SOURCES = Path(service_module.__file__).parent


def test_a_top_up_moves_the_balance_and_records_it(ledger: LedgerService,
                                                   new_user: Callable[[], str]) -> None:
    credit = ledger.credit_account(new_user())
    entry = ledger.post_entry(credit.id, Money(1250), "top-up", idempotency_key="t1",
                              actor="admin", note="cash")
    assert entry.balance_after_minor == 1250
    assert ledger.get_account(credit.id).balance_minor == 1250
    assert (entry.kind, entry.origin_site, entry.actor) == ("top-up", "central", "admin")
    assert_ledger_consistent(ledger._db)


def test_a_repeated_key_returns_the_first_entry_and_changes_nothing(
        ledger: LedgerService, new_user: Callable[[], str]) -> None:
    credit = ledger.credit_account(new_user())
    first = ledger.post_entry(credit.id, Money(100), "top-up", idempotency_key="same",
                              actor="a")
    again = ledger.post_entry(credit.id, Money(100), "top-up", idempotency_key="same",
                              actor="b")
    assert again == first
    assert ledger.get_account(credit.id).balance_minor == 100
    assert ledger.list_entries(account_id=credit.id)[1] == 1


def test_a_key_reused_for_another_request_is_refused_and_moves_nothing(
        ledger: LedgerService, new_user: Callable[[], str]) -> None:
    user = new_user()
    credit, personal = ledger.credit_account(user), ledger.personal_account(user)
    ledger.post_entry(credit.id, Money(100), "top-up", idempotency_key="k", actor="a")
    attempts: list[Callable[[], object]] = [
        lambda: ledger.post_entry(credit.id, Money(999), "top-up", idempotency_key="k",
                                  actor="a"),
        lambda: ledger.post_entry(personal.id, Money(100), "top-up", idempotency_key="k",
                                  actor="a"),
        lambda: ledger.post_entry(credit.id, Money(100), "refund", idempotency_key="k",
                                  actor="a"),
        lambda: ledger.post_entry(credit.id, Money(100), "top-up", idempotency_key="k",
                                  actor="a", note="other"),
        lambda: ledger.transfer(credit.id, personal.id, Money(100), idempotency_key="k",
                                actor="a"),
    ]
    for attempt in attempts:
        with pytest.raises(ConflictError, match=r"already used for a top-up of 1\.00 EUR"):
            attempt()
    assert ledger.get_account(credit.id).balance_minor == 100
    assert ledger.get_account(personal.id).balance_minor == 0
    assert_ledger_consistent(ledger._db)


def test_a_caller_key_never_meets_the_ledgers_own_keys(
        ledger: LedgerService, new_user: Callable[[], str]) -> None:
    credit = ledger.credit_account(new_user())
    entry = ledger.post_entry(credit.id, Money(100), "top-up", idempotency_key="settle:J:0",
                              actor="a")
    assert entry.idempotency_key == f"top-up:{credit.id}:settle:J:0"


def test_a_top_up_above_the_maximum_is_refused(db: Database, clock: FixedClock,
                                               new_user: Callable[[], str]) -> None:
    limited = LedgerService(db, clock, AuditLog(db, clock), currency="EUR",
                            max_posting_minor=10_000)
    credit = limited.credit_account(new_user())
    with pytest.raises(ValidationError, match=r"at most 100\.00 EUR"):
        limited.post_entry(credit.id, Money(10_001), "top-up", idempotency_key="big",
                           actor="a")
    limited.post_entry(credit.id, Money(10_000), "top-up", idempotency_key="ok", actor="a")
    assert limited.get_account(credit.id).balance_minor == 10_000


def test_eight_threads_racing_with_one_key_write_one_entry(
        ledger: LedgerService, new_user: Callable[[], str]) -> None:
    credit = ledger.credit_account(new_user())
    barrier = threading.Barrier(8)
    results: list[str] = []

    def top_up() -> None:
        barrier.wait()
        entry = ledger.post_entry(credit.id, Money(50), "top-up", idempotency_key="race",
                                  actor="t")
        results.append(entry.id)

    threads = [threading.Thread(target=top_up) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8 and len(set(results)) == 1
    assert ledger.get_account(credit.id).balance_minor == 50
    assert_ledger_consistent(ledger._db)


def test_charges_and_allocations_cannot_be_posted_directly(
        ledger: LedgerService, new_user: Callable[[], str]) -> None:
    credit = ledger.credit_account(new_user())
    for kind in ("charge", "allocation", "transfer", "gift"):
        with pytest.raises(ValidationError):
            ledger.post_entry(credit.id, Money(1), kind, idempotency_key=kind, actor="a")
    with pytest.raises(ValidationError):
        ledger.post_entry(credit.id, Money(-5), "top-up", idempotency_key="neg", actor="a")


def test_a_negative_adjustment_cannot_take_a_limited_account_past_its_overdraft(
        ledger: LedgerService, new_user: Callable[[], str]) -> None:
    credit = ledger.credit_account(new_user())
    ledger.update_account(credit.id, overdraft=Money(100), actor="a")
    ledger.post_entry(credit.id, Money(-100), "adjustment", idempotency_key="a1", actor="a")
    with pytest.raises(InsufficientFunds) as caught:
        ledger.post_entry(credit.id, Money(-1), "adjustment", idempotency_key="a2", actor="a")
    assert caught.value.available_minor == 0
    assert ledger.get_account(credit.id).balance_minor == -100


def test_an_amount_in_another_currency_is_rejected(ledger: LedgerService,
                                                   new_user: Callable[[], str]) -> None:
    credit = ledger.credit_account(new_user())
    with pytest.raises(ValidationError):
        ledger.post_entry(credit.id, Money(5, "USD"), "top-up", idempotency_key="x", actor="a")


def test_posting_to_an_unknown_account_is_not_found(ledger: LedgerService) -> None:
    with pytest.raises(NotFoundError):
        ledger.post_entry("0" * 26, Money(5), "top-up", idempotency_key="x", actor="a")


def test_a_transfer_writes_two_entries_once(ledger: LedgerService,
                                           new_user: Callable[[], str]) -> None:
    user = new_user()
    credit, personal = ledger.credit_account(user), ledger.personal_account(user)
    ledger.post_entry(credit.id, Money(300), "top-up", idempotency_key="t", actor="a")
    debit, credit_entry = ledger.transfer(credit.id, personal.id, Money(120),
                                          idempotency_key="move", actor="a")
    again = ledger.transfer(credit.id, personal.id, Money(120), idempotency_key="move",
                            actor="a")
    assert again == (debit, credit_entry)
    assert (debit.amount.minor, credit_entry.amount.minor) == (-120, 120)
    assert ledger.get_account(credit.id).balance_minor == 180
    assert ledger.get_account(personal.id).balance_minor == 120
    with pytest.raises(InsufficientFunds):
        ledger.transfer(credit.id, personal.id, Money(181), idempotency_key="big", actor="a")
    assert_ledger_consistent(ledger._db)


def test_entries_are_listed_newest_first_and_filtered(
        ledger: LedgerService, clock: FixedClock, new_user: Callable[[], str]) -> None:
    credit = ledger.credit_account(new_user())
    start = clock.now()
    for i in range(5):
        ledger.post_entry(credit.id, Money(10 + i), "top-up", idempotency_key=f"k{i}",
                          actor="a")
        clock.advance(timedelta(hours=1))
    ledger.post_entry(credit.id, Money(-3), "adjustment", idempotency_key="adj", actor="a")
    page, total = ledger.list_entries(account_id=credit.id, offset=1, limit=2)
    assert total == 6 and [e.amount.minor for e in page] == [14, 13]
    tops, count = ledger.list_entries(kind="top-up", since=start + timedelta(hours=1),
                                      until=start + timedelta(hours=3))
    assert count == 2 and [e.amount.minor for e in tops] == [12, 11]


def test_no_code_in_the_ledger_updates_or_deletes_an_entry() -> None:
    forbidden = re.compile(
        r"ledger_entries\s*\.\s*(update|delete)\s*\(|(update|delete\s+from)\s+ledger_entries"
        r"|(sa\.)?(update|delete)\s*\(\s*(ledger_)?entries\b|\bentries\s*\.\s*(update|delete)\(",
        re.IGNORECASE)
    offenders = [f"{path.name}: {match.group(0)}"
                 for path in sorted(LEDGER_SOURCES.rglob("*.py"))
                 for match in forbidden.finditer(path.read_text("utf-8"))]
    assert offenders == []
    # the pattern itself catches the statements it is meant to catch
    assert forbidden.search("conn.execute(ledger_entries.update().values(x=1))")
    assert forbidden.search('text("DELETE FROM ledger_entries")')
    assert forbidden.search("sa.update(entries)")


def test_an_account_for_an_unknown_user_or_group_is_not_found(ledger: LedgerService) -> None:
    with pytest.raises(NotFoundError, match="no user"):
        ledger.personal_account("0" * 26)
    with pytest.raises(NotFoundError, match="no group"):
        ledger.group_account("0" * 26)
