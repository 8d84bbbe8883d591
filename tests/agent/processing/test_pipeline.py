"""Jobs through a real server and a file:// device: allow, deny, hold and release, cancel."""

from __future__ import annotations

import asyncio

from printwarden.agent.model import JobMeta, LocalJob, LocalState
from printwarden.agent.processing.pipeline import NO_DEVICE
from printwarden.agent.service import AgentService
from printwarden.jobs.model import JobState
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


def meta(username: str = "alice") -> JobMeta:
    return JobMeta(username=username, title="notes.txt", document_format="text/plain")


async def reaches(core: AgentService, local_id: str, state: LocalState) -> LocalJob:
    def current() -> LocalJob | None:
        job = core.get_job(local_id)
        return job if job is not None and job.state is state else None

    found: LocalJob = await wait_for(current, f"job {local_id} to be {state.value}")
    return found


def test_an_allowed_job_reaches_the_device_byte_exact_and_is_charged_once(
        world: World, agent_settings: AgentFactory) -> None:
    document = text_document(3)

    async def scenario() -> tuple[LocalJob, bool]:
        settings = agent_settings()
        await enrolled(settings, world)
        world.add_queue("hall")
        async with running(settings, world.transport) as core:
            assert core.queue_names() == ["hall"]
            assert core.accepting("hall") == (True, "")
            job = await core.accept("hall", meta(), chunks_of(document, 7))
            done = await reaches(core, job.local_id, L.COMPLETED)
            return done, core.book.spool.path_of(done).exists()

    done, spool_file_left = asyncio.run(scenario())

    assert world.device.read_bytes() == document
    assert done.server_job_id is not None and done.decision == "allow"
    server_job = world.server_job(done.server_job_id)
    assert server_job.state is JobState.COMPLETED
    assert server_job.charged_cost_minor == 5  # 1 page x 1 copy at 0.05
    assert world.charges(done.server_job_id) == 1
    assert (done.pages_printed, done.copies_printed, done.completion_sent) == (1, 1, True)
    assert (done.ipp_state, done.ipp_state_reasons) == (9, ("job-completed-successfully",))
    assert not spool_file_left


def test_a_denied_job_is_aborted_with_the_servers_message_and_never_printed(
        world: World, agent_settings: AgentFactory) -> None:
    async def scenario() -> tuple[LocalJob, list[str]]:
        settings = agent_settings()
        await enrolled(settings, world)
        world.add_queue("hall")
        async with running(settings, world.transport) as core:
            job = await core.accept("hall", meta("bob"), chunks_of(text_document()))
            denied = await reaches(core, job.local_id, L.DENIED)
            return denied, [p.name for p in core.book.spool.directory.glob("*.doc")]

    denied, spooled = asyncio.run(scenario())

    assert denied.server_job_id is not None
    server_job = world.server_job(denied.server_job_id)
    assert server_job.state is JobState.DENIED
    assert denied.state_reason == server_job.message and denied.state_reason
    assert (denied.ipp_state, denied.ipp_state_reasons) == (8, ("account-authorization-failed",))
    assert denied.ipp_state_message == server_job.message
    assert not world.device.exists()
    assert spooled == []
    assert world.charges(denied.server_job_id) == 0


def test_a_held_job_prints_when_the_server_sends_release_and_is_charged_once(
        world: World, agent_settings: AgentFactory) -> None:
    document = text_document(2)

    async def scenario() -> tuple[LocalJob, bool]:
        settings = agent_settings()
        await enrolled(settings, world)
        world.add_queue("vault", hold_for_release=True)
        async with running(settings, world.transport) as core:
            job = await core.accept("vault", meta(), chunks_of(document))
            held = await reaches(core, job.local_id, L.HELD)
            assert held.ipp_state == 4 and held.server_job_id is not None
            assert world.server_job(held.server_job_id).state is JobState.HELD
            printed_while_held = world.device.exists()
            world.server.devices.enqueue_event(world.agent_id(), "release", {
                "job_id": held.server_job_id, "agent_job_key": held.local_id})
            return await reaches(core, job.local_id, L.COMPLETED), printed_while_held

    done, printed_while_held = asyncio.run(scenario())

    assert not printed_while_held
    assert world.device.read_bytes() == document
    assert done.server_job_id is not None
    assert world.server_job(done.server_job_id).state is JobState.COMPLETED
    assert world.charges(done.server_job_id) == 1


def test_a_cancel_event_drops_the_job_and_its_data_without_charge(
        world: World, agent_settings: AgentFactory) -> None:
    async def scenario() -> tuple[LocalJob, bool, int]:
        settings = agent_settings()
        await enrolled(settings, world)
        world.add_queue("vault", hold_for_release=True)
        async with running(settings, world.transport) as core:
            job = await core.accept("vault", meta(), chunks_of(text_document()))
            held = await reaches(core, job.local_id, L.HELD)
            assert held.server_job_id is not None
            world.server.jobs.cancel(held.server_job_id, actor="root", reason="wrong file")
            cancelled = await reaches(core, job.local_id, L.CANCELLED)
            return (cancelled, core.book.spool.path_of(cancelled).exists(),
                    len(core.book.journal.outbox()))

    cancelled, data_left, outbox = asyncio.run(scenario())

    assert "wrong file" in cancelled.state_reason
    assert cancelled.ipp_state_reasons == ("job-canceled-by-operator",)
    assert not data_left and outbox == 0
    assert not world.device.exists()
    assert cancelled.server_job_id is not None
    assert world.server_job(cancelled.server_job_id).state is JobState.CANCELLED
    assert world.charges(cancelled.server_job_id) == 0


def test_a_user_cancelling_a_held_job_releases_the_reservation_at_the_server(
        world: World, agent_settings: AgentFactory) -> None:
    async def scenario() -> LocalJob:
        settings = agent_settings()
        await enrolled(settings, world)
        world.add_queue("vault", hold_for_release=True)
        async with running(settings, world.transport) as core:
            job = await core.accept("vault", meta(), chunks_of(text_document()))
            await reaches(core, job.local_id, L.HELD)
            await core.cancel(job.local_id, by_user="alice")
            reported: LocalJob = await wait_for(
                lambda: (j := core.get_job(job.local_id)) is not None and j.completion_sent
                and j, "the cancel to be reported")
            return reported

    cancelled: LocalJob = asyncio.run(scenario())

    assert cancelled.state is L.CANCELLED
    assert cancelled.ipp_state_reasons == ("job-canceled-by-user",)
    assert cancelled.server_job_id is not None
    assert world.server_job(cancelled.server_job_id).state is JobState.CANCELLED
    assert world.charges(cancelled.server_job_id) == 0


def test_a_job_waits_for_its_queues_device_and_prints_once_one_is_configured(
        world: World, agent_settings: AgentFactory) -> None:
    """A queue created without a device (or before it is known) keeps its jobs."""
    document = text_document(2)

    async def scenario() -> tuple[LocalJob, LocalJob]:
        settings = agent_settings()
        await enrolled(settings, world)
        printer = world.server.devices.create_printer(
            "hall", actor="test", agent_id=world.agent_id(), device_uri="")
        async with running(settings, world.transport) as core:
            job = await core.accept("hall", meta(), chunks_of(document, 5))

            def waiting() -> LocalJob | None:
                found = core.get_job(job.local_id)
                return found if found is not None and found.state_reason == NO_DEVICE else None
            waited: LocalJob = await wait_for(waiting, "the job waiting for a device")
            world.server.devices.update_device(
                printer.device_id or "", {"device_uri": world.device.as_uri()}, actor="test")
            return waited, await reaches(core, job.local_id, L.COMPLETED)

    waited, done = asyncio.run(scenario())

    assert waited.state is L.AUTHORIZED
    assert waited.ipp_state_message == NO_DEVICE
    assert world.device.read_bytes() == document
    assert done.server_job_id is not None and world.charges(done.server_job_id) == 1
