"""The façade the IPP layer calls: listing, local release, configuration pushed by events."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest

from printwarden.agent.intake.sink import AgentSink
from printwarden.agent.model import JobMeta, LocalState
from printwarden.agent.service import JobConflict
from printwarden.ipp.printer.sink import DocumentTicket
from tests.agent.support import (
    AgentFactory,
    World,
    chunks_of,
    enrolled,
    running,
    text_document,
    wait_for,
)

L = LocalState


def test_jobs_are_listed_per_queue_state_and_user_and_released_locally(
        world: World, agent_settings: AgentFactory) -> None:
    async def scenario() -> None:
        settings = agent_settings()
        await enrolled(settings, world)
        world.add_queue("vault", hold_for_release=True)
        async with running(settings, world.transport) as core:
            mine = await core.accept("vault", JobMeta(username="alice"),
                                     chunks_of(text_document()))
            theirs = await core.accept("vault", JobMeta(username="bob"),
                                       chunks_of(text_document()))
            await wait_for(lambda: (j := core.get_job(mine.local_id)) and j.state is L.HELD,
                           "alice's job to be held")
            await wait_for(lambda: (j := core.get_job(theirs.local_id))
                           and j.state is L.DENIED, "bob's job to be denied")

            pending = core.list_jobs("vault")
            ended = core.list_jobs("vault", "completed")
            assert [job.local_id for job in pending] == [mine.local_id]
            assert [job.local_id for job in ended] == [theirs.local_id]
            assert [j.local_id for j in core.list_jobs(None, "all", user="bob")] == [
                theirs.local_id]
            with pytest.raises(JobConflict):
                await core.release(theirs.local_id)

            await core.release(mine.local_id)
            await wait_for(lambda: (j := core.get_job(mine.local_id))
                           and j.state is L.COMPLETED, "the released job to print")
            assert core.list_jobs("vault") == []

    asyncio.run(scenario())


def test_a_queue_added_on_the_server_appears_through_a_config_event(
        world: World, agent_settings: AgentFactory) -> None:
    async def scenario() -> None:
        settings = agent_settings()
        await enrolled(settings, world)
        async with running(settings, world.transport) as core:
            assert core.queue_names() == []
            assert core.accepting("annex") == (False, "unknown-queue")
            world.add_queue("annex", failure_policy="hold")
            await wait_for(lambda: core.queue_names() == ["annex"], "the new queue")
            config = core.queue_config("annex")
            assert config is not None and config.failure_policy == "hold"
            assert core.accepting("annex") == (True, "")
            assert core.events.last_event_id is not None

    asyncio.run(scenario())


def test_the_agent_imports_no_server_web_or_database_code() -> None:
    code = ("import sys, printwarden.agent.bootstrap\n"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
            "('fastapi', 'sqlalchemy', 'starlette', 'alembic') or m.startswith("
            "('printwarden.db', 'printwarden.web', 'printwarden.server')))\n"
            "print(','.join(bad))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, timeout=60)
    assert result.stdout.strip() == ""


def test_the_ipp_sink_stores_a_job_durably_before_it_answers(
        world: World, agent_settings: AgentFactory) -> None:
    document = text_document(2)

    async def scenario() -> None:
        settings = agent_settings()
        await enrolled(settings, world)
        world.add_queue("hall")
        async with running(settings, world.transport) as core:
            sink = AgentSink(core, "hall")
            ticket = DocumentTicket(job_id=7, job_name="notes", user="alice",
                                    document_name="notes.txt", document_format="text/plain")
            stored = await sink.receive(ticket, chunks_of(document))
            job = core.get_job(stored.location)
            assert job is not None and job.meta.username == "alice"
            assert stored.octets == len(document) == job.size_bytes
            assert sink.local_jobs[7].local_id == job.local_id
            await wait_for(lambda: (j := core.get_job(job.local_id))
                           and j.state is L.COMPLETED, "the job to print")

    asyncio.run(scenario())
    assert world.device.read_bytes() == document


def test_a_held_job_released_to_another_device_of_its_group_prints_there_only(
        world: World, agent_settings: AgentFactory) -> None:
    """The release event names the device (find-me within one agent: a local move); the
    choice is journaled, so a restart before the transfer still sends it there."""
    other = world.device.parent / "other-device.out"

    async def scenario() -> None:
        settings = agent_settings()
        await enrolled(settings, world)
        world.add_queue("vault", hold_for_release=True)
        async with running(settings, world.transport) as core:
            held = await core.accept("vault", JobMeta(username="alice"),
                                     chunks_of(text_document()))
            await wait_for(lambda: (j := core.get_job(held.local_id)) and j.state is L.HELD,
                           "the job to be held")
            core.queue_activity("vault").paused = True  # nothing leaves before the restart
            await core.release(held.local_id, device_uri=other.as_uri(), device_id="dev-2")
        async with running(settings, world.transport) as core:
            job = core.get_job(held.local_id)
            assert job is not None and job.release_device_id == "dev-2"
            await wait_for(lambda: (j := core.get_job(held.local_id))
                           and j.state is L.COMPLETED, "the released job to print")
        assert other.read_bytes() == text_document()
        assert not world.device.exists()

    asyncio.run(scenario())
