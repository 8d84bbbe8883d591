"""The queue's failure policy while no server answers: refuse, or hold until one does."""

from __future__ import annotations

import asyncio
import logging

import pytest

from printwarden.agent.model import JobMeta, LocalJob, LocalState
from printwarden.agent.service import QueueNotAccepting
from printwarden.jobs.model import JobState
from tests.agent.support import (
    MONO_PAGE,
    AgentFactory,
    InProcessServer,
    World,
    chunks_of,
    enrolled,
    running,
    text_document,
    wait_for,
)

L = LocalState
META = JobMeta(username="alice", title="notes.txt", document_format="text/plain")


def test_a_refuse_queue_stops_accepting_while_no_server_answers(
        app_server: InProcessServer, world: World, agent_settings: AgentFactory) -> None:
    async def scenario() -> None:
        settings = agent_settings()
        await enrolled(settings, world)
        world.add_queue("hall", failure_policy="refuse")
        async with running(settings, world.transport) as core:
            assert core.accepting("hall") == (True, "")
            app_server.stop()
            await wait_for(lambda: not core.accepting("hall")[0], "the queue to refuse")
            assert core.accepting("hall") == (False, "server-unreachable")
            status = core.queue_status("hall")
            assert not status.is_accepting_jobs
            assert "server-unreachable" in status.printer_state_reasons
            with pytest.raises(QueueNotAccepting) as refused:
                await core.accept("hall", META, chunks_of(text_document()))
            assert refused.value.reason == "server-unreachable"
            assert core.book.journal.jobs() == []
            app_server.start()
            await wait_for(lambda: core.accepting("hall")[0], "the queue to accept again")
            assert core.queue_status("hall").is_accepting_jobs

    asyncio.run(scenario())


def test_a_hold_queue_keeps_jobs_until_a_server_answers_then_prints_them(
        app_server: InProcessServer, world: World, agent_settings: AgentFactory) -> None:
    document = text_document(4)

    async def scenario() -> tuple[LocalJob, LocalJob, bool]:
        settings = agent_settings()
        await enrolled(settings, world)
        world.add_queue("hall", failure_policy="hold")
        async with running(settings, world.transport) as core:
            app_server.stop()
            await wait_for(lambda: not core.link.reachable, "the agent to notice")
            assert core.accepting("hall") == (True, "")
            job = await core.accept("hall", META, chunks_of(document))
            waiting = await wait_for(
                lambda: (j := core.get_job(job.local_id)) and j.waiting_for_server and j,
                "the job to wait for a server")
            printed_while_down = world.device.exists()
            app_server.start()
            done = await wait_for(
                lambda: (j := core.get_job(job.local_id)) and j.state is L.COMPLETED and j,
                "the job to print once the server is back")
            return waiting, done, printed_while_down

    waiting, done, printed_while_down = asyncio.run(scenario())

    assert waiting.ipp_state == 4 and waiting.server_job_id is None  # pending-held
    assert waiting.ipp_state_reasons == ("job-held-for-authorization",)
    assert waiting.ipp_state_message == "kept until a printwarden server answers"
    assert not printed_while_down
    assert world.device.read_bytes() == document
    assert done.server_job_id is not None
    assert world.server_job(done.server_job_id).state is JobState.COMPLETED
    assert world.charges(done.server_job_id) == 1


def test_the_agent_fails_over_to_the_next_server_and_comes_back_to_the_preferred(
        app_server: InProcessServer, backup_server: InProcessServer, world: World,
        agent_settings: AgentFactory) -> None:
    backup = backup_server
    document = text_document()

    async def scenario() -> LocalJob:
        settings = agent_settings(server_urls=[app_server.url, backup.url])
        await enrolled(settings, world)
        world.add_queue("hall")
        async with running(settings, world.transport) as core:
            assert core.link.current_url == app_server.url
            app_server.stop()
            job = await core.accept("hall", META, chunks_of(document))
            done = await wait_for(
                lambda: (j := core.get_job(job.local_id)) and j.state is L.COMPLETED and j,
                "the job to print through the backup server")
            assert core.link.current_url == backup.url
            assert core.accepting("hall") == (True, "")
            app_server.start()
            await wait_for(lambda: core.link.current_url == app_server.url,
                           "the agent to return to the preferred server")
            done_job: LocalJob = done
            return done_job

    done = asyncio.run(scenario())

    assert world.device.read_bytes() == document
    assert done.server_job_id is not None
    assert world.charges(done.server_job_id) == 1


def test_an_agent_started_without_a_server_serves_its_last_known_queues(
        app_server: InProcessServer, world: World, agent_settings: AgentFactory) -> None:
    document = text_document()

    async def scenario() -> LocalJob:
        settings = agent_settings()
        await enrolled(settings, world)
        world.add_queue("hall", failure_policy="hold")
        async with running(settings, world.transport):
            pass  # the first start fetches and keeps the configuration
        app_server.stop()
        async with running(settings, world.transport) as core:
            assert not core.link.reachable
            assert core.queue_names() == ["hall"]
            assert core.accepting("hall") == (True, "")
            job = await core.accept("hall", META, chunks_of(document))
            app_server.start()
            done: LocalJob = await wait_for(
                lambda: (j := core.get_job(job.local_id)) and j.state is L.COMPLETED and j,
                "the job to print once the server answers")
            return done

    done = asyncio.run(scenario())

    assert world.device.read_bytes() == document
    assert done.server_job_id is not None
    assert world.charges(done.server_job_id) == 1


def test_the_agent_says_when_no_server_answers_and_when_one_answers_again(
        app_server: InProcessServer, world: World, agent_settings: AgentFactory,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="printwarden.agent")

    async def scenario() -> None:
        settings = agent_settings()
        await enrolled(settings, world)
        world.add_queue("hall", failure_policy="refuse")
        async with running(settings, world.transport) as core:
            app_server.stop()
            await wait_for(lambda: not core.link.reachable, "the agent to notice")
            app_server.start()
            await wait_for(lambda: core.accepting("hall")[0], "the queue to reopen")

    asyncio.run(scenario())

    said = [r.getMessage() for r in caplog.records]
    assert sum("no printwarden server answers" in line for line in said) == 1
    assert sum("a printwarden server answers again" in line for line in said) == 1



def test_a_tracker_queue_prints_without_a_server_and_reports_each_job_once(
        app_server: InProcessServer, world: World, agent_settings: AgentFactory) -> None:
    """Central away: the job prints at once, priced with the price list the agent kept
    (across a restart of the agent without a server); the agent restarts again before
    central is back (the entry waits in its journal); once central answers, the job
    appears once in its log, charged once, and the journal entry is marked sent."""
    document = text_document()

    async def scenario() -> tuple[LocalJob, LocalJob]:
        settings = agent_settings()
        await enrolled(settings, world)
        world.add_queue("hall", failure_policy="tracker")
        async with running(settings, world.transport):
            pass  # the configuration and its prices are journaled
        app_server.stop()
        async with running(settings, world.transport) as core:
            assert core.accepting("hall") == (True, "")
            assert "reported later" in core.queue_status("hall").printer_state_message
            job = await core.accept("hall", META, chunks_of(document))
            printed = await wait_for(
                lambda: (j := core.get_job(job.local_id)) and j.state is L.FORWARDED and j,
                "the job to print without a server")
            assert world.device.read_bytes() == document
        async with running(settings, world.transport) as core:
            assert core.get_job(job.local_id) == printed  # still pending, not lost
            app_server.start()
            sent: LocalJob = await wait_for(
                lambda: (j := core.get_job(job.local_id)) and j.offline_state == "sent" and j,
                "the journal entry to be confirmed")
            return printed, sent

    printed, sent = asyncio.run(scenario())

    assert printed.decision == "offline" and printed.offline_state == "pending"
    assert printed.offline["priced"] is True
    assert printed.offline["cost_minor"] == MONO_PAGE and printed.offline["prices_version"]
    assert sent.state is L.COMPLETED
    jobs, total = world.server.jobs.list_jobs(offline=True)
    assert total == 1
    [central] = jobs
    assert (central.agent_job_key, central.state, central.charged_cost_minor) == (
        printed.local_id, JobState.COMPLETED, MONO_PAGE)
    assert world.charges(central.id) == 1
