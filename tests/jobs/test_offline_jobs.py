"""Recording jobs an agent printed while no server answered (tracker mode): each once,
charged once through the ledger, past the limit if need be; SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

import pytest

from printwarden.core.errors import NotFoundError, PermissionDenied
from printwarden.core.money import Money
from printwarden.core.price_list_wire import prices_version
from printwarden.jobs.model import JobState
from printwarden.jobs.offline_jobs import PAST_LIMIT_FLAG, OfflineJobReport
from tests.jobs.world import MONO_PAGE, World, make_agent


def report(key: str = "t-1", **changes: Any) -> OfflineJobReport:
    base = OfflineJobReport(agent_job_key=key, queue="hall", username="alice",
                            status="completed", cost_minor=3 * MONO_PAGE, currency="EUR",
                            prices_version="abc", title="offline.pdf", pages=3,
                            media="iso_a4_210x297mm", pages_printed=3, copies_printed=1)
    return replace(base, **changes)


def charges_of(world: World, job_id: str) -> list[int]:
    entries, _ = world.server.ledger.list_entries(kind="charge", job_id=job_id)
    return [entry.amount.minor for entry in entries]


def test_an_offline_job_is_recorded_completed_and_charged_once(world: World) -> None:
    first = world.server.jobs.record_offline(world.agent, report())
    again = world.server.jobs.record_offline(world.agent, report())  # a replayed upload

    assert (first.outcome, again.outcome) == ("recorded", "duplicate")
    assert again.job.id == first.job.id
    job = world.server.jobs.get_job(first.job.id)
    assert (job.state, job.offline, job.charged_cost_minor) == (JobState.COMPLETED, True, 15)
    assert job.flag == "offline (tracker)"
    assert world.balance() == (1000 - 15, 0)
    assert charges_of(world, job.id) == [-15]
    path = [event.to_state for event in world.server.jobs.job_events(job.id)]
    assert path == [JobState.RECEIVED, JobState.ANALYSED, JobState.AUTHORIZED,
                    JobState.RELEASING, JobState.PRINTING, JobState.COMPLETED]


def test_a_balance_may_go_below_its_limit_and_the_job_is_flagged(world: World) -> None:
    result = world.server.jobs.record_offline(world.agent, report(cost_minor=1500))

    assert result.charged == Money(1500, "EUR")
    assert world.balance() == (-500, 0)
    assert PAST_LIMIT_FLAG in (result.job.flag or "")
    again = world.server.jobs.record_offline(world.agent, report(cost_minor=1500))
    assert again.outcome == "duplicate" and world.balance() == (-500, 0)


def test_a_logging_queue_records_the_cost_and_charges_nothing(world: World) -> None:
    world.server.devices.update_queue(world.queue.id, {"failure_policy": "tracker",
                                                       "offline_charging": "log"}, actor="test")
    result = world.server.jobs.record_offline(world.agent, report())

    job = world.server.jobs.get_job(result.job.id)
    assert (job.estimated_cost_minor, job.charged_cost_minor) == (15, 0)
    assert "logged, not charged" in (job.flag or "")
    assert world.balance() == (1000, 0)


def test_no_price_list_and_unknown_users_are_recorded_at_zero_with_a_flag(
        world: World) -> None:
    unpriced = world.server.jobs.record_offline(
        world.agent, report("t-2", cost_minor=0, currency="XXX", priced=False))
    stranger = world.server.jobs.record_offline(world.agent, report("t-3", username="zed"))

    assert "no price list at the agent" in (unpriced.job.flag or "")
    assert "unknown user 'zed'" in (stranger.job.flag or "")
    assert unpriced.charged.minor == stranger.charged.minor == 0
    assert world.balance() == (1000, 0)


def test_a_queue_of_another_agent_or_no_queue_is_refused(world: World) -> None:
    other, _ = make_agent(world.server, "ps-2")
    with pytest.raises(PermissionDenied, match="not served by agent 'ps-2'"):
        world.server.jobs.record_offline(other, report())
    with pytest.raises(NotFoundError, match="no queue named 'nowhere'"):
        world.server.jobs.record_offline(world.agent, report(queue="nowhere"))
    assert world.balance() == (1000, 0)


def test_a_lost_authorize_answer_is_the_same_job_settled_once(world: World) -> None:
    """The authorize reached the server (a reservation was made) but its answer was lost:
    the agent printed offline. The report closes that job: reservation released, one
    charge at the offline cost, no second job."""
    decision = world.server.jobs.authorize(world.agent, world.request("t-1", pages=3))
    assert decision.decision == "allow" and world.balance() == (1000, 15)

    result = world.server.jobs.record_offline(world.agent, report("t-1", cost_minor=20))
    world.server.jobs.record_offline(world.agent, report("t-1", cost_minor=20))

    assert result.outcome == "recorded" and result.job.id == decision.job_id
    assert world.balance() == (1000 - 20, 0)
    assert charges_of(world, decision.job_id) == [-20]
    reservation = world.server.ledger.get_reservation(decision.reservation_id or "")
    assert reservation.status == "released"
    assert world.server.jobs.get_job(decision.job_id).offline


def test_a_job_that_ended_online_is_not_charged_again(world: World) -> None:
    decision = world.server.jobs.authorize(world.agent, world.request("t-1", pages=3))
    world.server.jobs.complete(world.agent, decision.job_id, status="completed",
                               pages_printed=3, copies_printed=1)

    result = world.server.jobs.record_offline(world.agent, report("t-1"))

    assert result.outcome == "duplicate"
    assert world.balance() == (1000 - 15, 0)


def test_two_concurrent_uploads_of_one_job_charge_once(world: World) -> None:
    results: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def upload() -> None:
        start.wait()
        try:
            results.append(world.server.jobs.record_offline(world.agent, report()).outcome)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=upload) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(results) == ["duplicate", "duplicate", "duplicate", "recorded"]
    assert world.balance() == (1000 - 15, 0)


def test_a_lost_denial_of_a_job_the_agent_printed_is_settled_as_printed_once(
        world: World) -> None:
    """Central denied (too little credit) but the answer was lost; the agent decided
    offline and printed. What printed counts: the job moves from denied to completed and
    is charged once, past the limit, with the reason in its flag and the audit log."""
    decision = world.server.jobs.authorize(world.agent, world.request("t-1", pages=300))
    assert decision.decision == "deny" and world.balance() == (1000, 0)

    result = world.server.jobs.record_offline(world.agent, report("t-1", cost_minor=1500))
    again = world.server.jobs.record_offline(world.agent, report("t-1", cost_minor=1500))

    assert (result.outcome, again.outcome) == ("recorded", "duplicate")
    job = world.server.jobs.get_job(decision.job_id)
    assert (job.state, job.offline, job.charged_cost_minor) == (JobState.COMPLETED, True, 1500)
    assert "denied by the server, printed by the agent offline" in (job.flag or "")
    assert PAST_LIMIT_FLAG in (job.flag or "")
    assert world.balance() == (1000 - 1500, 0)
    assert charges_of(world, job.id) == [-1500]
    moves = [(e.from_state, e.to_state) for e in world.server.jobs.job_events(job.id)]
    assert moves[-2:] == [(JobState.ANALYSED, JobState.DENIED),
                          (JobState.DENIED, JobState.COMPLETED)]


def test_a_cancelled_job_the_agent_printed_is_charged_and_one_it_did_not_print_is_not(
        world: World) -> None:
    printed = world.server.jobs.authorize(world.agent, world.request("t-1", pages=3))
    spared = world.server.jobs.authorize(world.agent, world.request("t-2", pages=3))
    for decision in (printed, spared):
        world.server.jobs.cancel(decision.job_id, actor="test", reason="user cancelled")

    world.server.jobs.record_offline(world.agent, report("t-1"))
    failed = world.server.jobs.record_offline(world.agent, report("t-2", status="failed"))

    assert world.server.jobs.get_job(printed.job_id).state is JobState.COMPLETED
    assert failed.outcome == "duplicate"
    assert world.server.jobs.get_job(spared.job_id).state is JobState.CANCELLED
    assert world.balance() == (1000 - 15, 0)


def todays_version(world: World) -> str:
    return prices_version(world.server.jobs.offline_prices([world.queue])[world.queue.id])


def test_an_agent_reporting_a_wrong_cost_with_todays_prices_is_charged_central_s_price(
        world: World) -> None:
    """What prints is what was counted: an agent (broken, or lying) that names today's
    price lists but reports 3 mono pages at 0.01 is charged the 0.15 they cost here."""
    result = world.server.jobs.record_offline(
        world.agent, report(cost_minor=1, prices_version=todays_version(world)))

    assert result.charged == Money(15, "EUR")
    assert ("the agent reported 0.01 EUR, its price list prices it 0.15 EUR"
            in (result.job.flag or ""))
    assert world.balance() == (1000 - 15, 0)


def test_a_cost_priced_with_older_price_lists_stands_and_is_flagged(world: World) -> None:
    """Prices changed while the agent was cut off: its figure is the price in force when
    it printed, charged as reported, with today's price beside it for an operator."""
    result = world.server.jobs.record_offline(world.agent, report(cost_minor=30,
                                                                  prices_version="0ld"))
    same = world.server.jobs.record_offline(
        world.agent, report("t-2", prices_version=todays_version(world)))

    assert result.charged == Money(30, "EUR") and world.balance() == (1000 - 30 - 15, 0)
    assert "older price lists (0.30 EUR); today's give 0.15 EUR" in (result.job.flag or "")
    assert same.job.flag == "offline (tracker)"


def test_the_check_prices_what_printed_not_what_was_sent(world: World) -> None:
    """A completed job that printed 2 of its 3 pages is charged (and checked) for 2."""
    result = world.server.jobs.record_offline(world.agent, report(
        cost_minor=2 * MONO_PAGE, pages_printed=2, prices_version=todays_version(world)))

    assert result.charged == Money(2 * MONO_PAGE, "EUR")
    assert result.job.flag == "offline (tracker)"
