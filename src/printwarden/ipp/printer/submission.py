"""Job-creating operations: Print-Job, Validate-Job, Create-Job, Send-Document, Close-Job.

A job may have several documents (multiple-document-jobs-supported): Create-Job, then
one Send-Document per document, the last with last-document true (or Close-Job). The
subscription groups of a job-creating request become job subscriptions (RFC 3995 section
7.1); while the printer holds new jobs (Hold-New-Jobs) every new job is held.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from printwarden.ipp.errors import IppError
from printwarden.ipp.message import IppMessage
from printwarden.ipp.printer.answers import answer, boolean_operand, job_group, owned_job, user_of
from printwarden.ipp.printer.engine import PrinterEngine
from printwarden.ipp.printer.job import Job
from printwarden.ipp.printer.job_attributes import job_status_attributes
from printwarden.ipp.printer.subscribe import (
    Outcome,
    create_subscriptions,
    outcome_groups,
    overall_status,
)
from printwarden.ipp.printer.ticket import JobTicket, document_format_of, read_ticket
from printwarden.ipp.server.protocol import IppRequest
from printwarden.ipp.status import StatusCode
from printwarden.ipp.tags import DelimiterTag

__all__ = ["close_job", "create_job", "print_job", "send_document", "validate_job"]

MAX_DOCUMENTS = 100
"""Documents one job may have: server-error-too-many-documents beyond."""


def _accepting(core: PrinterEngine) -> None:
    if not core.effective().accepting:
        raise IppError(StatusCode.SERVER_ERROR_NOT_ACCEPTING_JOBS, "not accepting jobs")


def _ticket(core: PrinterEngine, request: IppRequest, *, with_document: bool) -> JobTicket:
    desc = core.description
    return read_ticket(request.message, user=user_of(request), formats=desc.document_formats,
                       with_document=with_document, handling=desc.document_handling,
                       page_overrides=desc.page_overrides)


def _new_job(core: PrinterEngine, ticket: JobTicket) -> Job:
    job = core.jobs.create(name=ticket.name, user=ticket.user,
                           document_format=ticket.document_format, now=core.clock.now())
    job.template = ticket.template
    job.priority = ticket.priority
    if ticket.hold_until != "no-hold":
        job.hold(ticket.hold_until)
    elif core.controls.hold_new_jobs:
        job.hold("indefinite", "job-held-on-create")
        job.held_new = True
    return job


def _subscribe(core: PrinterEngine, request: IppRequest, job: Job) -> list[Outcome]:
    groups = request.message.groups_with(DelimiterTag.SUBSCRIPTION)
    if not groups:
        return []
    return create_subscriptions(core.subscriptions, groups, owner=user_of(request),
                                printer_uri=request.printer_uri, job_id=job.id,
                                default_events=("job-completed",))


def _job_answer(core: PrinterEngine, request: IppRequest, job: Job,
                ticket: JobTicket | None = None, outcomes: list[Outcome] | None = None,
                ) -> IppMessage:
    status: int = ticket.status if ticket else StatusCode.SUCCESSFUL_OK
    unsupported = list(ticket.unsupported) if ticket else []
    groups = [job_group(job_status_attributes(job, request.printer_uri))]
    if outcomes:
        groups.extend(outcome_groups(outcomes))
        unsupported.extend(a for o in outcomes for a in o.unsupported)
        if overall_status(outcomes, creates_job=True) != StatusCode.SUCCESSFUL_OK:
            status = StatusCode.SUCCESSFUL_OK_IGNORED_SUBSCRIPTIONS
    return answer(request, status, groups=groups, unsupported=unsupported)


async def print_job(core: PrinterEngine, request: IppRequest) -> IppMessage:
    _accepting(core)
    ticket = _ticket(core, request, with_document=True)
    job = _new_job(core, ticket)
    outcomes = _subscribe(core, request, job)
    core.job_created(job)
    await core.receive_document(job, ticket.document_name, ticket.document_format,
                                request.document)
    core.close_documents(job)
    return _job_answer(core, request, job, ticket, outcomes)


async def validate_job(core: PrinterEngine, request: IppRequest) -> IppMessage:
    _accepting(core)
    ticket = _ticket(core, request, with_document=True)
    return answer(request, ticket.status, unsupported=ticket.unsupported)


async def create_job(core: PrinterEngine, request: IppRequest) -> IppMessage:
    _accepting(core)
    ticket = _ticket(core, request, with_document=False)
    job = _new_job(core, ticket)
    outcomes = _subscribe(core, request, job)
    core.job_created(job)
    job.await_documents()
    core.expect_documents(job)
    return _job_answer(core, request, job, ticket, outcomes)


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
        if job.documents >= MAX_DOCUMENTS:
            raise IppError(StatusCode.SERVER_ERROR_TOO_MANY_DOCUMENTS,
                           f"a job has at most {MAX_DOCUMENTS} documents")
        found = request.message.get(DelimiterTag.OPERATION, "document-name")
        name = str(found.value) if found is not None else job.name
        await core.receive_document(job, name, fmt, _prepend(first, request.document))
    job.last_activity = core.clock.up_time()
    if last:
        core.close_documents(job)
    return _job_answer(core, request, job)


async def close_job(core: PrinterEngine, request: IppRequest) -> IppMessage:
    job = owned_job(core.jobs, request)
    core.close_documents(job)
    return _job_answer(core, request, job)
