"""The state of one printer and the job processing that the operations drive."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

from printwarden.ipp.attributes import Attribute
from printwarden.ipp.printer.clock import PrinterClock
from printwarden.ipp.printer.description import (
    PrinterDescription,
    PrinterStatus,
    printer_attributes,
)
from printwarden.ipp.printer.job import Job, JobState
from printwarden.ipp.printer.jobs import JobTable
from printwarden.ipp.printer.sink import DocumentTicket, JobSink

__all__ = ["PrinterEngine"]

log = logging.getLogger(__name__)


class PrinterEngine:
    """Description, status, jobs and the sink of a printer.

    ``processing_delay``: seconds a job spends "printing" before it completes (0: at
    once); ``None`` leaves a processing job to whoever calls ``complete_job``.
    """

    def __init__(self, description: PrinterDescription, sink: JobSink, *,
                 processing_delay: float | None = 0.0, clock: PrinterClock | None = None,
                 jobs: JobTable | None = None) -> None:
        self.description = description
        self.sink = sink
        self.processing_delay = processing_delay
        self.clock = clock or PrinterClock()
        self.jobs = jobs or JobTable()
        now = self.clock.now()
        self.status = PrinterStatus(state_changed=now, config_changed=now)
        self._tasks: set[asyncio.Task[None]] = set()

    def attributes(self, printer_uri: str, more_info: str) -> list[Attribute]:
        return printer_attributes(self.description, self.status, printer_uri=printer_uri,
                                  more_info=more_info, clock=self.clock,
                                  queued_jobs=self.jobs.queued_count)

    async def receive_document(self, job: Job, document_name: str, document_format: str,
                               chunks: AsyncIterator[bytes]) -> None:
        """Hand the document to the sink; on any failure the job is aborted, then re-raised."""
        ticket = DocumentTicket(job.id, job.name, job.user, document_name, document_format,
                                job.documents + 1)
        try:
            stored = await self.sink.receive(ticket, chunks)
        except BaseException as exc:
            job.abort(self.clock.now(), f"Document not received: {type(exc).__name__}")
            self.refresh_state()
            raise
        job.documents += 1
        job.octets += stored.octets
        job.impressions += stored.impressions

    def schedule(self, job: Job) -> None:
        """Start ``job`` if it has all its documents and is not held."""
        if not job.ready_to_process:
            return
        job.start(self.clock.now())
        self.refresh_state()
        if self.processing_delay is None:
            return
        if self.processing_delay <= 0:
            self.complete_job(job)
            return
        task = asyncio.get_running_loop().create_task(self._finish_later(job))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _finish_later(self, job: Job) -> None:
        assert self.processing_delay is not None
        await asyncio.sleep(self.processing_delay)
        self.complete_job(job)

    def complete_job(self, job: Job, impressions: int | None = None) -> None:
        if job.state == JobState.PROCESSING:
            job.complete(self.clock.now(), impressions)
            log.info("job %s completed (%s impressions)", job.id, job.impressions_completed)
        self.refresh_state()

    def refresh_state(self) -> None:
        """printer-state: processing while a job prints, idle otherwise."""
        busy = any(j.state == JobState.PROCESSING for j in self.jobs)
        state, reasons, message = (4, ("none",), "Printing") if busy else (3, ("none",), "Idle")
        if state != self.status.state:
            self.status.state_changed = self.clock.now()
        self.status.state, self.status.reasons, self.status.message = state, reasons, message

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
