"""The agent's IPP front end: one IPP Everywhere (IPP/2.2) printer per agent queue.

    front = IppFront(core)                  # core: a started AgentService
    app = front.app                         # ASGI: POST/GET /ipp/print/QUEUE
    await front.start(); ...; await front.stop()

Each queue is an ``IppPrinter`` whose sink is the durable spool (``FrontSink``): a
Print-Job is answered successful-ok only once ``AgentService.accept`` returned; each
document of a job becomes a local job. The printer is wrapped by ``QueuePrinter``, which
before every request copies the queue's state, reasons, message, acceptance and the
device's supplies and alerts from ``core.queue_status``, tells the printer who asks (the
user the server authenticated, or on a trusted-network queue the requesting-user-name;
operators by their roles), and changes jobs through ``QueueActions`` (the journal
decides). A sync task makes each IPP job follow its local jobs and follows the core's
queue set (queues appear and disappear on configuration events).
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import logging
import uuid
from collections.abc import Callable

from printwarden.agent.intake.basic_auth import OPEN_OPERATIONS
from printwarden.agent.intake.credentials import (
    AUTHENTICATED_ROLES,
    AUTHENTICATED_USER,
    OPERATOR_ROLES,
)
from printwarden.agent.intake.dnssd import queue_uuid
from printwarden.agent.intake.job_mirror import follow_local_jobs, job_meta
from printwarden.agent.intake.queue_actions import QueueActions, load_controls
from printwarden.agent.intake.sink import FrontSink, refusal_status
from printwarden.agent.model import JobMeta, LocalJob
from printwarden.agent.service import AgentService
from printwarden.core.tasks import cancel_and_wait
from printwarden.ipp.attributes import enum, integer, keyword, text
from printwarden.ipp.attributes import name as name_value
from printwarden.ipp.errors import IppError
from printwarden.ipp.message import IppMessage
from printwarden.ipp.operations import Operation as Op
from printwarden.ipp.printer import (
    Alert,
    Document,
    DocumentTicket,
    IppPrinter,
    Job,
    JobTable,
    PrinterDescription,
    Supply,
    TimeStamp,
)
from printwarden.ipp.server import (
    NOBODY,
    IppRequest,
    IppServerApp,
    PrinterSummary,
    Requester,
    ServerLimits,
)
from printwarden.ipp.status import StatusCode
from printwarden.ipp.tags import DelimiterTag

__all__ = ["IppFront", "QueuePrinter"]

log = logging.getLogger(__name__)
_CREATING = frozenset({Op.PRINT_JOB, Op.CREATE_JOB, Op.VALIDATE_JOB, Op.SEND_DOCUMENT})
_DOCUMENT_OPS = frozenset({Op.PRINT_JOB, Op.SEND_DOCUMENT, Op.CLOSE_JOB})
#: Called with (event, local job): "accepted", "completed", "failed", "cancelled".
JobListener = Callable[[str, LocalJob], None]
_ENDINGS = {9: "completed", 7: "cancelled", 8: "failed"}

#: What an agent queue accepts: every format the analysis reads (octet-stream is detected).
QUEUE_DOCUMENT_FORMATS: tuple[str, ...] = (
    "application/pdf", "application/postscript", "image/pwg-raster", "image/urf",
    "application/vnd.hp-pcl", "application/vnd.hp-pclxl", "image/jpeg", "image/png",
    "image/tiff", "text/plain", "application/octet-stream",
)


def requester(valid_user: str | None, *, requires_auth: bool) -> Requester:
    """Who asks: the user the server authenticated (an operator by role), else on a queue
    that trusts the network the requesting-user-name, else nobody."""
    authenticated = AUTHENTICATED_USER.get()
    if authenticated is not None:
        return Requester(authenticated, operator=bool(AUTHENTICATED_ROLES.get() & OPERATOR_ROLES))
    if requires_auth:
        return NOBODY
    return Requester(valid_user or "anonymous")


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
            uuid=queue_uuid(core.settings.data_dir, queue),
            # each document prints as its own job with its copies: uncollated
            document_handling=("separate-documents-uncollated-copies",), page_overrides=False)
        self.sink = FrontSink(core, queue, self._job, meta_for=self._meta_for,
                              on_accepted=self._accepted)
        self.printer = IppPrinter(description, self.sink, processing_delay=None)
        engine = self.printer.core
        engine.controls = load_controls(core, queue)
        core.queue_activity(queue).paused = engine.controls.stops_processing
        engine.actions = QueueActions(core, queue, engine, locals_of=self.locals_of,
                                      resync=self.resync)
        journal = core.book.journal
        # Open jobs and the newest ended ones: the journal keeps ended jobs for its
        # retention time, an IPP queue shows the last few hundred (as CUPS keeps 500).
        known = journal.restorable(queue, keep_ended=core.settings.ipp_ended_jobs_kept)
        # Job ids go on after the journal's, so a restart does not reuse recent ids.
        engine.jobs = JobTable(first_id=journal.next_ipp_job_id(queue))
        #: Local ids whose journal row changed since the last ``sync_jobs`` (change feed).
        self._changed: set[str] = set()
        #: Local id -> IPP job id, IPP job id -> its documents' local jobs in order.
        self._ipp_ids: dict[str, int] = {}
        self._locals: dict[int, list[LocalJob]] = {}
        #: IPP ids of ended jobs, oldest first: dropped once the job table forgets them.
        self._ended: collections.deque[int] = collections.deque()
        self._unwatch = journal.watch(self._changed.add, queue=queue)
        self._restore(known)

    def _job(self, job_id: int) -> Job:
        return self.printer.core.jobs.get(job_id)

    def _meta_for(self, ticket: DocumentTicket) -> JobMeta:
        return job_meta(ticket, self._job(ticket.job_id))

    def locals_of(self, ipp_id: int) -> list[LocalJob]:
        return list(self._locals.get(ipp_id, ()))

    def _accepted(self, ipp_id: int, local: LocalJob) -> None:
        self._ipp_ids[local.local_id] = ipp_id
        documents = self._locals.setdefault(ipp_id, [])
        documents[:] = [lj for lj in documents if lj.local_id != local.local_id] + [local]
        self._changed.add(local.local_id)
        self._listener("accepted", local)

    def resync(self, ipp_id: int) -> None:
        """Read the job's local jobs again at the next sync (and sync now)."""
        self._changed.update(local.local_id for local in self._locals.get(ipp_id, ()))
        self.sync_jobs()

    def _restore(self, known: list[LocalJob]) -> None:
        """Rebuild the IPP jobs of the journal's jobs after a restart, so Get-Jobs and
        Get-Job-Attributes still answer for them (same ids, states from the journal)."""
        table = self.printer.core.jobs
        now = self.printer.core.clock.now()
        by_job: dict[int, list[LocalJob]] = {}
        for local in sorted(known, key=lambda lj: (lj.created_at, lj.local_id)):
            if local.meta.ipp_job_id is not None:
                by_job.setdefault(local.meta.ipp_job_id, []).append(local)
        for ipp_id in sorted(by_job):
            documents = by_job[ipp_id]
            first = documents[0]
            age = max(0, int((now.wall - first.created_at).total_seconds()))
            created = TimeStamp(now.up_time - age, first.created_at.replace(microsecond=0))
            job = Job(ipp_id, f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, first.local_id)}",
                      first.meta.title, first.meta.username, first.meta.document_format,
                      created, documents_closed=True,
                      octets=sum(lj.size_bytes for lj in documents),
                      docs=[Document(n, lj.meta.title, lj.meta.document_format, created,
                                     lj.size_bytes, location=lj.local_id)
                            for n, lj in enumerate(documents, 1)])
            job.template["copies"] = integer("copies", first.meta.copies)
            table.restore(job)
            self._locals[ipp_id] = documents
            for local in documents:
                self._ipp_ids[local.local_id] = ipp_id
            if follow_local_jobs(job, documents, now):
                self._ended.append(ipp_id)
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

    def summary(self, viewer: Requester = NOBODY) -> PrinterSummary:
        """The status page's view; credentials sent with the page request count."""
        self.refresh_status()
        if AUTHENTICATED_USER.get() is not None:
            viewer = requester(None, requires_auth=True)
        return self.printer.summary(viewer)

    async def aclose(self) -> None:
        self.detach()
        await self.printer.aclose()

    def detach(self) -> None:
        """Stop following the journal's changes (the queue is gone or the front stops)."""
        self._unwatch()
        self._changed.clear()

    def refresh_status(self) -> str:
        """Copy the queue's status into the printer; answers the state message."""
        engine = self.printer.core
        status = engine.status
        try:
            queue = self._core.queue_status(self.queue)
        except KeyError:
            return "the queue no longer exists"
        status.state = queue.printer_state
        status.reasons = queue.printer_state_reasons
        status.message = queue.printer_state_message or (
            "Idle" if queue.printer_state == 3 else "Printing")
        status.accepting_jobs = queue.is_accepting_jobs
        status.supplies = tuple(Supply(s.value, s.description) for s in queue.supplies)
        status.alerts = tuple(Alert(a.value, a.description) for a in queue.alerts)
        engine.observe_printer()
        return status.message

    def sync_jobs(self) -> None:
        """Make the IPP jobs whose local jobs changed show their state.

        Incremental: only the local jobs the journal reported as changed since the last
        call (and those accepted since) are read again: O(changed jobs), not O(open jobs).
        """
        now = self.printer.core.clock.now()
        table = self.printer.core.jobs
        while self._changed:
            local_id = self._changed.pop()
            ipp_id = self._ipp_ids.get(local_id)
            if ipp_id is None:
                continue  # not a job of this printer
            job = table.find(ipp_id)
            if job is None:  # forgotten by the job table
                self._forget(ipp_id)
                continue
            documents = self._locals[ipp_id]
            for index, local in enumerate(documents):
                if local.local_id == local_id:
                    current = self._core.get_job(local_id) or local
                    if current.ipp_state in _ENDINGS and local.ipp_state not in _ENDINGS:
                        self._listener(_ENDINGS[current.ipp_state], current)
                    documents[index] = current
            if not job.state.is_terminal and follow_local_jobs(job, documents, now):
                self._ended.append(ipp_id)
        self._drop_forgotten()

    def _forget(self, ipp_id: int) -> None:
        for local in self._locals.pop(ipp_id, ()):
            self._ipp_ids.pop(local.local_id, None)

    def _drop_forgotten(self) -> None:
        """Drop ended jobs the job table no longer keeps (oldest first)."""
        table = self.printer.core.jobs
        while self._ended and table.find(self._ended[0]) is None:
            self._forget(self._ended.popleft())

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
        locked = self._requires_auth()
        who = requester(request.valid.requesting_user_name, requires_auth=locked)
        if AUTHENTICATED_USER.get() is not None:
            # The user the server authenticated owns the job, whatever the client claims.
            operation_group = request.message.group(DelimiterTag.OPERATION)
            if operation_group is not None:
                operation_group["requesting-user-name"] = name_value(
                    "requesting-user-name", str(who.user))
            request = dataclasses.replace(
                request, valid=dataclasses.replace(request.valid,
                                                   requesting_user_name=who.user))
        elif locked and request.valid.operation not in OPEN_OPERATIONS:
            # AuthGate answers this before the request gets here; kept as the last line
            raise IppError(StatusCode.CLIENT_ERROR_NOT_AUTHENTICATED,
                           f"{self.queue} requires authentication")
        request = dataclasses.replace(request, requester=who)
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
        try:
            answered = await self.printer.handle(request)
        finally:
            self.sync_jobs()
            self.refresh_status()
        if operation in _CREATING | _DOCUMENT_OPS:
            self._show_synced_state(answered)
        return answered

    def _show_synced_state(self, answered: IppMessage) -> None:
        """A job-creating answer shows the job as it is now that it follows its local
        jobs (pending, held), once any document closing was taken into account."""
        group = answered.group(DelimiterTag.JOB)
        if group is None or "job-id" not in group:
            return
        job_id = group["job-id"].value
        if not isinstance(job_id, int) or job_id not in self._locals:
            return
        self.resync(job_id)
        job = self._job(job_id)
        group["job-state"] = enum("job-state", job.state)
        group["job-state-reasons"] = keyword("job-state-reasons", *job.reasons)
        group["job-state-message"] = text("job-state-message", job.message or "Queued")


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
            printer.printer.core.expire_idle_jobs()

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
        await cancel_and_wait([self._task])
        self._task = None
        for printer in self.printers.values():
            await printer.aclose()
