from __future__ import annotations

from dataclasses import replace

import pytest

from printwarden.core.errors import NotFoundError, PermissionDenied
from printwarden.jobs.messages import Analysis
from printwarden.jobs.model import JobState
from tests.jobs.world import COLOR_PAGE, MONO_PAGE, World, make_agent


def test_a_covered_job_is_allowed_and_its_cost_reserved(world: World) -> None:
    decision = world.server.jobs.authorize(world.agent, world.request(pages=3, copies=2))
    assert (decision.decision, decision.state) == ("allow", JobState.AUTHORIZED)
    assert decision.cost is not None and decision.cost.total.minor == 3 * 2 * MONO_PAGE
    assert decision.reservation_id is not None
    assert sum(part.amount.minor for part in decision.accounts) == 30
    assert world.balance()[1] == 30
    log = world.server.jobs.job_events(decision.job_id)
    assert [e.to_state for e in log] == [JobState.RECEIVED, JobState.ANALYSED,
                                        JobState.AUTHORIZED]
    assert all(e.reason for e in log)


def test_a_job_on_a_release_queue_is_held(world: World) -> None:
    devices = world.server.devices
    group = devices.create_release_group("hall-group", actor="test",
                                         device_ids=[world.queue.device_id or ""])
    devices.update_queue(world.queue.id, {"kind": "release", "release_group_id": group.id},
                         actor="test")
    decision = world.server.jobs.authorize(world.agent, world.request())
    assert (decision.decision, decision.state) == ("hold", JobState.HELD)
    assert world.server.jobs.get_job(decision.job_id).state is JobState.HELD


def test_an_unknown_user_is_denied_with_a_readable_message(world: World) -> None:
    decision = world.server.jobs.authorize(world.agent, world.request(username="mallory"))
    assert decision.decision == "deny"
    assert decision.message == "Unknown user 'mallory': ask your administrator for an account."
    job = world.server.jobs.get_job(decision.job_id)
    assert (job.state, job.user_id, job.reservation_id) == (JobState.DENIED, None, None)


def test_an_inactive_user_is_denied(world: World) -> None:
    world.server.accounts.create_user("bob", active=False, actor="test")
    decision = world.server.jobs.authorize(world.agent, world.request(username="bob"))
    assert decision.decision == "deny"
    assert "Unknown user 'bob'" in decision.message


def test_a_job_the_user_cannot_pay_is_denied_with_the_ledger_message(world: World) -> None:
    decision = world.server.jobs.authorize(world.agent, world.request(pages=300))
    assert decision.decision == "deny"
    assert decision.reservation_id is None and decision.message
    assert decision.cost is not None and decision.cost.total.minor == 300 * MONO_PAGE
    assert world.balance() == (1000, 0)


def test_a_job_whose_pages_are_unknown_is_denied(world: World) -> None:
    decision = world.server.jobs.authorize(world.agent, world.request(pages=None))
    assert decision.decision == "deny"
    assert "could not be determined" in decision.message
    assert world.balance() == (1000, 0)


def test_a_retried_authorize_answers_the_first_decision_with_one_reservation(
    world: World,
) -> None:
    first = world.server.jobs.authorize(world.agent, world.request(pages=4))
    again = world.server.jobs.authorize(world.agent, world.request(pages=4))
    assert again == first
    assert world.balance()[1] == 4 * MONO_PAGE
    jobs, total = world.server.jobs.list_jobs()
    assert total == 1 and jobs[0].id == first.job_id


def test_monochrome_jobs_are_priced_without_colour(world: World) -> None:
    request = world.request(pages=2, color_pages=2, color_mode="monochrome")
    decision = world.server.jobs.authorize(world.agent, request)
    assert decision.cost is not None and decision.cost.total.minor == 2 * MONO_PAGE


def test_unknown_colour_is_priced_as_colour_and_marked_estimated(world: World) -> None:
    request = replace(world.request(pages=2), analysis=Analysis(pages=2))
    decision = world.server.jobs.authorize(world.agent, request)
    assert decision.estimated is True
    assert decision.cost is not None and decision.cost.total.minor == 2 * COLOR_PAGE


def test_an_agent_cannot_authorize_for_a_queue_it_does_not_serve(world: World) -> None:
    other, _ = make_agent(world.server, "ps-2")
    with pytest.raises(PermissionDenied, match="not served by agent 'ps-2'"):
        world.server.jobs.authorize(other, world.request())
    with pytest.raises(NotFoundError, match="no queue named 'nowhere'"):
        world.server.jobs.authorize(world.agent, world.request(queue="nowhere"))
