"""What prints is what was counted, through a real agent core and a real server:
lying documents are rewritten durably or refused, endless ones refused, and a user's
hostile documents do not stall anyone else's."""

from __future__ import annotations

import asyncio
import shutil
import stat
from pathlib import Path

import pytest
from pypdf import PdfReader

from printwarden.agent.bootstrap import build_agent
from printwarden.agent.model import JobMeta, LocalJob, LocalState
from printwarden.agent.service import AgentService
from tests.agent.support import AgentFactory, World, chunks_of, enrolled, running, wait_for
from tests.documents.pagetrees import million_page_pdf, qpdf_pages
from tests.support.peers import make_pdf

L = LocalState
needs_gs = pytest.mark.skipif(shutil.which("gs") is None, reason="Ghostscript is needed")
ENDLESS = b"%!PS-Adobe-3.0\n%%Pages: 1\n%%Page: 1 1\n{} loop\n%%EOF\n"


def pdf_meta(username: str = "alice") -> JobMeta:
    return JobMeta(username=username, title="report.pdf", document_format="application/pdf")


def ps_meta(username: str = "bob") -> JobMeta:
    return JobMeta(username=username, title="loop.ps", document_format="application/postscript")


def add_queue(world: World, name: str, device: Path, **options: object) -> None:
    world.server.devices.create_printer(name, actor="test", agent_id=world.agent_id(),
                                        device_uri=device.as_uri(), **options)


async def settles(core: AgentService, local_id: str, *states: LocalState,
                  timeout: float = 30.0) -> LocalJob:
    def current() -> LocalJob | None:
        job = core.get_job(local_id)
        return job if job is not None and job.state in states else None

    found: LocalJob = await wait_for(current, f"job {local_id} to be one of {states}",
                                     timeout=timeout)
    return found


def ghostscripts_reading(name: str) -> list[int]:
    """Ghostscript processes whose command line names ``name`` (a spool file)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if b"gs" in cmdline.split(b"\0")[0] and name.encode() in cmdline:
            found.append(int(entry.name))
    return found


def test_the_million_page_pdf_is_rewritten_durably_before_it_is_authorized_and_charged_once(
        world: World, agent_settings: AgentFactory, tmp_path: Path) -> None:
    lying = million_page_pdf(tmp_path / "million.pdf").read_bytes()
    add_device = tmp_path / "vault.out"

    async def scenario() -> tuple[LocalJob, int, int, bytes, LocalJob]:
        settings = agent_settings()
        await enrolled(settings, world)
        add_queue(world, "vault", add_device, hold_for_release=True)
        async with running(settings, world.transport) as core:
            job = await core.accept("vault", pdf_meta(), chunks_of(lying))
            held = await settles(core, job.local_id, L.HELD, L.FAILED)
            spooled = core.book.spool.path_of(held)
            mode = stat.S_IMODE(spooled.stat().st_mode)
            pages = qpdf_pages(spooled)
            content = spooled.read_bytes()
            assert held.server_job_id is not None
            world.server.devices.enqueue_event(world.agent_id(), "release", {
                "job_id": held.server_job_id, "agent_job_key": held.local_id})
            done = await settles(core, job.local_id, L.COMPLETED)
            return held, mode, pages, content, done

    held, mode, pages, content, done = asyncio.run(scenario())

    assert held.state is L.HELD, held.state_reason
    assert (held.pages, pages, mode) == (1, 1, 0o600)
    assert held.size_bytes == len(content) != len(lying)
    rewrite = held.analysis["rewrite"]
    assert "malformed page tree" in rewrite["why"] and rewrite["method"] == "pdf-page-tree"
    assert rewrite["original"]["pages"] == 1 and not rewrite["original"]["count_certain"]
    assert held.analysis["count_certain"] is True
    printed = add_device.read_bytes()
    assert printed == content  # the device got the rewrite, not the original
    assert len(PdfReader(add_device).pages) == 1 == qpdf_pages(add_device)
    assert done.server_job_id is not None
    server_job = world.server_job(done.server_job_id)
    assert server_job.pages == 1 and server_job.charged_cost_minor == 5  # 1 page at 0.05
    assert world.charges(done.server_job_id) == 1


def test_a_queue_that_refuses_lying_documents_aborts_them_with_the_reason_uncharged(
        world: World, agent_settings: AgentFactory, tmp_path: Path) -> None:
    lying = million_page_pdf(tmp_path / "million.pdf").read_bytes()
    device = tmp_path / "strict.out"

    async def scenario() -> tuple[LocalJob, list[str]]:
        settings = agent_settings()
        await enrolled(settings, world)
        add_queue(world, "strict", device, document_policy="refuse")
        async with running(settings, world.transport) as core:
            job = await core.accept("strict", pdf_meta(), chunks_of(lying))
            failed = await settles(core, job.local_id, L.FAILED, L.COMPLETED)
            spool = core.book.spool.directory
            await wait_for(lambda: not list(spool.glob("*.doc")), "the spool file deleted",
                           timeout=5)
            return failed, [p.name for p in spool.glob("*.doc")]

    failed, spooled = asyncio.run(scenario())

    assert failed.state is L.FAILED
    assert failed.ipp_state == 8  # aborted
    assert failed.ipp_state_message.startswith("refused: the pages of the document cannot "
                                               "be counted exactly (malformed page tree")
    assert "this queue refuses such documents" in failed.ipp_state_message
    assert failed.server_job_id is None and failed.analysis["pages"] == 1
    assert not device.exists() and spooled == []
    jobs, _ = world.server.jobs.list_jobs(username="alice", limit=10)
    assert jobs == []  # the server never heard of it: nothing reserved, nothing charged


@needs_gs
def test_an_endless_program_is_refused_when_its_time_is_up_and_its_ghostscript_killed(
        world: World, agent_settings: AgentFactory, tmp_path: Path) -> None:
    device = tmp_path / "hall.out"

    async def scenario() -> tuple[LocalJob, list[int], list[int]]:
        # the worker's own budget is long: the agent's hard timeout must stop it
        settings = agent_settings(analysis_seconds=600, analysis_timeout_seconds=3)
        await enrolled(settings, world)
        add_queue(world, "hall", device)
        async with running(settings, world.transport) as core:
            job = await core.accept("hall", ps_meta(), chunks_of(ENDLESS))
            name = job.spool_name
            running_gs = await wait_for(lambda: ghostscripts_reading(name),
                                        "Ghostscript running the program")
            failed = await settles(core, job.local_id, L.FAILED, L.ANALYSED, L.COMPLETED)
            await asyncio.sleep(0.5)
            return failed, running_gs, ghostscripts_reading(name)

    failed, running_gs, left = asyncio.run(scenario())

    assert running_gs and left == []
    assert failed.state is L.FAILED
    assert failed.ipp_state_message == (
        "refused: the document analysis did not finish within 3 s; the document is not "
        "printed")
    assert failed.pages is None and failed.server_job_id is None
    assert not device.exists()


@needs_gs
def test_an_endless_program_within_the_workers_budget_is_refused_not_counted_by_comments(
        world: World, agent_settings: AgentFactory, tmp_path: Path) -> None:
    async def scenario() -> LocalJob:
        settings = agent_settings(analysis_seconds=2, analysis_timeout_seconds=60)
        await enrolled(settings, world)
        add_queue(world, "hall", tmp_path / "hall.out")
        async with running(settings, world.transport) as core:
            job = await core.accept("hall", ps_meta(), chunks_of(ENDLESS))
            return await settles(core, job.local_id, L.FAILED, L.ANALYSED, L.COMPLETED)

    failed = asyncio.run(scenario())

    assert failed.state is L.FAILED
    assert "Ghostscript did not finish within" in failed.state_reason
    assert failed.analysis["pages"] is None  # no DSC guess of 1 page


@needs_gs
def test_hostile_programs_of_one_user_do_not_stall_other_users_on_the_same_or_another_queue(
        world: World, agent_settings: AgentFactory, tmp_path: Path) -> None:
    memo = make_pdf(tmp_path / "memo.pdf", pages=1).read_bytes()
    hall, lab = tmp_path / "hall.out", tmp_path / "lab.out"

    async def scenario() -> tuple[list[LocalJob], list[LocalJob], int]:
        settings = agent_settings(analysis_workers=2, analysis_workers_per_user=1,
                                  analysis_seconds=600, analysis_timeout_seconds=600)
        await enrolled(settings, world)
        add_queue(world, "hall", hall)
        add_queue(world, "lab", lab)
        async with running(settings, world.transport) as core:
            hostile = [await core.accept("hall", ps_meta(), chunks_of(ENDLESS))
                       for _ in range(3)]
            await wait_for(lambda: ghostscripts_reading(hostile[0].spool_name),
                           "the first endless program running")
            mine = [await core.accept(queue, pdf_meta(), chunks_of(memo))
                    for queue in ("hall", "lab")]
            printed = [await settles(core, job.local_id, L.COMPLETED) for job in mine]
            still = [core.get_job(job.local_id) for job in hostile]
            busy = core.pipeline._analysis.pool.busy
            return printed, [job for job in still if job is not None], busy

    printed, hostile, busy = asyncio.run(scenario())

    assert [job.pages for job in printed] == [1, 1]
    assert hall.read_bytes() == memo and lab.read_bytes() == memo
    assert all(job.server_job_id is not None and world.charges(job.server_job_id) == 1
               for job in printed)
    # bob's programs were still being analysed (one worker: his share), none printed
    assert [job.state for job in hostile] == [L.SPOOLED] * 3
    assert busy == 1
    assert all(not ghostscripts_reading(job.spool_name) for job in hostile)  # all stopped


def test_a_restart_after_the_rename_keeps_the_record_and_before_it_rewrites_again(
        world: World, agent_settings: AgentFactory, tmp_path: Path) -> None:
    """The two crash points of a rewrite, replayed: the journal says a rewrite was made,
    and the spool holds the rewritten file (crash after the rename) or still the
    original (crash before it)."""
    lying = million_page_pdf(tmp_path / "million.pdf").read_bytes()
    honest = make_pdf(tmp_path / "one.pdf", pages=1).read_bytes()
    record = {"why": "malformed page tree: test", "method": "pdf-page-tree",
              "original": {"pages": 1}}

    async def scenario() -> list[LocalJob]:
        settings = agent_settings()
        await enrolled(settings, world)
        add_queue(world, "vault", tmp_path / "vault.out", hold_for_release=True)
        offline = build_agent(settings)  # its journal and spool only: never started
        jobs = []
        for document in (honest, lying):
            job = await offline.book.spool.accept("vault", pdf_meta(), chunks_of(document))
            jobs.append(offline.book.update(job, analysis={"rewrite": record}))
        offline.book.journal.close()
        await offline.link.aclose()
        async with running(settings, world.transport) as core:
            return [await settles(core, job.local_id, L.HELD, L.FAILED) for job in jobs]

    after_rename, before_rename = asyncio.run(scenario())

    assert after_rename.state is L.HELD and after_rename.analysis["rewrite"] == record
    assert after_rename.pages == 1 and after_rename.analysis["count_certain"] is True
    assert before_rename.state is L.HELD and before_rename.pages == 1
    assert before_rename.analysis["rewrite"]["method"] == "pdf-page-tree"
    assert "malformed page tree" in before_rename.analysis["rewrite"]["why"]
