"""Delivery through faults: a printer that is down, that restarts, a cancel mid-print, an
agent restart mid-print. The printer is the project's virtual printer as a real process
(SIGKILL and restart on the same port); the server is the real app, in process."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from printwarden.agent.forwarding import ForwardResult, ScriptedForwarder
from printwarden.agent.model import JobMeta, LocalJob, LocalState
from printwarden.agent.service import AgentService
from printwarden.agent.settings import AgentSettings
from printwarden.core.clock import FixedClock
from printwarden.ipp import DelimiterTag, Operation, integer, keyword
from printwarden.jobs.model import JobState
from tests.agent.support import AgentFactory, World, enrolled, running, wait_for
from tests.ipp.server.support import ipp_request, make_pdf, post
from tests.support.printers import VirtualPrinterProcess

L = LocalState
PDF = JobMeta(username="alice", title="report.pdf", document_format="application/pdf")


@pytest.fixture
def printer(tmp_path: Path) -> Iterator[VirtualPrinterProcess]:
    """A virtual printer (not started: the test switches it on)."""
    made = VirtualPrinterProcess(tmp_path / "printed")
    yield made
    made.stop()


@pytest.fixture
def slow_printer(tmp_path: Path) -> Iterator[VirtualPrinterProcess]:
    """A virtual printer that takes 60 s to print each job (time to cancel or kill it)."""
    made = VirtualPrinterProcess(tmp_path / "printed-slowly", delay=60)
    yield made
    made.stop()


def add_queue(world: World, name: str, device_uri: str, **options: Any) -> None:
    world.server.devices.create_printer(name, actor="test", agent_id=world.agent_id(),
                                        device_uri=device_uri, **options)


@asynccontextmanager
async def hall(world: World, settings: AgentSettings, device_uri: str, *,
               seams: dict[str, Any] | None = None,
               **queue: Any) -> AsyncIterator[AgentService]:
    """An enrolled, started agent whose trusted-network queue ``hall`` goes to
    ``device_uri`` (the test is about delivery, not about who prints)."""
    await enrolled(settings, world)
    add_queue(world, "hall", device_uri, owner_check="trusted-network", **queue)
    async with running(settings, world.transport, **(seams or {})) as core:
        await wait_for(lambda: core.queue_config("hall"), "the queue")
        yield core


async def pdf_chunks(pages: int, tmp_path: Path) -> Any:
    data = make_pdf(tmp_path / f"doc-{pages}.pdf", pages).read_bytes()
    for start in range(0, len(data), 4096):
        yield data[start:start + 4096]


async def reaches(core: AgentService, local_id: str, *states: LocalState,
                  timeout: float = 30) -> LocalJob:
    def current() -> LocalJob | None:
        job = core.get_job(local_id)
        return job if job is not None and job.state in states else None
    found: LocalJob = await wait_for(current, f"job {local_id} in {states}", timeout)
    return found


def balance(world: World) -> tuple[int, int]:
    account = world.server.ledger.credit_account(world.alice_id)
    return account.balance_minor, account.reserved_minor


def device_job_state(printer: VirtualPrinterProcess, job_id: int) -> int:
    """The job's state as the printer itself tells it (Get-Job-Attributes)."""
    _, answer = post(f"http://127.0.0.1:{printer.port}/ipp/print/virtual", ipp_request(
        Operation.GET_JOB_ATTRIBUTES, printer.uri, integer("job-id", job_id),
        keyword("requested-attributes", "job-state")))
    found = answer.get(DelimiterTag.JOB, "job-state")
    assert found is not None and isinstance(found.value, int)
    return found.value


def test_a_job_waits_for_a_printer_that_is_down_and_prints_once_it_is_back(
        world: World, agent_settings: AgentFactory, printer: VirtualPrinterProcess,
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="printwarden.agent")

    async def scenario() -> tuple[LocalJob, LocalJob, Any, LocalJob]:
        async with hall(world, agent_settings(), printer.uri) as core:
            first = await core.accept("hall", PDF, pdf_chunks(2, tmp_path))
            second = await core.accept("hall", PDF, pdf_chunks(1, tmp_path))
            waiting = await wait_for(
                lambda: (j := core.get_job(first.local_id)) and j.device_wait_since and j,
                "the first job to wait for the printer")
            await asyncio.sleep(1.0)  # several tries meanwhile: still one warning
            status = core.queue_status("hall")
            behind = core.get_job(second.local_id)
            # analysed meanwhile (analysis is outside the queue's line), but not sent
            assert behind is not None and behind.state in (L.SPOOLED, L.ANALYSED)
            printer.start()
            done_first = await reaches(core, first.local_id, L.COMPLETED)
            await reaches(core, second.local_id, L.COMPLETED)
            back = core.queue_status("hall")
            assert back.printer_state == 3 and "offline-report" not in (
                back.printer_state_reasons)
            return waiting, done_first, status, behind

    waiting, done, status, _ = asyncio.run(scenario())

    assert waiting.state is L.FORWARDING
    assert (waiting.ipp_state, waiting.ipp_state_reasons) == (6, ("printer-stopped",))
    assert waiting.state_reason.startswith("waiting for the printer")
    assert status.printer_state == 5 and "offline-report" in status.printer_state_reasons
    assert status.printer_state_message.startswith("printer not answering since ")
    assert status.is_accepting_jobs  # jobs are still taken in, and kept
    assert [p.stat().st_size > 0 for p in printer.documents()] == [True, True]
    assert done.server_job_id is not None and world.charges(done.server_job_id) == 1
    outage = [r.getMessage() for r in caplog.records if "printer is not answering" in
              r.getMessage()]
    ended = [r.getMessage() for r in caplog.records if "answers again" in r.getMessage()]
    assert len(outage) == 1 and len(ended) == 1


def test_a_job_whose_printer_stays_down_past_the_job_lifetime_expires_uncharged(
        world: World, agent_settings: AgentFactory, printer: VirtualPrinterProcess,
        tmp_path: Path) -> None:
    clock = FixedClock(world.server.clock.now())

    async def scenario() -> LocalJob:
        async with hall(world, agent_settings(), printer.uri, job_lifetime_seconds=3600,
                        seams={"clock": clock}) as core:
            job = await core.accept("hall", PDF, pdf_chunks(1, tmp_path))
            await wait_for(lambda: (j := core.get_job(job.local_id)) and j.device_wait_since,
                           "the job to wait for the printer")
            assert balance(world)[1] > 0  # its reservation holds meanwhile
            clock.advance(timedelta(hours=1, seconds=1))
            expired = await reaches(core, job.local_id, L.EXPIRED)
            await wait_for(lambda: (j := core.get_job(job.local_id)) and j.completion_sent,
                           "the server to hear of it")
            return expired

    expired = asyncio.run(scenario())

    assert "within the queue's job lifetime (1 h)" in expired.state_reason
    assert expired.ipp_state == 8
    assert expired.server_job_id is not None
    assert world.server_job(expired.server_job_id).state is JobState.EXPIRED
    assert world.charges(expired.server_job_id) == 0
    assert balance(world) == (1000, 0)
    printer.start()
    assert printer.documents() == []


def test_a_refusal_that_will_not_change_fails_the_job_at_once(
        world: World, agent_settings: AgentFactory, tmp_path: Path) -> None:
    refused = ForwardResult(False, None, 0, "Print-Job: client-error-document-format-"
                            "not-supported", retryable=False)
    device = ScriptedForwarder(refused)

    async def send(uri: str, job: Any, on_status: Any) -> ForwardResult:
        return await device.send(job, on_status=on_status)

    async def scenario() -> LocalJob:
        async with hall(world, agent_settings(), "ipp://printer.invalid/ipp/print",
                        seams={"send": send}) as core:
            job = await core.accept("hall", PDF, pdf_chunks(1, tmp_path))
            return await reaches(core, job.local_id, L.FAILED)

    failed = asyncio.run(scenario())

    assert device.calls == 1
    assert failed.state_reason == ("printer: Print-Job: client-error-document-format-not-"
                                   "supported")


def test_a_cancel_while_the_printer_prints_cancels_its_job_there_and_charges_nothing(
        world: World, agent_settings: AgentFactory, slow_printer: VirtualPrinterProcess,
        tmp_path: Path) -> None:
    slow_printer.start()

    async def scenario() -> tuple[LocalJob, LocalJob]:
        async with hall(world, agent_settings(), slow_printer.uri) as core:
            job = await core.accept("hall", PDF, pdf_chunks(3, tmp_path))
            printing = await wait_for(
                lambda: (j := core.get_job(job.local_id)) and j.remote_job_id and j,
                "the printer to take the job")
            stopping = await core.cancel(job.local_id, by_user="alice")
            assert stopping.ipp_state_reasons == ("processing-to-stop-point",)
            cancelled = await reaches(core, job.local_id, L.CANCELLED)
            await wait_for(lambda: (j := core.get_job(job.local_id)) and j.completion_sent,
                           "the server to hear of it")
            return printing, cancelled

    printing, cancelled = asyncio.run(scenario())

    assert printing.remote_job_id is not None
    assert device_job_state(slow_printer, int(printing.remote_job_id)) == 7  # canceled
    assert cancelled.pages_printed == 0
    assert cancelled.server_job_id is not None
    assert world.server_job(cancelled.server_job_id).state is JobState.CANCELLED
    assert world.charges(cancelled.server_job_id) == 0
    assert balance(world) == (1000, 0)


def test_a_cancel_while_waiting_for_the_printer_means_it_never_gets_the_job(
        world: World, agent_settings: AgentFactory, printer: VirtualPrinterProcess,
        tmp_path: Path) -> None:
    async def scenario() -> LocalJob:
        async with hall(world, agent_settings(), printer.uri) as core:
            job = await core.accept("hall", PDF, pdf_chunks(1, tmp_path))
            await wait_for(lambda: (j := core.get_job(job.local_id)) and j.device_wait_since,
                           "the job to wait for the printer")
            await core.cancel(job.local_id, by_user="alice")
            cancelled = await reaches(core, job.local_id, L.CANCELLED)
            printer.start()
            await asyncio.sleep(1.0)  # were it still trying, it would get there now
            return cancelled

    cancelled = asyncio.run(scenario())

    assert printer.documents() == []
    assert cancelled.server_job_id is not None
    assert world.server_job(cancelled.server_job_id).state is JobState.CANCELLED
    assert balance(world) == (1000, 0)


def test_a_server_cancel_of_a_job_being_printed_stops_it_at_the_printer(
        world: World, agent_settings: AgentFactory, slow_printer: VirtualPrinterProcess,
        tmp_path: Path) -> None:
    slow_printer.start()

    async def scenario() -> LocalJob:
        async with hall(world, agent_settings(), slow_printer.uri) as core:
            job = await core.accept("hall", PDF, pdf_chunks(2, tmp_path))
            printing = await wait_for(
                lambda: (j := core.get_job(job.local_id)) and j.remote_job_id and j,
                "the printer to take the job")
            assert printing.server_job_id is not None
            asked = world.server.jobs.cancel(printing.server_job_id, actor="operator:carol")
            assert asked.state is JobState.PRINTING  # it ends when the agent says so
            cancelled = await reaches(core, job.local_id, L.CANCELLED)
            await wait_for(lambda: (j := core.get_job(job.local_id)) and j.completion_sent,
                           "the server to hear of it")
            return cancelled

    cancelled = asyncio.run(scenario())

    assert cancelled.remote_job_id is not None
    assert device_job_state(slow_printer, int(cancelled.remote_job_id)) == 7
    assert cancelled.server_job_id is not None
    assert world.server_job(cancelled.server_job_id).state is JobState.CANCELLED
    assert balance(world) == (1000, 0)


@pytest.mark.parametrize("policy", ["as-sent", "flag"])
def test_a_printer_that_restarts_and_forgets_the_job_ends_it_by_the_queue_policy(
        world: World, agent_settings: AgentFactory, slow_printer: VirtualPrinterProcess,
        tmp_path: Path, policy: str) -> None:
    slow_printer.start()

    async def scenario() -> LocalJob:
        async with hall(world, agent_settings(), slow_printer.uri,
                        lost_job_charge=policy) as core:
            job = await core.accept("hall", PDF, pdf_chunks(2, tmp_path))
            await wait_for(lambda: (j := core.get_job(job.local_id)) and j.remote_job_id,
                           "the printer to take the job")
            slow_printer.kill()  # power cut: the printer forgets its jobs
            slow_printer.start()
            ended = await reaches(core, job.local_id, L.COMPLETED, L.FAILED)
            await wait_for(lambda: (j := core.get_job(job.local_id)) and j.completion_sent,
                           "the server to hear of it")
            return ended

    ended = asyncio.run(scenario())

    assert "no longer knows job" in ended.state_reason
    assert ended.server_job_id is not None
    server_job = world.server_job(ended.server_job_id)
    if policy == "as-sent":
        assert ended.state is L.COMPLETED and server_job.state is JobState.COMPLETED
        assert world.charges(ended.server_job_id) == 1
        assert balance(world) == (1000 - 2 * 5, 0)
    else:
        assert ended.state is L.FAILED and "check the printer" in ended.flag
        assert server_job.state is JobState.FAILED
        assert world.charges(ended.server_job_id) == 0
        assert balance(world) == (1000, 0)
        flagged = [line for line in world.server.audit.recent()
                   if line["action"] == "job.flagged"]
        assert [line["target"] for line in flagged] == [ended.server_job_id]


def test_an_agent_restart_while_the_printer_prints_follows_the_job_and_never_resends(
        world: World, agent_settings: AgentFactory, tmp_path: Path) -> None:
    printer = VirtualPrinterProcess(tmp_path / "printed", delay=3)
    printer.start()
    settings = agent_settings()

    async def first_life() -> str:
        await enrolled(settings, world)
        add_queue(world, "hall", printer.uri, owner_check="trusted-network")
        async with running(settings, world.transport) as core:
            await wait_for(lambda: core.queue_config("hall"), "the queue")
            job = await core.accept("hall", PDF, pdf_chunks(2, tmp_path))
            await wait_for(lambda: (j := core.get_job(job.local_id)) and j.remote_job_id,
                           "the printer to take the job")
            return job.local_id  # the agent stops while the printer still prints

    async def second_life(local_id: str) -> LocalJob:
        async with running(settings, world.transport) as core:
            done = await reaches(core, local_id, L.COMPLETED)
            await wait_for(lambda: (j := core.get_job(local_id)) and j.completion_sent,
                           "the server to hear of it")
            return done

    try:
        local_id = asyncio.run(first_life())
        done = asyncio.run(second_life(local_id))
        received = printer.documents()
    finally:
        printer.stop()

    assert len(received) == 1  # followed again, not sent a second time
    assert done.server_job_id is not None and world.charges(done.server_job_id) == 1
    assert balance(world) == (1000 - 2 * 5, 0)
