"""Job-creating operations: Print-Job, Validate-Job, Create-Job, Send-Document, Close-Job."""

from __future__ import annotations

from collections.abc import AsyncIterator

from printwarden.ipp.errors import IppError
from printwarden.ipp.message import IppMessage
from printwarden.ipp.printer.answers import answer, boolean_operand, job_group, owned_job, user_of
from printwarden.ipp.printer.engine import PrinterEngine
from printwarden.ipp.printer.job import Job
from printwarden.ipp.printer.job_attributes import job_status_attributes
from printwarden.ipp.printer.ticket import JobTicket, document_format_of, read_ticket
from printwarden.ipp.server.protocol import IppRequest
from printwarden.ipp.status import StatusCode
from printwarden.ipp.tags import DelimiterTag

__all__ = ["close_job", "create_job", "print_job", "send_document", "validate_job"]


def _accepting(core: PrinterEngine) -> None:
    if not core.status.accepting_jobs:
        raise IppError(StatusCode.SERVER_ERROR_NOT_ACCEPTING_JOBS, "not accepting jobs")


def _new_job(core: PrinterEngine, ticket: JobTicket) -> Job:
    job = core.jobs.create(name=ticket.name, user=ticket.user,
                           document_format=ticket.document_format, now=core.clock.now())
    job.template = ticket.template
    if ticket.hold_until != "no-hold":
        job.hold(ticket.hold_until)
    return job


def _job_answer(core: PrinterEngine, request: IppRequest, job: Job,
                ticket: JobTicket | None = None) -> IppMessage:
    status = ticket.status if ticket else StatusCode.SUCCESSFUL_OK
    attributes = job_status_attributes(job, request.printer_uri)
    return answer(request, status, groups=[job_group(attributes)],
                  unsupported=ticket.unsupported if ticket else ())


async def print_job(core: PrinterEngine, request: IppRequest) -> IppMessage:
    _accepting(core)
    ticket = read_ticket(request.message, user=user_of(request),
                         formats=core.description.document_formats, with_document=True)
    job = _new_job(core, ticket)
    await core.receive_document(job, ticket.document_name, ticket.document_format,
                                request.document)
    job.close_documents()
    core.schedule(job)
    return _job_answer(core, request, job, ticket)


async def validate_job(core: PrinterEngine, request: IppRequest) -> IppMessage:
    _accepting(core)
    ticket = read_ticket(request.message, user=user_of(request),
                         formats=core.description.document_formats, with_document=True)
    return answer(request, ticket.status, unsupported=ticket.unsupported)


async def create_job(core: PrinterEngine, request: IppRequest) -> IppMessage:
    _accepting(core)
    ticket = read_ticket(request.message, user=user_of(request),
                         formats=core.description.document_formats, with_document=False)
    job = _new_job(core, ticket)
    job.await_documents()
    return _job_answer(core, request, job, ticket)


async def _prepend(first: bytes, rest: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    yield first
    async for chunk in rest:
        yield chunk


async def send_document(core: PrinterEngine, request: IppRequest) -> IppMessage:
    last = boolean_operand(request, "last-document")
    if last is None:
        raise IppError(StatusCode.CLIENT_ERROR_BAD_REQUEST, "last-document is required")
    job = owned_job(core.jobs, request)
    if job.state.is_terminal or job.documents_closed:
        raise IppError(StatusCode.CLIENT_ERROR_NOT_POSSIBLE,
                       f"job {job.id} accepts no more documents")
    fmt = document_format_of(request.message, core.description.document_formats)
    first = await anext(request.document, None)
    if first is not None:
        if job.documents:
            raise IppError(StatusCode.SERVER_ERROR_MULTIPLE_DOCUMENT_JOBS_NOT_SUPPORTED,
                           "one document per job")
        found = request.message.get(DelimiterTag.OPERATION, "document-name")
        name = str(found.value) if found is not None else job.name
        await core.receive_document(job, name, fmt, _prepend(first, request.document))
    if last:
        job.close_documents()
        core.schedule(job)
    return _job_answer(core, request, job)


async def close_job(core: PrinterEngine, request: IppRequest) -> IppMessage:
    job = owned_job(core.jobs, request)
    if not job.state.is_terminal and not job.documents_closed:
        job.close_documents()
        core.schedule(job)
    return _job_answer(core, request, job)
