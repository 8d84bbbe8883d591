"""The forced grayscale before forwarding, with a real journal, spool and analysis worker:
the grey PDF is written durably and checked against the counted pages, a complete one is
reused after a restart and a half-written one is not, and a conversion that fails (pages
that differ, a timeout) fails the job with the reason."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from printwarden.agent.model import JobMeta, LocalJob, LocalState
from printwarden.agent.processing.analysis_pool import AnalysisPool
from printwarden.agent.processing.grayscale_stage import GrayscaleStage
from printwarden.agent.storage.job_book import JobBook
from printwarden.agent.storage.journal import Journal
from printwarden.agent.storage.spool import Spool
from printwarden.core.ids import new_id
from tests.agent.colour_documents import colour_pdf, grey_pages

L = LocalState
pytestmark = pytest.mark.skipif(shutil.which("gs") is None, reason="Ghostscript is needed")


@pytest.fixture
def book(tmp_path: Path) -> Iterator[JobBook]:
    journal = Journal(tmp_path / "agent.db")
    spool = Spool(tmp_path / "spool", journal, max_job_bytes=1 << 30, min_free_bytes=0)
    yield JobBook(journal, spool)
    journal.close()


def _authorized(book: JobBook, document: bytes, *, pages: int, fmt: str = "pdf") -> LocalJob:
    """A job authorized with a forced grayscale, its document in the spool."""
    local_id = new_id()
    now = datetime.now(UTC)
    job = LocalJob(local_id=local_id, queue="hall", meta=JobMeta(username="alice"),
                   spool_name=f"{local_id}.doc", size_bytes=len(document), created_at=now,
                   updated_at=now, state=L.AUTHORIZED, state_reason="allowed", pages=pages,
                   color_pages=pages, analysis={"pages": pages, "format": fmt},
                   decision="allow", transforms=("grayscale",))
    book.spool.path_of(job).write_bytes(document)
    book.journal.insert_job(job)
    return job


async def _prepare(book: JobBook, job: LocalJob, timeout: float = 60.0) -> bool:
    pool = AnalysisPool(1)
    try:
        return await GrayscaleStage(book, pool, timeout=timeout).prepare(job)
    finally:
        await pool.aclose()


def test_the_grey_pdf_is_written_whole_private_and_checked_then_reused_as_it_is(
        book: JobBook) -> None:
    job = _authorized(book, colour_pdf(3), pages=3)
    gray = book.spool.gray_path_of(job)

    assert asyncio.run(_prepare(book, job))
    assert grey_pages(gray) == (3, [False] * 3)
    assert os.name != "posix" or gray.stat().st_mode & 0o777 == 0o600
    assert list(book.spool.tmp_dir.iterdir()) == []
    kept = gray.read_bytes()

    assert asyncio.run(_prepare(book, job))  # after a restart: the complete file is reused
    assert gray.read_bytes() == kept
    book.spool.delete_data(job)  # it goes with the job's document
    assert not gray.exists() and not book.spool.path_of(job).exists()


def test_a_restart_mid_conversion_drops_the_half_file_and_converts_again(
        book: JobBook) -> None:
    job = _authorized(book, colour_pdf(2), pages=2)
    part = book.spool.gray_part_of(job)
    part.write_bytes(b"%PDF-1.4 half of it")  # the agent died while writing it
    stranger = book.spool.directory / "01NOJOBHERE.gray.pdf"
    stranger.write_bytes(b"%PDF-1.4 of a job the journal does not know")

    present = book.spool.clean_on_start()

    assert present == [job.spool_name]
    assert not part.exists() and not stranger.exists()
    assert asyncio.run(_prepare(book, job))
    assert grey_pages(book.spool.gray_path_of(job)) == (2, [False, False])


def test_a_grey_document_with_other_pages_than_were_counted_fails_the_job(
        book: JobBook) -> None:
    job = _authorized(book, colour_pdf(3), pages=5)  # counted (and priced) as 5 pages

    assert not asyncio.run(_prepare(book, job))

    failed = book.get(job.local_id)
    assert failed is not None and failed.state is L.FAILED
    assert failed.state_reason == ("not printed: the grayscale document has 3 pages, 5 were "
                                   "counted")
    assert failed.pages_printed == 0
    assert not book.spool.gray_path_of(job).exists()
    assert list(book.spool.tmp_dir.iterdir()) == []
    assert not book.spool.path_of(job).exists()  # a failed job's document goes


def test_a_conversion_that_overruns_its_time_fails_the_job_and_leaves_nothing(
        book: JobBook) -> None:
    job = _authorized(book, b"%!PS\n{} loop\n", pages=1, fmt="postscript")

    assert not asyncio.run(_prepare(book, job, timeout=1.0))

    failed = book.get(job.local_id)
    assert failed is not None and failed.state is L.FAILED
    assert failed.state_reason.startswith("not printed: the conversion to grayscale failed")
    assert "timed out" in failed.state_reason
    assert not book.spool.gray_path_of(job).exists()
    assert list(book.spool.tmp_dir.iterdir()) == []


def test_a_job_without_a_forced_grayscale_or_already_at_the_device_is_left_alone(
        book: JobBook) -> None:
    job = _authorized(book, b"not even a document", pages=1, fmt="text")
    plain = book.journal.get_job(job.local_id)
    assert plain is not None
    book.update(plain, transforms=("duplex",))
    assert asyncio.run(_prepare(book, book.get(job.local_id) or job))
    sent = book.update(plain, transforms=("grayscale",), remote_job_id="17")
    assert asyncio.run(_prepare(book, sent))  # followed on the device, never re-sent
    assert not book.spool.gray_path_of(job).exists()
    assert (book.get(job.local_id) or job).state is L.AUTHORIZED
