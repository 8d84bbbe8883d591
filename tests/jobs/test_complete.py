from __future__ import annotations

import pytest

from printwarden.core.errors import ConflictError, PermissionDenied
from printwarden.jobs.model import JobState
from tests.jobs.world import MONO_PAGE, World, make_agent


def allowed(world: World, pages: int = 3, copies: int = 1) -> str:
    decision = world.server.jobs.authorize(world.agent,
                                           world.request(pages=pages, copies=copies))
    assert decision.decision == "allow"
    return decision.job_id


def test_a_completed_job_is_charged_once_even_when_reported_twice(world: World) -> None:
    job_id = allowed(world, pages=3, copies=2)
    first = world.server.jobs.complete(world.agent, job_id, status="completed")
    again = world.server.jobs.complete(world.agent, job_id, status="completed")
    assert first.charged.minor == 30 and again == first
    assert first.state is JobState.COMPLETED
    assert world.balance() == (1000 - 30, 0)
    log = [e.to_state for e in world.server.jobs.job_events(job_id)]
    assert log[-3:] == [JobState.RELEASING, JobState.PRINTING, JobState.COMPLETED]


def test_what_was_really_printed_is_charged(world: World) -> None:
    job_id = allowed(world, pages=3, copies=2)
    result = world.server.jobs.complete(world.agent, job_id, status="completed",
                                        pages_printed=3, copies_printed=1)
    assert result.charged.minor == 3 * MONO_PAGE
    assert world.balance() == (1000 - 15, 0)


def test_a_failed_job_releases_its_reservation_and_costs_nothing(world: World) -> None:
    job_id = allowed(world)
    result = world.server.jobs.complete(world.agent, job_id, status="failed",
                                        reason="printer jammed")
    assert (result.state, result.charged.minor) == (JobState.FAILED, 0)
    assert world.balance() == (1000, 0)
    assert world.server.jobs.job_events(job_id)[-1].reason == "printer jammed"


def test_pages_printed_before_a_failure_are_charged(world: World) -> None:
    job_id = allowed(world, pages=10)
    result = world.server.jobs.complete(world.agent, job_id, status="failed",
                                        pages_printed=4)
    assert result.charged.minor == 4 * MONO_PAGE
    assert world.balance() == (1000 - 20, 0)


def test_completing_a_denied_job_or_another_agents_job_is_refused(world: World) -> None:
    denied = world.server.jobs.authorize(world.agent, world.request("denied", username="nobody"))
    with pytest.raises(ConflictError, match="denied"):
        world.server.jobs.complete(world.agent, denied.job_id, status="completed")
    other, _ = make_agent(world.server, "ps-2")
    with pytest.raises(PermissionDenied):
        world.server.jobs.complete(other, allowed(world), status="completed")


def test_marking_a_job_printing_walks_through_releasing_once(world: World) -> None:
    job_id = allowed(world)
    assert world.server.jobs.mark_printing(world.agent, job_id).state is JobState.PRINTING
    assert world.server.jobs.mark_printing(world.agent, job_id).state is JobState.PRINTING
    log = [e.to_state for e in world.server.jobs.job_events(job_id)]
    assert log.count(JobState.PRINTING) == 1 and JobState.RELEASING in log


def test_cancelling_releases_the_money_and_tells_the_agent(world: World) -> None:
    job_id = allowed(world)
    job = world.server.jobs.cancel(job_id, actor="root", reason="wrong file")
    assert (job.state, job.charged_cost_minor) == (JobState.CANCELLED, 0)
    assert world.balance() == (1000, 0)
    events = world.server.devices.events_after(world.agent.id, None)
    assert [(e.kind, e.payload["job_id"]) for e in events if e.kind == "cancel"] == [
        ("cancel", job_id)]
    with pytest.raises(ConflictError, match="already cancelled"):
        world.server.jobs.cancel(job_id, actor="root")
    after = world.server.jobs.complete(world.agent, job_id, status="completed")
    assert (after.state, after.charged.minor) == (JobState.CANCELLED, 0)


def test_jobs_are_listed_newest_first_with_filters(world: World) -> None:
    first = allowed(world)
    world.server.jobs.authorize(world.agent, world.request("job-2", username="ghost"))
    mine, total = world.server.jobs.list_jobs(user_id=world.user_id)
    assert total == 1 and mine[0].id == first
    denied, _ = world.server.jobs.list_jobs(state="denied")
    assert [j.username for j in denied] == ["ghost"]
    everything, total = world.server.jobs.list_jobs(limit=1)
    assert total == 2 and len(everything) == 1


def test_a_queue_with_jobs_is_disabled_instead_of_deleted(world: World) -> None:
    allowed(world)
    kept = world.server.devices.delete_queue(world.queue.id, actor="root")
    assert kept is not None and kept.enabled is False
    assert world.server.devices.queues_for_agent(world.agent.id) == []
