"""Server side of faults: a revoked agent's jobs, stale reservations, a cancel while
printing, an agent's report of a job it had to expire or flag."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from printwarden.core.clock import FixedClock
from printwarden.core.errors import AuthenticationFailed
from printwarden.core.settings import load_server_settings
from printwarden.db.engine import Database
from printwarden.jobs.model import JobState
from printwarden.server.bootstrap import build_server
from tests.jobs.world import World, make_world


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))


@pytest.fixture
def timed(db: Database, tmp_path: Path, clock: FixedClock) -> World:
    """The world of ``tests/jobs`` on a server whose clock the test moves."""
    settings = load_server_settings(tmp_path / "data", database_url=db.url)
    return make_world(build_server(settings, db=db, migrate=False, clock=clock))


def events_of(world: World, kind: str) -> list[dict[str, object]]:
    return [e.payload for e in world.server.devices.events_after(world.agent.id, None)
            if e.kind == kind]


def test_revoking_an_agent_ends_its_open_jobs_and_releases_their_money(
        world: World) -> None:
    jobs = world.server.jobs
    printing = jobs.authorize(world.agent, world.request("printing"))
    jobs.mark_printing(world.agent, printing.job_id)
    waiting = jobs.authorize(world.agent, world.request("waiting"))
    assert world.balance()[1] == 2 * 3 * 5  # both reserved

    ended = jobs.revoke_agent(world.agent.id, actor="admin")

    assert ended == 2
    for job_id in (printing.job_id, waiting.job_id):
        job = jobs.get_job(job_id)
        assert job.state is JobState.FAILED and "agent was revoked by admin" in (
            job.state_reason)
    assert world.balance() == (1000, 0)
    with pytest.raises(AuthenticationFailed):
        world.server.devices.principal_for_agent_token(world.token)
    assert world.server.devices.get_agent(world.agent.id).status == "revoked"


def test_a_reservation_whose_job_never_moves_is_released_after_the_job_lifetime(
        timed: World, clock: FixedClock) -> None:
    jobs = timed.server.jobs
    stuck = jobs.authorize(timed.agent, timed.request("stuck"))
    jobs.mark_printing(timed.agent, stuck.job_id)
    fresh_clock_job = jobs.authorize(timed.agent, timed.request("recent"))

    clock.advance(timedelta(hours=24, minutes=59))  # lifetime 24 h, grace 1 h: not yet
    assert jobs.expire_stale() == 0
    clock.advance(timedelta(minutes=2))
    assert jobs.expire_stale() == 2

    for job_id in (stuck.job_id, fresh_clock_job.job_id):
        job = jobs.get_job(job_id)
        assert job.state is JobState.EXPIRED and job.charged_cost_minor == 0
    assert timed.balance() == (1000, 0)
    told = events_of(timed, "expire")
    assert sorted(str(p["job_id"]) for p in told) == sorted(
        [stuck.job_id, fresh_clock_job.job_id])
    assert jobs.expire_stale() == 0  # once


def test_a_queue_with_a_shorter_lifetime_is_swept_sooner(timed: World,
                                                         clock: FixedClock) -> None:
    devices, jobs = timed.server.devices, timed.server.jobs
    devices.update_queue(timed.queue.id, {"job_lifetime_seconds": 600}, actor="admin")
    held = jobs.authorize(timed.agent, timed.request("short"))
    clock.advance(timedelta(hours=1, minutes=11))
    assert jobs.expire_stale() == 1
    assert jobs.get_job(held.job_id).state is JobState.EXPIRED


def test_a_cancel_of_a_printing_job_waits_for_what_the_agent_says_printed(
        world: World) -> None:
    jobs = world.server.jobs
    decision = jobs.authorize(world.agent, world.request("long", pages=10))
    jobs.mark_printing(world.agent, decision.job_id)

    asked = jobs.cancel(decision.job_id, actor="operator:carol", reason="wrong file")

    assert asked.state is JobState.PRINTING and "cancel requested" in asked.state_reason
    assert world.balance()[1] == 10 * 5  # still reserved: pages may be printing
    assert events_of(world, "cancel")[-1]["job_id"] == decision.job_id
    result = jobs.complete(world.agent, decision.job_id, status="cancelled",
                           pages_printed=3, copies_printed=1)
    assert result.state is JobState.CANCELLED
    assert result.charged.minor == 3 * 5  # what printed before the stop
    assert world.balance() == (1000 - 15, 0)


def test_an_agent_reports_an_expired_job_and_a_flagged_one(world: World) -> None:
    jobs = world.server.jobs
    expired = jobs.authorize(world.agent, world.request("expired"))
    jobs.mark_printing(world.agent, expired.job_id)
    lost = jobs.authorize(world.agent, world.request("lost"))
    jobs.mark_printing(world.agent, lost.job_id)

    ended = jobs.complete(world.agent, expired.job_id, status="expired", pages_printed=0,
                          reason="the printer did not answer within the job lifetime")
    flagged = jobs.complete(world.agent, lost.job_id, status="failed", pages_printed=0,
                            reason="the printer no longer knows job 4",
                            flag="the printer lost it: check it")

    assert ended.state is JobState.EXPIRED and ended.charged.minor == 0
    assert flagged.state is JobState.FAILED and flagged.charged.minor == 0
    audit = [line for line in world.server.audit.recent() if line["action"] == "job.flagged"]
    assert [(line["target"], line["detail"]["reason"]) for line in audit] == [
        (lost.job_id, "the printer lost it: check it")]
    assert world.balance() == (1000, 0)
