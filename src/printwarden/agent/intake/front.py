"""The agent's IPP front end: one IPP Everywhere printer per agent queue.

    front = IppFront(core)                  # core: a started AgentService
    app = front.app                         # ASGI: POST/GET /ipp/print/QUEUE
    await front.start(); ...; await front.stop()

Each queue is an ``IppPrinter`` whose sink is the durable spool (``AgentSink``): a
Print-Job is answered successful-ok only once ``AgentService.accept`` returned. The printer
is wrapped by ``QueuePrinter``, which before every request copies the queue's
printer-state/-reasons/-message and printer-is-accepting-jobs from
``core.queue_status``, refuses job creation while the queue is not accepting (with the
reason in status-message), and maps Cancel-Job/Hold-Job/Release-Job onto the core.
A sync task makes each IPP job follow its local job (``ipp_sync``) and follows the core's
queue set (queues appear and disappear on configuration events).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import logging
import uuid
from collections.abc import AsyncIterator, Callable

from printwarden.agent.intake.basic_auth import AUTHENTICATED_USER, OPEN_OPERATIONS
from printwarden.agent.intake.dnssd import queue_uuid
from printwarden.agent.intake.job_mirror import follow_local_job, job_meta
from printwarden.agent.intake.sink import AgentSink
from printwarden.agent.model import JobMeta, LocalJob
from printwarden.agent.service import AgentService, JobConflict, QueueNotAccepting
from printwarden.agent.storage.spool import SpoolError
from printwarden.ipp.attributes import enum, integer, keyword, text
from printwarden.ipp.attributes import name as name_value
from printwarden.ipp.errors import IppError
from printwarden.ipp.message import IppMessage
from printwarden.ipp.operations import Operation as Op
from printwarden.ipp.printer import (
    DocumentTicket,
    IppPrinter,
    Job,
    JobTable,
    PrinterDescription,
    StoredDocument,
    TimeStamp,
)
from printwarden.ipp.printer.answers import answer, owned_job, user_of
from printwarden.ipp.server import IppRequest, IppServerApp, PrinterSummary, ServerLimits
from printwarden.ipp.status import StatusCode
from printwarden.ipp.tags import DelimiterTag

__all__ = ["FrontSink", "IppFront", "QueuePrinter"]

log = logging.getLogger(__name__)
_CREATING = frozenset({Op.PRINT_JOB, Op.CREATE_JOB, Op.VALIDATE_JOB, Op.SEND_DOCUMENT})
#: Called with (event, local job): "accepted", "completed", "failed" (metrics, logs).
JobListener = Callable[[str, LocalJob], None]
_SPOOL_STATUS = {"too-large": StatusCode.CLIENT_ERROR_REQUEST_ENTITY_TOO_LARGE,
                 "disk-full": StatusCode.SERVER_ERROR_NOT_ACCEPTING_JOBS}


#: What an agent queue accepts: every format the analysis reads (octet-stream is detected).
QUEUE_DOCUMENT_FORMATS: tuple[str, ...] = (
    "application/pdf", "application/postscript", "image/pwg-raster", "image/urf",
    "application/vnd.hp-pcl", "application/vnd.hp-pclxl", "image/jpeg", "image/png",
    "image/tiff", "text/plain", "application/octet-stream",
)


def refusal_status(reason: str) -> StatusCode:
    """The IPP status of a queue that takes no job: ``server-error-service-unavailable``
    while no printwarden server answers (temporary: clients retry; a CUPS queue waits and
    prints once the server is back), ``server-error-not-accepting-jobs`` otherwise."""
    if reason == "server-unreachable":
        return StatusCode.SERVER_ERROR_SERVICE_UNAVAILABLE
    return StatusCode.SERVER_ERROR_NOT_ACCEPTING_JOBS


class FrontSink:
    """``AgentSink`` plus the IPP job's template: copies/sides/colour/media into the
    ``JobMeta``, a job-hold-until hold, and agent errors turned into IPP statuses."""

    def __init__(self, core: AgentService, queue: str, ipp_job: Callable[[int], Job],
                 listener: JobListener) -> None:
        self._core = core
        self._ipp_job = ipp_job
        self._listener = listener
        self.agent_sink = AgentSink(core, queue, meta_for=self._meta_for)

    def _meta_for(self, ticket: DocumentTicket) -> JobMeta:
        return job_meta(ticket, self._ipp_job(ticket.job_id))

    async def receive(self, ticket: DocumentTicket,
                      chunks: AsyncIterator[bytes]) -> StoredDocument:
        try:
            stored = await self.agent_sink.receive(ticket, chunks)
        except QueueNotAccepting as exc:
            raise IppError(refusal_status(exc.reason), str(exc)) from exc
        except SpoolError as exc:
            status = _SPOOL_STATUS.get(exc.kind, StatusCode.SERVER_ERROR_INTERNAL_ERROR)
            raise IppError(status, exc.message) from exc
        local = self.agent_sink.local_jobs[ticket.job_id]
        job = self._ipp_job(ticket.job_id)
        if job.hold_until != "no-hold":
            # No await has yielded since accept: the pipeline has not picked the job up.
            local = await self._core.hold(local.local_id)
            self.agent_sink.local_jobs[ticket.job_id] = local
        self._listener("accepted", local)
        return stored


class QueuePrinter:
    """The IPP printer of one agent queue (implements the IPP server's ``Printer``)."""

    def __init__(self, core: AgentService, queue: str, listener: JobListener, *,
                 max_document_octets: int) -> None:
        self._core = core
        self.queue = queue
        self._listener = listener
        description = PrinterDescription(
            name=queue, info=f"printwarden queue {queue}", location="printwarden agent",
            make_and_model="printwarden Agent Queue", max_document_octets=max_document_octets,
            document_formats=QUEUE_DOCUMENT_FORMATS,
            uuid=queue_uuid(core.settings.data_dir, queue))
        self.sink = FrontSink(core, queue, self._job, listener)
        self.printer = IppPrinter(description, self.sink, processing_delay=None)
        known = core.list_jobs(queue, "all")
        # Job ids go on after the journal's, so a restart does not reuse recent ids.
        self.printer.core.jobs = JobTable(first_id=len(known) + 1)
        #: Local ids whose journal row changed since the last ``sync_jobs`` (change feed).
        self._changed: set[str] = set()
        #: Local id -> IPP job id of the jobs this printer follows.
        self._ipp_ids: dict[str, int] = {}
        #: IPP ids of ended jobs, oldest first: dropped once the job table forgets them.
        self._ended: collections.deque[int] = collections.deque()
        #: IPP ids of the jobs in ``_ipp_ids``.
        self._tracked: set[int] = set()
        self._unwatch = core.book.journal.watch(self._changed.add)
        self._restore(known)

    def _job(self, job_id: int) -> Job:
        return self.printer.core.jobs.get(job_id)

    def _restore(self, known: list[LocalJob]) -> None:
        """Rebuild the IPP jobs of the journal's jobs after a restart, so Get-Jobs and
        Get-Job-Attributes still answer for them (same ids, states from the journal)."""
        table = self.printer.core.jobs
        clock = self.printer.core.clock
        now = clock.now()
        restorable = sorted((local for local in known if local.meta.ipp_job_id is not None),
                            key=lambda local: local.meta.ipp_job_id or 0)
        for local in restorable:
            ipp_id = local.meta.ipp_job_id
            assert ipp_id is not None
            age = max(0, int((now.wall - local.created_at).total_seconds()))
            created = TimeStamp(now.up_time - age, local.created_at.replace(microsecond=0))
            job = Job(ipp_id, f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, local.local_id)}",
                      local.meta.title, local.meta.username, local.meta.document_format,
                      created, documents=1, documents_closed=True,
                      octets=local.size_bytes)
            job.template["copies"] = integer("copies", local.meta.copies)
            table.restore(job)
            if follow_local_job(job, local, now):
                self._ended.append(ipp_id)
            self.sink.agent_sink.local_jobs[ipp_id] = local
            self._ipp_ids[local.local_id] = ipp_id
            self._tracked.add(ipp_id)
        table.forget_old()
        self._drop_forgotten()

    @property
    def name(self) -> str:
        return self.queue

    @property
    def operations_supported(self) -> frozenset[int]:
        return self.printer.operations_supported

    @property
    def compression_supported(self) -> tuple[str, ...]:
        return self.printer.compression_supported

    def summary(self) -> PrinterSummary:
        self.refresh_status()
        return self.printer.summary()

    async def aclose(self) -> None:
        self.detach()
        await self.printer.aclose()

    def detach(self) -> None:
        """Stop following the journal's changes (the queue is gone or the front stops)."""
        self._unwatch()
        self._changed.clear()

    def refresh_status(self) -> str:
        """Copy the queue's status into the printer; answers the state message."""
        status = self.printer.core.status
        try:
            queue = self._core.queue_status(self.queue)
        except KeyError:
            return "the queue no longer exists"
        if queue.printer_state != status.state:
            status.state_changed = self.printer.core.clock.now()
        status.state = queue.printer_state
        status.reasons = queue.printer_state_reasons
        status.message = queue.printer_state_message or (
            "Idle" if queue.printer_state == 3 else "Printing")
        status.accepting_jobs = queue.is_accepting_jobs
        return status.message

    def sync_jobs(self) -> None:
        """Make the IPP jobs whose local job changed show its state.

        Incremental: only the jobs the journal reported as changed since the last call
        (plus jobs accepted since) are read again, so a request costs O(changed jobs),
        not O(open jobs).
        """
        local_jobs = self.sink.agent_sink.local_jobs
        if local_jobs and next(reversed(local_jobs)) not in self._tracked:
            self._track_new(local_jobs)
        now = self.printer.core.clock.now()
        while self._changed:
            local_id = self._changed.pop()
            ipp_id = self._ipp_ids.get(local_id)
            if ipp_id is None:
                continue  # not a job of this printer
            try:
                job = self._job(ipp_id)
            except IppError:  # forgotten by the job table
                self._forget(ipp_id, local_id)
                continue
            if job.state.is_terminal:
                continue
            current = self._core.get_job(local_id) or local_jobs[ipp_id]
            local_jobs[ipp_id] = current
            ended = follow_local_job(job, current, now)
            if ended:
                self._ended.append(ipp_id)
                self._listener(ended, current)
        self._drop_forgotten()

    def _track_new(self, local_jobs: dict[int, LocalJob]) -> None:
        """Follow jobs the sink accepted since the last sync; each is read once, so a
        change committed before it was tracked is not missed.

        The sink appends a job to ``local_jobs`` when its document is spooled, which with
        concurrent uploads is not IPP id order; the untracked jobs are the entries after
        the last tracked one, found walking back from the end: O(new jobs)."""
        for ipp_id, local in reversed(local_jobs.items()):
            if ipp_id in self._tracked:
                break
            self._tracked.add(ipp_id)
            self._ipp_ids[local.local_id] = ipp_id
            self._changed.add(local.local_id)

    def _forget(self, ipp_id: int, local_id: str) -> None:
        self.sink.agent_sink.local_jobs.pop(ipp_id, None)
        self._ipp_ids.pop(local_id, None)
        self._tracked.discard(ipp_id)

    def _drop_forgotten(self) -> None:
        """Drop ended jobs the job table no longer keeps (oldest first)."""
        local_jobs = self.sink.agent_sink.local_jobs
        while self._ended:
            ipp_id = self._ended[0]
            try:
                self._job(ipp_id)
            except IppError:
                self._ended.popleft()
                local = local_jobs.get(ipp_id)
                if local is not None:
                    self._forget(ipp_id, local.local_id)
                continue
            break

    def _requires_auth(self) -> bool:
        config = self._core.queue_config(self.queue)
        return config is not None and config.require_auth

    def _show_security(self, request: IppRequest, answered: IppMessage) -> None:
        """uri-security-supported / uri-authentication-supported as this queue has them."""
        group = answered.group(DelimiterTag.PRINTER)
        if group is None or "uri-security-supported" not in group:
            return
        secure = request.printer_uri.startswith("ipps:")
        group["uri-security-supported"] = keyword("uri-security-supported",
                                                  "tls" if secure else "none")
        group["uri-authentication-supported"] = keyword(
            "uri-authentication-supported",
            "basic" if self._requires_auth() else "requesting-user-name")

    async def handle(self, request: IppRequest) -> IppMessage:
        authenticated = AUTHENTICATED_USER.get()
        if authenticated is not None:
            # The user the server authenticated owns the job, whatever the client claims.
            operation_group = request.message.group(DelimiterTag.OPERATION)
            if operation_group is not None:
                operation_group["requesting-user-name"] = name_value(
                    "requesting-user-name", authenticated)
            request = dataclasses.replace(
                request, valid=dataclasses.replace(request.valid,
                                                   requesting_user_name=authenticated))
        elif self._requires_auth() and request.valid.operation not in OPEN_OPERATIONS:
            # AuthGate answers this before the request gets here; kept as the last line
            raise IppError(StatusCode.CLIENT_ERROR_NOT_AUTHENTICATED,
                           f"{self.queue} requires authentication")
        answered = await self._handle(request)
        if request.valid.operation == Op.GET_PRINTER_ATTRIBUTES:
            self._show_security(request, answered)
        return answered

    async def _handle(self, request: IppRequest) -> IppMessage:
        operation = request.valid.operation
        message = self.refresh_status()
        if operation in _CREATING and operation != Op.SEND_DOCUMENT:
            accepting, reason = self._core.accepting(self.queue)
            if not accepting:
                raise IppError(refusal_status(reason),
                               f"{self.queue} is not accepting jobs ({reason}): {message}")
        if operation in (Op.CANCEL_JOB, Op.HOLD_JOB, Op.RELEASE_JOB):
            handled = await self._job_control(request)
            if handled is not None:
                return handled
        if operation == Op.CANCEL_MY_JOBS and request.valid.requesting_user_name:
            return await self._cancel_my_jobs(request)
        try:
            answered = await self.printer.handle(request)
        finally:
            self.sync_jobs()
            self.refresh_status()
        if operation in _CREATING:
            self._show_synced_state(answered)
        return answered

    def _show_synced_state(self, answered: IppMessage) -> None:
        """A job-creating answer shows the job as it is now that it follows its local
        job (pending, held), not the printer model's momentary ``processing``."""
        group = answered.group(DelimiterTag.JOB)
        if group is None or "job-id" not in group:
            return
        job_id = group["job-id"].value
        if not isinstance(job_id, int) or job_id not in self.sink.agent_sink.local_jobs:
            return
        job = self._job(job_id)
        group["job-state"] = enum("job-state", job.state)
        group["job-state-reasons"] = keyword("job-state-reasons", *job.reasons)
        group["job-state-message"] = text("job-state-message", job.message or "Queued")

    async def _job_control(self, request: IppRequest) -> IppMessage | None:
        """Cancel/Hold/Release of a job that has a local job: the core decides."""
        job = owned_job(self.printer.core.jobs, request)
        local = self.sink.agent_sink.local_jobs.get(job.id)
        if local is None or job.state.is_terminal:
            return None  # no document yet (Create-Job): the printer's own handling
        operation = request.valid.operation
        try:
            if operation == Op.CANCEL_JOB:
                await self._core.cancel(local.local_id, by_user=user_of(request))
            elif operation == Op.HOLD_JOB:
                await self._core.hold(local.local_id)
            else:
                await self._core.release(local.local_id)
        except JobConflict as exc:
            raise IppError(StatusCode.CLIENT_ERROR_NOT_POSSIBLE, str(exc)) from exc
        self.sync_jobs()
        return answer(request)


    async def _cancel_my_jobs(self, request: IppRequest) -> IppMessage:
        """Cancel-My-Jobs: each job through the core; a job being sent stays as it is."""
        found = request.message.get(DelimiterTag.OPERATION, "job-ids")
        job_ids = None if found is None else [v for v in found.values if isinstance(v, int)]
        jobs = self.printer.core.jobs.select("not-completed", user=user_of(request),
                                             job_ids=job_ids)
        now = self.printer.core.clock.now()
        for job in jobs:
            local = self.sink.agent_sink.local_jobs.get(job.id)
            if local is None:
                job.cancel(now)
                continue
            with contextlib.suppress(JobConflict):
                await self._core.cancel(local.local_id, by_user=user_of(request))
        self.sync_jobs()
        self.refresh_status()
        return answer(request)


class IppFront:
    """The IPP app of every queue of ``core``, kept in step with the core's queue set."""

    def __init__(self, core: AgentService, *, listener: JobListener | None = None,
                 limits: ServerLimits | None = None, poll_seconds: float = 0.2) -> None:
        self.core = core
        self.limits = limits or ServerLimits(max_document_octets=core.settings.max_job_bytes)
        self._listener = listener or (lambda event, job: None)
        self._poll = poll_seconds
        self.app = IppServerApp({}, limits=self.limits)
        self._task: asyncio.Task[None] | None = None
        self.sync_queues()

    @property
    def printers(self) -> dict[str, QueuePrinter]:
        return {n: p for n, p in self.app.printers.items() if isinstance(p, QueuePrinter)}

    def sync_queues(self) -> None:
        """Add printers for new queues, drop those of removed queues."""
        wanted = set(self.core.queue_names())
        printers = self.app.printers
        for gone in sorted(set(printers) - wanted):
            log.info("queue %s removed from the IPP front end", gone)
            removed = printers.pop(gone)
            if isinstance(removed, QueuePrinter):
                removed.detach()
        for name in sorted(wanted - set(printers)):
            log.info("queue %s served at /ipp/print/%s", name, name)
            printers[name] = QueuePrinter(self.core, name, self._listener,
                                          max_document_octets=self.limits.max_document_octets)
        if self.app.default not in printers:
            self.app.default = next(iter(sorted(printers)), None)

    def sync(self) -> None:
        self.sync_queues()
        for printer in self.printers.values():
            printer.sync_jobs()
            printer.refresh_status()

    async def _run(self) -> None:
        while True:
            try:
                self.sync()
            except Exception:  # keep following: one bad pass must not stop the front end
                log.exception("IPP front end sync failed")
            await asyncio.sleep(self._poll)

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="agent-ipp-sync")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for printer in self.printers.values():
            await printer.aclose()
