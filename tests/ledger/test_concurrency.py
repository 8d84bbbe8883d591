"""Eight jobs authorizing at once on one limited account never overspend it."""

from __future__ import annotations

import threading
from collections.abc import Callable

from printwarden.core.errors import InsufficientFunds
from printwarden.core.ids import new_id
from printwarden.core.money import Money
from printwarden.ledger.model import Reservation
from printwarden.ledger.service import LedgerService
from tests.ledger.checks import assert_ledger_consistent

THREADS = 8
COST = 120
BALANCE = 500
OVERDRAFT = 40  # available 540: exactly 4 jobs of 1.20 fit


def reserve_in_parallel(ledger: LedgerService, user: str) -> tuple[list[Reservation], int]:
    barrier = threading.Barrier(THREADS)
    reservations: list[Reservation] = []
    refused: list[InsufficientFunds] = []
    errors: list[BaseException] = []

    def authorize() -> None:
        barrier.wait()
        try:
            reservations.append(ledger.reserve(job_id=new_id(), user_id=user,
                                               amount=Money(COST), idempotency_key=new_id(),
                                               actor="agent"))
        except InsufficientFunds as exc:
            refused.append(exc)
        except BaseException as exc:  # surfaced below, never swallowed
            errors.append(exc)

    threads = [threading.Thread(target=authorize) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return reservations, len(refused)


def test_parallel_reservations_on_one_account_admit_exactly_what_fits(
        ledger: LedgerService, new_user: Callable[[], str]) -> None:
    user = new_user()
    credit = ledger.credit_account(user)
    ledger.update_account(credit.id, overdraft=Money(OVERDRAFT), actor="admin")
    ledger.post_entry(credit.id, Money(BALANCE), "top-up", idempotency_key="start", actor="t")
    for round_number in range(3):
        before = ledger.get_account(credit.id)
        fits = (before.balance_minor + OVERDRAFT) // COST
        reservations, refused = reserve_in_parallel(ledger, user)
        assert (len(reservations), refused) == (fits, THREADS - fits)
        held = ledger.get_account(credit.id)
        assert held.reserved_minor == fits * COST
        assert held.reserved_minor <= held.balance_minor + OVERDRAFT
        for reservation in reservations:
            ledger.settle(reservation.id, Money(COST), idempotency_key=f"s:{reservation.id}",
                          actor="agent")
        after = ledger.get_account(credit.id)
        assert after.balance_minor == before.balance_minor - fits * COST
        assert after.balance_minor >= -OVERDRAFT
        assert_ledger_consistent(ledger._db)
        ledger.post_entry(credit.id, Money(BALANCE - after.balance_minor), "top-up",
                          idempotency_key=f"refill:{round_number}", actor="t")


def test_eight_threads_reserving_with_one_key_hold_the_money_once(
        ledger: LedgerService, new_user: Callable[[], str]) -> None:
    user = new_user()
    credit = ledger.credit_account(user)
    ledger.post_entry(credit.id, Money(BALANCE), "top-up", idempotency_key="start", actor="t")
    barrier = threading.Barrier(THREADS)
    ids: list[str] = []

    def authorize() -> None:
        barrier.wait()
        ids.append(ledger.reserve(job_id="J", user_id=user, amount=Money(COST),
                                  idempotency_key="reserve:J", actor="agent").id)

    threads = [threading.Thread(target=authorize) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(ids) == THREADS and len(set(ids)) == 1
    assert ledger.get_account(credit.id).reserved_minor == COST
    assert_ledger_consistent(ledger._db)
