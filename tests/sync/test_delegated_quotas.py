"""A quota schedule central delegated to a remote: the delegation replicates, the remote
runs the schedule's allocations and central does not (none happens twice)."""

from __future__ import annotations

from printwarden.core.money import Money
from printwarden.ledger.quotas import AllocationReport
from tests.sync.support import Pair, pair

__all__ = ["pair"]


def test_the_remote_named_runs_the_delegated_schedule_and_central_does_not(
        pair: Pair) -> None:
    central = pair.central
    ivy = central.accounts.create_user("ivy", actor="t")
    north = pair.remote("site-north")
    delegated = central.ledger.create_quota_schedule(
        "North weekly", target_kind="all_users", amount=Money(300, "EUR"), period="weekly",
        delegated_to="site-north", actor="admin")
    central.ledger.personal_account(ivy.id)  # the account exists at central, replicates
    north.puller.catch_up()

    at_north = north.container.ledger
    assert at_north.site == "site-north"
    assert at_north.get_quota_schedule(delegated.id).delegated_to == "site-north"
    assert central.ledger.run_due_allocations() == AllocationReport((), 0)
    report = at_north.run_due_allocations()
    assert [run.schedule_id for run in report.applied] == [delegated.id]
    entries, _ = at_north.list_entries(kind="allocation")
    assert [(e.amount.minor, e.origin_site) for e in entries] == [(300, "site-north")]
    assert at_north.run_due_allocations() == AllocationReport((), 1)
