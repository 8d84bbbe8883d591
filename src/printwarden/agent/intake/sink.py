"""``AgentSink``: the agent's durable spool behind one IPP queue's ``JobSink`` port, and
``FrontSink``, the same with what the IPP job adds.

``receive`` returns once ``AgentService.accept`` has fsynced the document and committed the
job, so the IPP printer answers successful-ok only for durable jobs. The ticket carries no
copies/sides/colour: ``meta_for`` lets the wiring add what the IPP job attributes say.
Each document becomes its own local job; ``on_accepted(ipp_job_id, local_job)`` tells
the front end, which follows them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from printwarden.agent.model import JobMeta, LocalJob
from printwarden.agent.service import AgentService, QueueNotAccepting
from printwarden.agent.storage.spool import SpoolError
from printwarden.ipp.errors import IppError
from printwarden.ipp.printer.job import Job
from printwarden.ipp.printer.sink import DocumentTicket, StoredDocument
from printwarden.ipp.status import StatusCode

__all__ = ["AgentSink", "FrontSink", "meta_from_ticket"]

MetaFor = Callable[[DocumentTicket], JobMeta]
Accepted = Callable[[int, LocalJob], None]
_SPOOL_STATUS = {"too-large": StatusCode.CLIENT_ERROR_REQUEST_ENTITY_TOO_LARGE,
                 "disk-full": StatusCode.SERVER_ERROR_NOT_ACCEPTING_JOBS}


def meta_from_ticket(ticket: DocumentTicket) -> JobMeta:
    return JobMeta(username=ticket.user or "anonymous",
                   title=ticket.job_name or ticket.document_name,
                   document_format=ticket.document_format or "application/octet-stream")


class AgentSink:
    def __init__(self, core: AgentService, queue: str, *,
                 meta_for: MetaFor = meta_from_ticket,
                 on_accepted: Accepted | None = None) -> None:
        self._core = core
        self._queue = queue
        self._meta_for = meta_for
        self._on_accepted = on_accepted
        #: IPP job id -> the local job of its latest document.
        self.local_jobs: dict[int, LocalJob] = {}

    async def receive(self, ticket: DocumentTicket,
                      chunks: AsyncIterator[bytes]) -> StoredDocument:
        job = await self._core.accept(self._queue, self._meta_for(ticket), chunks)
        self.local_jobs[ticket.job_id] = job
        if self._on_accepted is not None:
            self._on_accepted(ticket.job_id, job)
        return StoredDocument(octets=job.size_bytes, location=job.local_id)


def refusal_status(reason: str) -> StatusCode:
    """The IPP status of a queue that takes no job: ``server-error-service-unavailable``
    while no printwarden server answers (temporary: clients retry; a CUPS queue waits and
    prints once the server is back), ``server-error-not-accepting-jobs`` otherwise."""
    if reason == "server-unreachable":
        return StatusCode.SERVER_ERROR_SERVICE_UNAVAILABLE
    return StatusCode.SERVER_ERROR_NOT_ACCEPTING_JOBS


class FrontSink:
    """``AgentSink`` plus the IPP job: the ``JobMeta`` from its template, a hold while the
    IPP job is held, and agent errors turned into IPP statuses."""

    def __init__(self, core: AgentService, queue: str, ipp_job: Callable[[int], Job], *,
                 meta_for: MetaFor, on_accepted: Accepted) -> None:
        self._core = core
        self._ipp_job = ipp_job
        self._on_accepted = on_accepted
        self.agent_sink = AgentSink(core, queue, meta_for=meta_for)

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
        if self._ipp_job(ticket.job_id).hold_until != "no-hold":
            # No await has yielded since accept: the pipeline has not picked the job up.
            local = await self._core.hold(local.local_id)
        self._on_accepted(ticket.job_id, local)
        return stored
