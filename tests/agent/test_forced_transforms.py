"""Forced transforms at the agent, against the real server (SQLite), a real agent in
process and the virtual printer downstream over real IPP: a job released with
``transforms`` (the release event's payload, as the server's release writes it) reaches the
printer grey on every page (printwarden's own colour analysis of what it kept) and with
the ``sides`` / ``print-color-mode`` it was sent with; one that cannot be transformed
fails with the reason and is never printed or charged."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Connection

from printwarden.agent.model import JobMeta, LocalJob, LocalState
from printwarden.agent.service import AgentService
from printwarden.ipp import DelimiterTag, Operation, keyword
from printwarden.jobs import store
from printwarden.jobs.model import JobState, transitions
from tests.agent.colour_documents import colour_pdf, colour_ps, grey_pages
from tests.agent.support import (
    AgentFactory,
    World,
    chunks_of,
    enrolled,
    running,
    text_document,
    wait_for,
)
from tests.ipp.server.support import RunningVirtualPrinter, ipp_request, post

L = LocalState
#: "GRAYSCALE" in fullwidth letters (U+FF27...): it reads the same and is no known name.
FULLWIDTH = "".join(chr(ord(letter) + 0xFEE0) for letter in "GRAYSCALE")


@pytest.fixture(scope="module")
def printer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningVirtualPrinter]:
    """One virtual printer for the module; each test tells its jobs apart by title."""
    with RunningVirtualPrinter(tmp_path_factory.mktemp("printer")) as running_printer:
        yield running_printer


def _vault(world: World, printer: RunningVirtualPrinter) -> None:
    world.server.devices.create_printer("vault", actor="test", agent_id=world.agent_id(),
                                        device_uri=printer.uri, hold_for_release=True)


async def _held(core: AgentService, document: bytes, title: str,
                fmt: str = "application/octet-stream") -> LocalJob:
    await wait_for(lambda: core.queue_config("vault") is not None, "the queue")
    job = await core.accept("vault", JobMeta(username="alice", title=title,
                                             document_format=fmt), chunks_of(document))
    await wait_for(lambda: (j := core.get_job(job.local_id)) and j.state is L.HELD
                   and j.server_job_id, f"{title} to be held")
    held = core.get_job(job.local_id)
    assert held is not None and held.server_job_id is not None
    return held


def _release_with(world: World, server_job_id: str, transforms: Any) -> None:
    """Release a held job at its queue's device with ``transforms`` in the event: a list
    of names through the server's own release (``ReleaseService.send_in``, as when a user
    accepted a conversion); anything else (what no server sends, for the hostile cases)
    written as the same event straight into the agent's event queue."""
    server = world.server

    def write(conn: Connection) -> None:
        job = store.get_job(conn, server_job_id, lock=True)
        if isinstance(transforms, list) and all(isinstance(t, str) for t in transforms):
            [target] = server.devices.release_targets_in(conn, job.printer_id)
            outcome = server.release.send_in(conn, job, target, why="released by the test",
                                             actor="test", transforms=transforms)
            assert outcome.ok, outcome.message
            return
        moved, events = transitions(job, (JobState.RELEASING,), "released by the test",
                                    server.clock.now())
        store.save_job(conn, moved)
        store.insert_events(conn, events)
        server.devices.append_event_in(conn, job.agent_id, "release", {
            "job_id": job.id, "agent_job_key": job.agent_job_key, "transforms": transforms})
    server.db.write(write)


async def _ended(core: AgentService, job: LocalJob, state: LocalState) -> LocalJob:
    await wait_for(lambda: (j := core.get_job(job.local_id)) and j.state is state
                   and j.completion_sent, f"{job.meta.title} to end {state.value}")
    ended = core.get_job(job.local_id)
    assert ended is not None
    return ended


def _received(printer: RunningVirtualPrinter, title: str) -> list[Path]:
    return sorted(path for path in printer.directory.iterdir()
                  if path.is_file() and f"-{title}." in path.name)


def _printed_attributes(printer: RunningVirtualPrinter, title: str) -> dict[str, Any]:
    """What the printer holds of the job named ``title``: its sides and colour mode."""
    _, answer = post(printer.http_url, ipp_request(
        Operation.GET_JOBS, printer.uri, keyword("which-jobs", "all"),
        keyword("requested-attributes", "job-name", "sides", "print-color-mode")))
    for group in answer.groups_with(DelimiterTag.JOB):
        values = {key: attribute.value for key, attribute in group.items()}
        if values.get("job-name") == title:
            return {k: v for k, v in values.items() if k != "job-name"}
    raise AssertionError(f"the printer has no job {title!r}")


async def _released(world: World, agent_settings: AgentFactory,
                    printer: RunningVirtualPrinter, document: bytes, title: str,
                    transforms: Any, state: LocalState,
                    fmt: str = "application/octet-stream") -> LocalJob:
    """Hold ``document`` on the release queue, release it with ``transforms``, and answer
    the job once it has ended in ``state`` (its document and grey file gone)."""
    settings = agent_settings()
    await enrolled(settings, world)
    _vault(world, printer)
    async with running(settings, world.transport) as core:
        held = await _held(core, document, title, fmt)
        assert held.transforms == ()
        _release_with(world, server_job_id(held), transforms)
        ended = await _ended(core, held, state)
        assert not core.book.spool.gray_path_of(ended).exists()  # gone with the job
        assert not core.book.spool.path_of(ended).exists()
        return ended


def test_a_colour_pdf_released_forced_grey_and_duplex_prints_grey_on_every_page_two_sided(
        world: World, agent_settings: AgentFactory, printer: RunningVirtualPrinter) -> None:
    done = asyncio.run(_released(world, agent_settings, printer, colour_pdf(6), "forced-both",
                                 ["duplex", "grayscale"], L.COMPLETED))

    assert done.color_pages == 6  # counted (and priced by the server) before the release
    assert done.transforms == ("grayscale", "duplex")  # journaled, in one order
    [received] = _received(printer, "forced-both")
    assert received.read_bytes().startswith(b"%PDF")
    assert grey_pages(received) == (6, [False] * 6)
    assert _printed_attributes(printer, "forced-both") == {
        "sides": "two-sided-long-edge", "print-color-mode": "monochrome"}
    job = world.server_job(server_job_id(done))
    assert job.state is JobState.COMPLETED and job.pages == 6
    assert world.charges(job.id) == 1


def test_a_colour_postscript_job_forced_grey_is_sent_as_a_grey_pdf_and_keeps_its_sides(
        world: World, agent_settings: AgentFactory, printer: RunningVirtualPrinter) -> None:
    done = asyncio.run(_released(world, agent_settings, printer, colour_ps(3),
                                 "forced-grey-ps", ["grayscale"], L.COMPLETED,
                                 "application/postscript"))

    assert done.color_pages == 3
    [received] = _received(printer, "forced-grey-ps")
    assert received.suffix == ".pdf" and received.read_bytes().startswith(b"%PDF")
    assert grey_pages(received) == (3, [False] * 3)
    assert _printed_attributes(printer, "forced-grey-ps") == {
        "sides": "one-sided", "print-color-mode": "monochrome"}


@pytest.mark.parametrize(("transforms", "document", "why"), [
    (["grayscale", "sepia"], colour_pdf(1), "unknown transform 'sepia'"),
    ([FULLWIDTH], colour_pdf(1), f"unknown transform '{FULLWIDTH}'"),
    ("grayscale", colour_pdf(1), "transforms must be a list of names"),
    ([7], colour_pdf(1), "unknown transform '7'"),
    (["grayscale"], text_document(), "text documents cannot be converted"),
])
def test_a_job_that_cannot_be_transformed_fails_with_the_reason_uncharged_and_unprinted(
        world: World, agent_settings: AgentFactory, printer: RunningVirtualPrinter,
        transforms: Any, document: bytes, why: str) -> None:
    title = f"refused-{abs(hash((str(transforms), document))) % 10**8}"

    failed = asyncio.run(_released(world, agent_settings, printer, document, title,
                                   transforms, L.FAILED))

    assert failed.state_reason.startswith("not printed: ") and why in failed.state_reason
    assert failed.ipp_state == 8 and failed.ipp_state_reasons == ("aborted-by-system",)
    assert _received(printer, title) == []
    job = world.server_job(server_job_id(failed))
    assert job.state is JobState.FAILED and job.charged_cost_minor == 0
    assert world.charges(job.id) == 0


class ForcingTransforms(httpx.AsyncBaseTransport):
    """The agent's link to the real server, with ``transforms`` written into the server's
    authorize answers (what the lead's rules will make the server answer itself)."""

    def __init__(self, inner: httpx.AsyncBaseTransport, transforms: Any) -> None:
        self._inner = inner
        self.transforms = transforms

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        if not request.url.path.endswith("/agent/authorize") or response.status_code != 200:
            return response
        answer = json.loads(await response.aread())
        answer["transforms"] = self.transforms
        return httpx.Response(200, json=answer)


@pytest.mark.parametrize(("transforms", "state"), [
    (["grayscale", "duplex"], L.COMPLETED),
    (["grayscale", "staple"], L.FAILED),
])
def test_the_transforms_of_the_authorize_answer_are_journaled_and_applied(
        world: World, agent_settings: AgentFactory, printer: RunningVirtualPrinter,
        transforms: list[str], state: LocalState) -> None:
    title = f"authorized-{state.value}"

    async def scenario() -> LocalJob:
        settings = agent_settings()
        await enrolled(settings, world)
        world.server.devices.create_printer("direct", actor="test",
                                            agent_id=world.agent_id(), device_uri=printer.uri)
        assert world.transport is not None
        link = ForcingTransforms(world.transport, transforms)
        async with running(settings, link) as core:
            await wait_for(lambda: core.queue_config("direct") is not None, "the queue")
            job = await core.accept("direct", JobMeta(username="alice", title=title),
                                    chunks_of(colour_pdf(2)))
            return await _ended(core, job, state)

    ended = asyncio.run(scenario())
    job = world.server_job(server_job_id(ended))
    if state is L.COMPLETED:
        assert ended.transforms == ("grayscale", "duplex")
        [received] = _received(printer, title)
        assert grey_pages(received) == (2, [False, False])
        assert _printed_attributes(printer, title)["sides"] == "two-sided-long-edge"
        assert job.state is JobState.COMPLETED and world.charges(job.id) == 1
    else:
        assert ended.state_reason == ("not printed: unknown transform 'staple' (this agent "
                                      "applies grayscale, duplex)")
        assert _received(printer, title) == []
        assert job.state is JobState.FAILED and world.charges(job.id) == 0
        reservation = world.server.ledger.get_reservation(job.reservation_id)
        assert reservation.status == "released"


def server_job_id(job: LocalJob) -> str:
    assert job.server_job_id is not None
    return job.server_job_id
