"""``AgentSink``: the agent's durable spool behind one IPP queue's ``JobSink`` port.

``receive`` returns once ``AgentService.accept`` has fsynced the document and committed the
job, so the IPP printer answers successful-ok only for durable jobs. The ticket carries no
copies/sides/colour: ``meta_for`` lets the wiring add what the IPP job attributes say.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from printwarden.agent.model import JobMeta, LocalJob
from printwarden.agent.service import AgentService
from printwarden.ipp.printer.sink import DocumentTicket, StoredDocument

MetaFor = Callable[[DocumentTicket], JobMeta]


def meta_from_ticket(ticket: DocumentTicket) -> JobMeta:
    return JobMeta(username=ticket.user or "anonymous",
                   title=ticket.job_name or ticket.document_name,
                   document_format=ticket.document_format or "application/octet-stream")


class AgentSink:
    def __init__(self, core: AgentService, queue: str, *,
                 meta_for: MetaFor = meta_from_ticket) -> None:
        self._core = core
        self._queue = queue
        self._meta_for = meta_for
        #: IPP job id -> the agent's local job (for job status lookups by the wiring).
        self.local_jobs: dict[int, LocalJob] = {}

    async def receive(self, ticket: DocumentTicket,
                      chunks: AsyncIterator[bytes]) -> StoredDocument:
        job = await self._core.accept(self._queue, self._meta_for(ticket), chunks)
        self.local_jobs[ticket.job_id] = job
        return StoredDocument(octets=job.size_bytes, location=job.local_id)
