"""Reserve, settle, release: charge order, splitting, overdraft, idempotency, conflicts."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest

from printwarden.core.errors import (
    ConflictError,
    InsufficientFunds,
    PermissionDenied,
    ValidationError,
)
from printwarden.core.ids import new_id
from printwarden.core.money import Money
from printwarden.db.engine import Database
from printwarden.ledger.model import Reservation
from printwarden.ledger.service import LedgerService
from tests.ledger.checks import assert_ledger_consistent
from tests.ledger.conftest import insert_group


def fund(ledger: LedgerService, account_id: str, minor: int) -> None:
    ledger.post_entry(account_id, Money(minor), "top-up", idempotency_key=new_id(), actor="t")


def reserve(ledger: LedgerService, user: str, minor: int, *, group_ids: Sequence[str] = (),
            shared_account_id: str | None = None) -> Reservation:
    return ledger.reserve(job_id=new_id(), user_id=user, amount=Money(minor),
                          idempotency_key=new_id(), group_ids=group_ids,
                          shared_account_id=shared_account_id, actor="t")


def test_a_job_is_paid_from_the_personal_quota_first_then_credit(
        ledger: LedgerService, new_user: Callable[[], str]) -> None:
    user = new_user()
    personal, credit = ledger.personal_account(user), ledger.credit_account(user)
    fund(ledger, personal.id, 30)
    fund(ledger, credit.id, 100)
    reservation = ledger.reserve(job_id="J1", user_id=user, amount=Money(50),
                                 idempotency_key="r", actor="t")
    assert [(p.account_id, p.amount.minor) for p in reservation.parts] == [
        (personal.id, 30), (credit.id, 20)]
    assert ledger.get_account(credit.id).reserved_minor == 20
    assert_ledger_consistent(ledger._db)


def test_group_and_shared_sources_follow_the_charge_policy(
        ledger: LedgerService, db: Database, new_user: Callable[[], str]) -> None:
    user = new_user()
    group_id = insert_group(db, [user])
    group = ledger.group_account(group_id, name="Physics")
    project = ledger.open_account("shared", "Apollo", members=(user,), actor="admin")
    credit = ledger.credit_account(user)
    for account in (group, project, credit):
        fund(ledger, account.id, 10)
    ledger.set_charge_policy(["shared", "credit", "group"], actor="admin")
    reservation = ledger.reserve(job_id="J", user_id=user, amount=Money(25),
                                 idempotency_key="r", group_ids=(group_id,),
                                 shared_account_id=project.id, actor="t")
    assert [p.account_id for p in reservation.parts] == [project.id, credit.id, group.id]
    assert [p.amount.minor for p in reservation.parts] == [10, 10, 5]


def test_at_most_three_sources_carry_one_job(ledger: LedgerService, db: Database,
                                              new_user: Callable[[], str]) -> None:
    user = new_user()
    groups = [insert_group(db, [user]) for _ in range(3)]
    for group_id in groups:
        fund(ledger, ledger.group_account(group_id).id, 10)
    fund(ledger, ledger.credit_account(user).id, 10)
    with pytest.raises(InsufficientFunds) as caught:
        reserve(ledger, user, 40, group_ids=groups)
    assert caught.value.available_minor == 30
    assert len(reserve(ledger, user, 30, group_ids=groups).parts) == 3


def test_a_short_payer_gets_a_readable_insufficient_funds_error(
        ledger: LedgerService, new_user: Callable[[], str]) -> None:
    user = new_user()
    fund(ledger, ledger.credit_account(user).id, 50)
    with pytest.raises(InsufficientFunds) as caught:
        reserve(ledger, user, 120)
    error = caught.value
    assert error.message == ("This job costs 1.20 EUR but only 0.50 EUR is available "
                             "(balance 0.50 EUR).")
    assert (error.needed_minor, error.available_minor, error.balance_minor) == (120, 50, 50)
    assert_ledger_consistent(ledger._db)


def test_unlimited_accounts_always_pay(ledger: LedgerService,
                                       new_user: Callable[[], str]) -> None:
    user = new_user()
    ledger.update_account(ledger.personal_account(user).id, limited=False, actor="admin")
    reservation = reserve(ledger, user, 10_000)
    assert reservation.parts[0].amount.minor == 10_000


def test_a_non_member_cannot_charge_a_shared_account(
        ledger: LedgerService, new_user: Callable[[], str]) -> None:
    project = ledger.open_account("shared", "Apollo", limited=False, actor="admin")
    with pytest.raises(PermissionDenied):
        reserve(ledger, new_user(), 10, shared_account_id=project.id)


def test_settling_below_the_estimate_charges_the_actual_cost_in_order(
        ledger: LedgerService, new_user: Callable[[], str]) -> None:
    user = new_user()
    personal, credit = ledger.personal_account(user), ledger.credit_account(user)
    fund(ledger, personal.id, 30)
    fund(ledger, credit.id, 100)
    reservation = ledger.reserve(job_id="J", user_id=user, amount=Money(50),
                                 idempotency_key="r", actor="t")
    settlement = ledger.settle(reservation.id, Money(35), idempotency_key="s", actor="agent")
    assert settlement.charged == Money(35)
    assert [(e.account_id, e.amount.minor) for e in settlement.entries] == [
        (personal.id, -30), (credit.id, -5)]
    assert all(e.kind == "charge" and e.job_id == "J" for e in settlement.entries)
    assert ledger.get_account(credit.id).reserved_minor == 0
    assert ledger.get_reservation(reservation.id).status == "settled"
    assert_ledger_consistent(ledger._db)


def test_settling_above_the_estimate_takes_more_but_never_past_the_overdraft(
        ledger: LedgerService, new_user: Callable[[], str]) -> None:
    user = new_user()
    credit = ledger.credit_account(user)
    ledger.update_account(credit.id, overdraft=Money(20), actor="admin")
    fund(ledger, credit.id, 100)
    reservation = ledger.reserve(job_id="J", user_id=user, amount=Money(60),
                                 idempotency_key="r", actor="t")
    settlement = ledger.settle(reservation.id, Money(150), idempotency_key="s", actor="t")
    assert settlement.charged == Money(120)
    assert settlement.uncollected == Money(30)
    assert ledger.get_account(credit.id).balance_minor == -20
    assert_ledger_consistent(ledger._db)


def test_settle_and_release_are_idempotent_and_exclusive(
        ledger: LedgerService, new_user: Callable[[], str]) -> None:
    user = new_user()
    fund(ledger, ledger.credit_account(user).id, 100)
    first = ledger.reserve(job_id="J", user_id=user, amount=Money(40), idempotency_key="r1",
                           actor="t")
    assert ledger.reserve(job_id="J", user_id=user, amount=Money(40), idempotency_key="r1",
                          actor="t") == first
    settled = ledger.settle(first.id, Money(40), idempotency_key="s1", actor="t")
    assert ledger.settle(first.id, Money(40), idempotency_key="s1", actor="t") == settled
    with pytest.raises(ConflictError):
        ledger.release(first.id, idempotency_key="x", actor="t")
    second = ledger.reserve(job_id="K", user_id=user, amount=Money(10), idempotency_key="r2",
                            actor="t")
    released = ledger.release(second.id, idempotency_key="x2", actor="t")
    assert released.status == "released"
    assert ledger.release(second.id, idempotency_key="x2", actor="t") == released
    with pytest.raises(ConflictError):
        ledger.settle(second.id, Money(10), idempotency_key="s2", actor="t")
    assert ledger.get_account(ledger.credit_account(user).id).balance_minor == 60
    assert_ledger_consistent(ledger._db)


def test_a_zero_cost_job_reserves_nothing_and_settles_from_the_first_source(
        ledger: LedgerService, new_user: Callable[[], str]) -> None:
    user = new_user()
    fund(ledger, ledger.personal_account(user).id, 10)
    reservation = ledger.reserve(job_id="J", user_id=user, amount=Money(0),
                                 idempotency_key="r", actor="t")
    assert [p.amount.minor for p in reservation.parts] == [0]
    assert ledger.settle(reservation.id, Money(4), idempotency_key="s",
                         actor="t").charged == Money(4)


def test_the_charge_policy_is_versioned_data(ledger: LedgerService) -> None:
    assert ledger.get_charge_policy().order == ("personal", "group", "shared", "credit")
    changed = ledger.set_charge_policy(["credit", "personal"], actor="admin")
    assert (changed.order, changed.version) == (("credit", "personal"), 1)
    assert ledger.get_charge_policy() == changed
    with pytest.raises(ValidationError):
        ledger.set_charge_policy(["credit", "wallet"], actor="admin")
    with pytest.raises(ValidationError):
        ledger.set_charge_policy(["credit", "credit"], actor="admin")
