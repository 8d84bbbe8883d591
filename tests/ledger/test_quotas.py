"""Quota schedules: reset vs top-up, exactly once per period, catch-up once, two runners."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest

from printwarden.core.clock import FixedClock
from printwarden.core.errors import NotFoundError, ValidationError
from printwarden.core.money import Money
from printwarden.db.audit import AuditLog
from printwarden.db.engine import Database
from printwarden.ledger.quotas import AllocationReport
from printwarden.ledger.service import LedgerService
from tests.ledger.checks import assert_ledger_consistent
from tests.ledger.conftest import insert_group, insert_user


def allocations(ledger: LedgerService, account_id: str) -> list[int]:
    entries, _ = ledger.list_entries(account_id=account_id, kind="allocation")
    return [e.amount.minor for e in reversed(entries)]


def test_a_reset_schedule_sets_each_members_quota_once_per_period(
        ledger: LedgerService, db: Database, clock: FixedClock) -> None:
    alice, bob, outsider = insert_user(db), insert_user(db), insert_user(db)
    group_id = insert_group(db, [alice, bob])
    ledger.create_quota_schedule("Weekly", target_kind="group_members", target_id=group_id,
                                 amount=Money(200), mode="reset", period="weekly", weekday=0,
                                 actor="admin")
    report = ledger.run_due_allocations()
    assert (len(report.applied), report.applied[0].accounts) == (1, 2)
    assert ledger.run_due_allocations() == AllocationReport((), 1)
    personal = ledger.personal_account(alice)
    assert personal.balance_minor == 200
    ledger.post_entry(personal.id, Money(-150), "adjustment", idempotency_key="use",
                      actor="t")
    clock.advance(timedelta(days=7))
    ledger.run_due_allocations()
    assert allocations(ledger, personal.id) == [200, 150]
    assert ledger.personal_account(alice).balance_minor == 200
    assert ledger.personal_account(outsider).balance_minor == 0
    assert_ledger_consistent(db)


def test_a_topup_schedule_adds_up_to_its_cap(ledger: LedgerService, db: Database,
                                             clock: FixedClock) -> None:
    user = insert_user(db)
    account = ledger.personal_account(user)
    ledger.create_quota_schedule("Daily", target_kind="account", target_id=account.id,
                                 amount=Money(100), mode="topup", cap=Money(250),
                                 period="daily", actor="admin")
    for _day in range(4):
        ledger.run_due_allocations()
        clock.advance(timedelta(days=1))
    assert allocations(ledger, account.id) == [100, 100, 50]
    assert ledger.get_account(account.id).balance_minor == 250


def test_after_several_missed_periods_only_the_latest_is_applied(
        ledger: LedgerService, db: Database, clock: FixedClock) -> None:
    account = ledger.personal_account(insert_user(db))
    ledger.create_quota_schedule("Monthly", target_kind="all_users", amount=Money(500),
                                 mode="topup", period="monthly", day_of_month=1,
                                 actor="admin")
    ledger.run_due_allocations()
    clock.advance(timedelta(days=100))  # down for three months
    report = ledger.run_due_allocations()
    assert [run.period_key for run in report.applied] == ["monthly:2026-06-01"]
    assert ledger.run_due_allocations().applied == ()
    assert allocations(ledger, account.id) == [500, 500]


def test_two_concurrent_runners_allocate_once(ledger: LedgerService, db: Database) -> None:
    users = [insert_user(db) for _ in range(5)]
    ledger.create_quota_schedule("Daily", target_kind="all_users", amount=Money(80),
                                 mode="reset", period="daily", actor="admin")
    barrier = threading.Barrier(2)
    reports: list[AllocationReport] = []

    def run() -> None:
        barrier.wait()
        reports.append(ledger.run_due_allocations())

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(len(r.applied) for r in reports) == [0, 1]
    assert sum(r.already_done for r in reports) == 1
    assert all(ledger.personal_account(u).balance_minor == 80 for u in users)
    _, total = ledger.list_entries(kind="allocation")
    assert total == 5
    assert_ledger_consistent(db)


def test_inactive_schedules_and_custom_periods_before_their_anchor_do_nothing(
        ledger: LedgerService, db: Database, clock: FixedClock) -> None:
    insert_user(db)
    early = ledger.create_quota_schedule(
        "Term", target_kind="all_users", amount=Money(100), period="custom", every_days=90,
        anchor=clock.now().date() + timedelta(days=3), actor="admin")
    daily = ledger.create_quota_schedule("Daily", target_kind="all_users", amount=Money(5),
                                         period="daily", actor="admin")
    ledger.deactivate_quota_schedule(daily.id, actor="admin")
    assert ledger.run_due_allocations() == AllocationReport((), 0)
    clock.advance(timedelta(days=3))
    assert [r.schedule_id for r in ledger.run_due_allocations().applied] == [early.id]
    assert ledger.get_quota_schedule(daily.id).active is False


def test_schedules_are_validated_and_updated(ledger: LedgerService) -> None:
    with pytest.raises(ValidationError):
        ledger.create_quota_schedule("x", target_kind="group_members", amount=Money(1),
                                     actor="a")
    with pytest.raises(NotFoundError):
        ledger.create_quota_schedule("x", target_kind="account", target_id="0" * 26,
                                     amount=Money(1), actor="a")
    schedule = ledger.create_quota_schedule("All", target_kind="all_users", amount=Money(1),
                                            mode="topup", period="custom", every_days=7,
                                            anchor=date(2026, 1, 1), actor="a")
    changed = ledger.update_quota_schedule(schedule.id, amount=Money(9), cap=Money(30),
                                           actor="a")
    assert (changed.amount, changed.cap) == (Money(9), Money(30))
    assert ledger.list_quota_schedules() == [changed]


def test_a_delegated_schedule_is_run_by_its_remote_alone(
        ledger: LedgerService, db: Database, clock: FixedClock) -> None:
    """Central runs the schedules delegated to no one; a remote (its ledger's ``site``)
    runs those delegated to it and no other: each period is allocated by one runner."""
    alice = insert_user(db)
    group_id = insert_group(db, [alice])
    own = ledger.create_quota_schedule("Central's", target_kind="group_members",
                                       target_id=group_id, amount=Money(100), period="daily",
                                       actor="admin")
    north = ledger.create_quota_schedule("North's", target_kind="group_members",
                                         target_id=group_id, amount=Money(50), mode="topup",
                                         period="daily", delegated_to="north", actor="admin")
    at_north = LedgerService(db, clock, AuditLog(db, clock), currency="EUR", site="north")
    at_south = LedgerService(db, clock, AuditLog(db, clock), currency="EUR", site="south")

    assert [r.schedule_id for r in ledger.run_due_allocations().applied] == [own.id]
    assert at_south.run_due_allocations() == AllocationReport((), 0)
    assert [r.schedule_id for r in at_north.run_due_allocations().applied] == [north.id]
    assert ledger.personal_account(alice).balance_minor == 150
    entries, _ = ledger.list_entries(kind="allocation")
    assert {e.origin_site for e in entries} == {"central", "north"}

    taken_back = ledger.update_quota_schedule(north.id, delegated_to=None, actor="admin")
    assert taken_back.delegated_to is None
    clock.advance(timedelta(days=1))
    assert at_north.run_due_allocations() == AllocationReport((), 0)
    assert len(ledger.run_due_allocations().applied) == 2
    assert_ledger_consistent(db)


@pytest.mark.parametrize("name", ["", " north", "a" * 101, "no\nrth"])
def test_a_delegation_names_a_remote_in_printable_characters(
        ledger: LedgerService, name: str) -> None:
    with pytest.raises(ValidationError):
        ledger.create_quota_schedule("Bad", target_kind="all_users", amount=Money(1),
                                     delegated_to=name, actor="admin")
