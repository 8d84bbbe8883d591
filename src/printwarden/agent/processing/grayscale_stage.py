"""A forced grayscale, made real before a job is forwarded.

When the server's decision forces ``grayscale`` (``LocalJob.transforms``), the job was
priced as mono, so what reaches the device must be grey whatever the device does with
``print-color-mode``: the spooled PDF or PostScript is converted to a grayscale PDF in an
analysis worker process (``AnalysisPool.grayscale``: Ghostscript, or PDFium for PDF,
bounded by ``transform_timeout_seconds``) and that file is sent instead.

Invariants:

- the converted file is written in ``spool/tmp``, checked, fsynced and only then renamed
  to ``spool/<id>.gray.pdf``: a file there is whole and checked, so a restart reuses it,
  and a restart mid-conversion (its ``.part`` is removed on start) converts again;
- it is checked against what was priced: as many pages as were counted and no colour
  page, else the job fails;
- a job whose conversion fails (a format that cannot be converted, Ghostscript missing or
  failing, a timeout, a page count that differs) ends ``failed`` with the reason and
  nothing printed: it is never printed in colour at the grey price, and its completion
  says failed, so nothing is charged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from pathlib import Path

from printwarden.agent.model import DATA_FREE_STATES, LocalJob, LocalState
from printwarden.agent.processing.analysis_pool import AnalysisPool
from printwarden.agent.storage.job_book import JobBook
from printwarden.core.durable_files import fsync_file, replace_durably
from printwarden.documents.transforms import GRAYSCALE_SOURCES

__all__ = ["GRAYSCALE", "GrayscaleStage", "needs_gray_document"]

log = logging.getLogger(__name__)
GRAYSCALE = "grayscale"


def needs_gray_document(job: LocalJob) -> bool:
    """True when ``job`` must be sent as its grayscale PDF (not yet with the device)."""
    return GRAYSCALE in job.transforms


class GrayscaleStage:
    def __init__(self, book: JobBook, pool: AnalysisPool, *, timeout: float) -> None:
        self._book = book
        self._pool = pool
        self._timeout = timeout

    async def prepare(self, job: LocalJob) -> bool:
        """Make sure ``job`` can be sent as it was priced; False when it cannot (the job
        has failed with the reason, or ended meanwhile)."""
        if not needs_gray_document(job) or job.remote_job_id is not None:
            return True  # nothing to convert, or the device has it already
        spool = self._book.spool
        final = spool.gray_path_of(job)
        if await asyncio.to_thread(final.is_file):
            return True  # converted and checked before a restart
        problem = await self._convert(job)
        if problem is not None:
            log.error("job %s not printed: %s", job.local_id, problem)
            await self._book.move_async(job, LocalState.FAILED, f"not printed: {problem}"
                                        [:500], pages_printed=0, copies_printed=0)
            return False
        current = self._book.get(job.local_id)
        if current is None or current.state in DATA_FREE_STATES:  # ended meanwhile
            spool.delete_data(job)
            return False
        return True

    async def _convert(self, job: LocalJob) -> str | None:
        """Write and check the grayscale PDF; answers why it could not be, else None."""
        fmt = str(job.analysis.get("format") or "")
        if fmt not in GRAYSCALE_SOURCES:
            return (f"it must print in grayscale, and {fmt or 'this'} documents cannot be "
                    "converted (only PDF and PostScript)")
        spool = self._book.spool
        part, final = spool.gray_part_of(job), spool.gray_path_of(job)
        await asyncio.to_thread(_remove, part)
        summary = await self._pool.grayscale(spool.path_of(job), part, fmt,
                                             timeout=self._timeout, queue=job.queue,
                                             user=job.meta.username)
        problem = None
        if summary.pages is None:
            problem = f"the conversion to grayscale failed: {summary.problem or summary.reason}"
        elif summary.pages != job.pages:
            problem = (f"the grayscale document has {summary.pages} pages, {job.pages} "
                       "were counted")
        elif summary.color_pages:
            problem = (f"the grayscale document still has {summary.color_pages} colour "
                       "pages")
        if problem is not None:
            await asyncio.to_thread(_remove, part)
            return problem
        await asyncio.to_thread(_finish, part, final)
        log.info("job %s converted to grayscale (%s, %d pages)", job.local_id,
                 summary.rewrite_method or "?", summary.pages)
        return None


def _finish(part: Path, final: Path) -> None:
    fsync_file(part)
    if os.name == "posix":
        os.chmod(part, 0o600)
    replace_durably(part, final)


def _remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
