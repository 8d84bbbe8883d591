"""The analysis stage of the pipeline: spooled -> analysed (or refused), off the queues.

Each spooled job is analysed in the ``AnalysisPool`` as soon as it is known, not in its
queue's line, so a document that takes the whole time budget delays no one's job but
its own: the queue workers take the jobs that are analysed, and a job whose analysis
is slow is passed by the others. Then ``counting_rule`` decides:

- accept: the job is ``analysed`` with its summary (the ``analysis`` dict);
- refuse: the job is ``failed`` with the reason (its ``job-state-message``), never sent
  to the server: nothing charged, nothing printed;
- rewrite: the worker writes ``spool/tmp/<id>.rewrite.part`` holding exactly the
  counted pages and analyses it; if that holds, the rewrite replaces the spooled
  document durably before the job is ``analysed``:

    1. the rewritten file is fsynced and made 0600;
    2. the journal records the rewrite and why (``analysis["rewrite"]``), job still
       spooled;
    3. the job is checked to be still spooled and the file renamed over the spooled
       document, with no await in between (a cancel deletes whichever file is there);
       the directory is fsynced;
    4. the job is ``analysed`` with the rewritten file's summary, its new size and the
       rewrite record.

  A restart before 3 finds the original and rewrites it again (the ``.part`` file is
  removed at start); a restart after 3 finds the rewritten file, whose analysis is
  certain, and keeps the record of step 2. The original is never sent: only a certain
  analysis of the file in the spool makes a job ``analysed``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import anyio

from printwarden.agent.model import LocalJob, LocalState
from printwarden.agent.processing.analysis_pool import AnalysisPool
from printwarden.agent.processing.analysis_worker import AnalysisSummary
from printwarden.agent.processing.counting_rule import (
    ACCEPT,
    REFUSE,
    after_rewrite,
    verdict,
)
from printwarden.agent.queues import QueueConfig
from printwarden.agent.storage.job_book import JobBook
from printwarden.core.durable_files import fsync_directory, fsync_file
from printwarden.core.tasks import cancel_and_wait
from printwarden.documents.detect import format_for_mime

__all__ = ["AnalysisStage"]

log = logging.getLogger(__name__)
L = LocalState
REWRITE_SUFFIX = ".rewrite.part"


def _seal(path: Path) -> None:
    """fsync ``path`` and make it 0600 (POSIX)."""
    if os.name == "posix":
        os.chmod(path, 0o600)
    fsync_file(path)


class AnalysisStage:
    def __init__(self, book: JobBook, pool: AnalysisPool, *,
                 queues: Callable[[], Mapping[str, QueueConfig]],
                 analysed: Callable[[str], None]) -> None:
        self._book = book
        self.pool = pool
        self._queues = queues
        self._analysed = analysed
        self._running: dict[str, asyncio.Task[None]] = {}
        self._closed = False

    def kick(self, queue: str) -> None:
        """Start the analysis of every spooled job of ``queue`` not being analysed.

        Called on every acceptance: it reads the spooled jobs' ids from the index and
        loads only the new ones, so a backlog of thousands waiting for the pool costs an
        id scan per acceptance, not a decoded row per waiting job."""
        if self._closed:
            return
        for local_id in self._book.journal.local_ids(queue, L.SPOOLED):
            running = self._running.get(local_id)
            if running is not None and not running.done():
                continue
            job = self._book.get(local_id)
            if job is not None and job.state is L.SPOOLED:
                self._start(job)

    def _start(self, job: LocalJob) -> asyncio.Task[None]:
        task = self._running.get(job.local_id)
        if task is None or task.done():
            task = asyncio.create_task(self._guarded(job), name=f"agent-analyse-{job.local_id}")
            self._running[job.local_id] = task
        return task

    async def process(self, job: LocalJob) -> None:
        """Analyse ``job`` (or wait for the analysis already running)."""
        await asyncio.shield(self._start(job))

    async def _guarded(self, job: LocalJob) -> None:
        try:
            await self._process(job)
        except asyncio.CancelledError:
            self._running.pop(job.local_id, None)
            raise
        except Exception:  # a bug in one job must not stop the others
            log.exception("the analysis of job %s failed unexpectedly", job.local_id)
            await self._book.move_async(job, L.FAILED, "internal error in the agent")
        self._running.pop(job.local_id, None)
        self._analysed(job.queue)

    async def _process(self, job: LocalJob) -> None:
        path = self._book.spool.path_of(job)
        if not path.exists():
            await self._book.move_async(job, L.FAILED, "the spooled document is missing")
            return
        config = self._queues().get(job.queue) or QueueConfig(name=job.queue)
        first = await self.pool.analyse(path, job.meta.document_format, config.lines_per_page,
                                        queue=job.queue, user=job.meta.username)
        decision = verdict(first, config.document_policy,
                           format_for_mime(job.meta.document_format))
        if decision.action == REFUSE:
            await self._book.move_async(job, L.FAILED, decision.reason,
                                        analysis=first.as_dict())
        elif decision.action == ACCEPT:
            await self._accept(job, first, "analysed", job.analysis.get("rewrite"))
        else:
            await self._rewrite(job, path, first, decision.reason, config.lines_per_page)

    async def _accept(self, job: LocalJob, summary: AnalysisSummary, reason: str,
                      rewrite: Any, **changes: Any) -> None:
        analysis = summary.as_dict()
        if rewrite:
            analysis["rewrite"] = rewrite
        await self._book.move_async(job, L.ANALYSED, reason, pages=summary.pages,
                                    color_pages=summary.color_pages, analysis=analysis,
                                    **changes)

    async def _rewrite(self, job: LocalJob, path: Path, first: AnalysisSummary,
                       why: str, lines_per_page: int) -> None:
        target = self._book.spool.tmp_dir / f"{job.local_id}{REWRITE_SUFFIX}"
        try:
            assert first.pages is not None
            rewritten = await self.pool.rewrite(path, target, first.format, first.pages,
                                                queue=job.queue, user=job.meta.username,
                                                lines_per_page=lines_per_page)
            check = after_rewrite(first, rewritten)
            if check.action == REFUSE:
                await self._book.move_async(job, L.FAILED, check.reason,
                                            analysis=first.as_dict())
                return
            await anyio.to_thread.run_sync(_seal, target)
            record = {"why": why, "method": rewritten.rewrite_method,
                      "original": first.as_dict()}
            noted = await self._book.update_async(job, analysis={"rewrite": record})
            current = self._book.get(job.local_id)
            if current is None or current.state is not L.SPOOLED:
                return  # cancelled meanwhile: its data is gone, the rewrite goes too
            size = target.stat().st_size
            os.replace(target, path)  # no await since the check: a cancel comes before/after
            await anyio.to_thread.run_sync(fsync_directory, path.parent)
            log.info("job %s rewritten to its %s counted pages (%s)", job.local_id,
                     first.pages, why)
            await self._accept(noted, rewritten,
                               f"analysed; rewritten to the {first.pages} pages counted",
                               record, size_bytes=size)
        finally:
            with contextlib.suppress(FileNotFoundError):
                target.unlink()

    async def aclose(self) -> None:
        self._closed = True
        await cancel_and_wait(list(self._running.values()))
        self._running.clear()
        await self.pool.aclose()
