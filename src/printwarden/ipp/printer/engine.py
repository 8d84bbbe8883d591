"""The state of one printer, its job queue, and the events its changes make.

Jobs are processed one at a time in queue order (``JobTable.waiting``), none while an
operator has the printer paused or shut down. ``processing_delay`` is how long a job
"prints" (0: it completes as it starts); ``None`` hands processing to the owner of the
engine (the agent: its pipeline decides, the IPP jobs only mirror it).

Every job change reaches ``_job_changed`` (the jobs' watcher) and every printer change
``observe_printer``; the ``Notifier`` publishes them to the subscriptions (RFC 3995).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable

from printwarden.ipp.attributes import Attribute
from printwarden.ipp.printer.actions import JobActions, LocalActions
from printwarden.ipp.printer.clock import PrinterClock
from printwarden.ipp.printer.controls import EffectiveState, PrinterControls, effective_state
from printwarden.ipp.printer.description import (
    PrinterDescription,
    PrinterStatus,
    printer_attributes,
)
from printwarden.ipp.printer.document import Document
from printwarden.ipp.printer.job import Job, JobState
from printwarden.ipp.printer.jobs import JobTable, processing_now
from printwarden.ipp.printer.notifier import Notifier
from printwarden.ipp.printer.sink import DocumentTicket, JobSink
from printwarden.ipp.printer.subscriptions import NotifyLimits, SubscriptionBook

__all__ = ["MULTIPLE_OPERATION_TIME_OUT", "PrinterEngine"]

log = logging.getLogger(__name__)
MULTIPLE_OPERATION_TIME_OUT = 60
"""Seconds a job waits for its next document before it is processed as it is."""
_OPEN = (JobState.PROCESSING, JobState.PROCESSING_STOPPED)


class PrinterEngine:
    """Description, status, controls, jobs, subscriptions and the sink of a printer."""

    def __init__(self, description: PrinterDescription, sink: JobSink, *,
                 processing_delay: float | None = 0.0, clock: PrinterClock | None = None,
                 jobs: JobTable | None = None, limits: NotifyLimits | None = None) -> None:
        self.description = description
        self.sink = sink
        self.processing_delay = processing_delay
        self.clock = clock or PrinterClock()
        now = self.clock.now()
        self.status = PrinterStatus(state_changed=now, config_changed=now)
        self.controls = PrinterControls()
        self.subscriptions = SubscriptionBook(limits, self.clock.up_time)
        self.actions: JobActions = LocalActions(self)
        self._jobs = JobTable()
        self.jobs = jobs or JobTable()
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._incoming: set[int] = set()
        #: Called once with each job as it ends (completed, canceled, aborted).
        self.job_listeners: list[Callable[[Job], None]] = []
        self.notifier = Notifier(description.name, self.subscriptions, self.clock,
                                 self.effective)

    @property
    def printer_uri(self) -> str:
        return self.notifier.printer_uri

    @printer_uri.setter
    def printer_uri(self, value: str) -> None:
        self.notifier.printer_uri = value

    @property
    def jobs(self) -> JobTable:
        return self._jobs

    @jobs.setter
    def jobs(self, table: JobTable) -> None:
        table.watcher = self._job_changed
        for job in table:
            job.watcher = self._job_changed
        self._jobs = table

    # --- state ------------------------------------------------------------------------

    def effective(self) -> EffectiveState:
        status = self.status
        busy = any(j.state in _OPEN for j in self._jobs.waiting()) if self.controls.paused \
            else False
        return effective_state(status.state, status.reasons, status.message,
                               status.accepting_jobs, self.controls, busy=busy)

    def attributes(self, printer_uri: str, more_info: str) -> list[Attribute]:
        self.printer_uri = printer_uri
        return printer_attributes(self.description, self.status, self.effective(),
                                  self.controls, printer_uri=printer_uri, more_info=more_info,
                                  clock=self.clock, queued_jobs=self._jobs.queued_count,
                                  limits=self.subscriptions.limits)

    def refresh_state(self) -> None:
        """printer-state: processing while a job prints, idle otherwise (own processing)."""
        if self.processing_delay is not None:
            busy = processing_now(self._jobs) is not None
            state, message = (4, "Printing") if busy else (3, "Idle")
            if state != self.status.state:
                self.status.state_changed = self.clock.now()
            self.status.state, self.status.reasons, self.status.message = (
                state, ("none",), message)
        self.observe_printer()

    def observe_printer(self, kinds: set[str] | None = None, message: str = "") -> None:
        """Notify printer events: state changes found now, plus ``kinds`` if given."""
        if self.notifier.observe(kinds, message):
            self.status.state_changed = self.clock.now()

    def config_changed(self) -> None:
        self.status.config_changed = self.clock.now()
        self.observe_printer({"printer-config-changed"})

    def job_created(self, job: Job) -> None:
        self.notifier.job_created(job)

    def job_config_changed(self, job: Job) -> None:
        self.notifier.job_config_changed(job)

    def _job_changed(self, job: Job) -> None:
        ended_before = job.seen is not None and job.seen[0].is_terminal
        if self.notifier.job_changed(job):
            self._incoming.discard(job.id)
        if job.state.is_terminal and not ended_before:
            for listener in self.job_listeners:
                listener(job)

    # --- documents and processing -------------------------------------------------------

    def expect_documents(self, job: Job) -> None:
        """``job`` waits for Send-Document (multiple-operation-time-out applies)."""
        self._incoming.add(job.id)

    async def receive_document(self, job: Job, document_name: str, document_format: str,
                               chunks: AsyncIterator[bytes]) -> None:
        """Hand the document to the sink; on any failure the job is aborted, then re-raised."""
        number = job.documents + 1
        ticket = DocumentTicket(job.id, job.name, job.user, document_name, document_format,
                                number)
        try:
            stored = await self.sink.receive(ticket, chunks)
        except BaseException as exc:
            job.abort(self.clock.now(), f"Document not received: {type(exc).__name__}")
            self.refresh_state()
            raise
        job.docs.append(Document(number, document_name, document_format, self.clock.now(),
                                 stored.octets, stored.impressions, location=stored.location))
        job.octets += stored.octets
        job.impressions += stored.impressions
        job.last_activity = self.clock.up_time()

    def close_documents(self, job: Job) -> None:
        """No more documents come: process the job, or abort it if it has none."""
        self._incoming.discard(job.id)
        if job.state.is_terminal or job.documents_closed:
            return
        job.close_documents()
        if not job.docs:
            job.abort(self.clock.now(), "the job was closed without a document")
            return
        self.schedule(job)

    def expire_idle_jobs(self) -> None:
        """Jobs that waited longer than multiple-operation-time-out for a document are
        processed with what they have (process-job); without any, they are aborted."""
        if not self._incoming:
            return
        now = self.clock.up_time()
        for job_id in list(self._incoming):
            job = self._jobs.find(job_id)
            if job is None or job.state.is_terminal or job.documents_closed:
                self._incoming.discard(job_id)
            elif now - job.last_activity > MULTIPLE_OPERATION_TIME_OUT:
                self._incoming.discard(job_id)
                if job.docs:
                    self.close_documents(job)
                else:
                    job.abort(self.clock.now(), "no document arrived within "
                              f"{MULTIPLE_OPERATION_TIME_OUT} seconds")

    def schedule(self, job: Job | None = None) -> None:
        """Start the next waiting job if nothing prints and the printer is not stopped."""
        if self.processing_delay is None:
            return
        while not self.controls.stops_processing and processing_now(self._jobs) is None:
            ready = next((j for j in self._jobs.waiting() if j.ready_to_process), None)
            if ready is None:
                break
            ready.start(self.clock.now())
            if self.processing_delay <= 0:
                self.complete_job(ready, schedule=False)
            else:
                self._finish_later(ready)
        self.refresh_state()

    def _finish_later(self, job: Job) -> None:
        assert self.processing_delay is not None
        task = asyncio.get_running_loop().create_task(self._finish(job, self.processing_delay))
        self._tasks[job.id] = task

        def forget(done: asyncio.Task[None]) -> None:
            if self._tasks.get(job.id) is done:  # not a newer task of the same job
                del self._tasks[job.id]
        task.add_done_callback(forget)

    async def _finish(self, job: Job, delay: float) -> None:
        await asyncio.sleep(delay)
        self.complete_job(job)

    def complete_job(self, job: Job, impressions: int | None = None, *,
                     schedule: bool = True) -> None:
        if job.state == JobState.PROCESSING:
            job.complete(self.clock.now(), impressions)
            log.info("job %s completed (%s impressions)", job.id, job.impressions_completed)
        if schedule:
            self.schedule()

    def job_ended(self, job: Job) -> None:
        """``job`` was cancelled or aborted: stop its processing, go on with the next."""
        task = self._tasks.pop(job.id, None)
        if task is not None:
            task.cancel()
        self._incoming.discard(job.id)
        self.schedule()
        self.refresh_state()

    def suspend(self, job: Job) -> None:
        task = self._tasks.pop(job.id, None)
        if task is not None:
            task.cancel()
        job.suspend()
        self.refresh_state()

    def resume(self, job: Job) -> None:
        job.resume()
        if self.processing_delay is not None and self.processing_delay > 0:
            self._finish_later(job)
        elif self.processing_delay is not None:
            self.complete_job(job)
        self.refresh_state()

    async def aclose(self) -> None:
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
