"""Job operations beyond submission and control (RFC 3380, RFC 8011, PWG 5100.11):
Set-Job-Attributes, Restart-Job, Reprocess-Job, Resubmit-Job, Promote-Job,
Schedule-Job-After, Suspend-Current-Job and Resume-Job.

Set-Job-Attributes, Restart-Job, Reprocess-Job and Resubmit-Job are for the job's owner or
an operator; the others for operators. What a printer cannot do at all (its
``JobActions.refusal``: reprint a finished job, reorder its queue, stop a job part-way)
is answered client-error-not-possible with the reason.
"""

from __future__ import annotations

from printwarden.ipp.attributes import Attribute, out_of_band
from printwarden.ipp.errors import IppError
from printwarden.ipp.message import IppMessage
from printwarden.ipp.printer.answers import (
    answer,
    integer_operand,
    job_group,
    owned_job,
    require_operator,
    target_job,
    user_of,
)
from printwarden.ipp.printer.document import Document
from printwarden.ipp.printer.engine import PrinterEngine
from printwarden.ipp.printer.features import JOB_SETTABLE
from printwarden.ipp.printer.job import Job, JobState
from printwarden.ipp.printer.job_attributes import job_status_attributes
from printwarden.ipp.printer.jobs import processing_now
from printwarden.ipp.printer.ticket import read_ticket
from printwarden.ipp.server.protocol import IppAttributesError, IppRequest
from printwarden.ipp.status import StatusCode
from printwarden.ipp.tags import DelimiterTag, ValueTag

__all__ = [
    "promote_job", "reprocess_job", "restart_job", "resubmit_job", "resume_job",
    "schedule_job_after", "set_job_attributes", "suspend_current_job",
]

_S = StatusCode
_WAITING = (JobState.PENDING, JobState.PENDING_HELD)


def _not_possible(message: str) -> IppError:
    return IppError(_S.CLIENT_ERROR_NOT_POSSIBLE, message)


def _able(core: PrinterEngine, what: str) -> None:
    refusal = core.actions.refusal(what)
    if refusal is not None:
        raise _not_possible(refusal)


def _settable(attribute: Attribute) -> bool:
    value = attribute.value
    if len(attribute.values) != 1:
        return False
    if attribute.name == "job-priority":
        return (attribute.tag == ValueTag.INTEGER and isinstance(value, int)
                and not isinstance(value, bool) and 1 <= value <= 100)
    return attribute.tag in (ValueTag.KEYWORD, ValueTag.NAME) and value in (
        "no-hold", "indefinite")


async def set_job_attributes(core: PrinterEngine, request: IppRequest) -> IppMessage:
    job = owned_job(core.jobs, request)
    wanted = [a for g in request.message.groups_with(DelimiterTag.JOB) for a in g.values()]
    if not wanted:
        raise IppError(_S.CLIENT_ERROR_BAD_REQUEST, "no job attributes to set")
    fixed = [out_of_band(a.name, ValueTag.NOT_SETTABLE) for a in wanted
             if a.name not in JOB_SETTABLE]
    if fixed:
        raise IppAttributesError(_S.CLIENT_ERROR_ATTRIBUTES_NOT_SETTABLE,
                                 "attributes not settable", fixed)
    bad = [a for a in wanted if not _settable(a)]
    if bad:
        raise IppAttributesError(_S.CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED,
                                 "values not supported", bad)
    if job.state not in _WAITING:
        raise _not_possible(f"job {job.id} is {job.state.name.lower()}: it cannot change")
    for attribute in wanted:
        value = attribute.value
        if attribute.name == "job-priority" and isinstance(value, int):
            job.priority = value
        elif value == "no-hold" and job.is_held:
            await core.actions.release(job)
        elif value == "indefinite" and not job.is_held:
            await core.actions.hold(job, until="indefinite", reason="job-hold-until-specified")
    core.job_config_changed(job)
    return answer(request)


async def restart_job(core: PrinterEngine, request: IppRequest) -> IppMessage:
    job = owned_job(core.jobs, request)
    _able(core, "restart")
    job.restart()
    core.schedule(job)
    return answer(request)


def _copy(core: PrinterEngine, request: IppRequest, job: Job,
          template: dict[str, Attribute]) -> Job:
    copy = core.jobs.create(name=job.name, user=user_of(request),
                            document_format=job.document_format, now=core.clock.now())
    copy.template = {**job.template, **template}
    copy.priority = job.priority
    now = core.clock.now()
    copy.docs = [Document(d.number, d.name, d.format, now, d.octets, d.impressions)
                 for d in job.docs if d.state != "canceled"]
    copy.octets, copy.impressions = job.octets, job.impressions
    core.job_created(copy)
    core.close_documents(copy)
    return copy


async def reprocess_job(core: PrinterEngine, request: IppRequest) -> IppMessage:
    """A copy of a finished job, processed again (PWG 5100.11)."""
    job = owned_job(core.jobs, request)
    _able(core, "restart")
    if not job.state.is_terminal:
        raise _not_possible(f"job {job.id} has not finished")
    copy = _copy(core, request, job, {})
    return answer(request, groups=[job_group(job_status_attributes(copy, request.printer_uri))])


async def resubmit_job(core: PrinterEngine, request: IppRequest) -> IppMessage:
    """A copy of a finished job with the job template attributes of the request."""
    job = owned_job(core.jobs, request)
    _able(core, "restart")
    if not job.state.is_terminal:
        raise _not_possible(f"job {job.id} has not finished")
    desc = core.description
    ticket = read_ticket(request.message, user=user_of(request), formats=desc.document_formats,
                         with_document=False, handling=desc.document_handling,
                         page_overrides=desc.page_overrides)
    copy = _copy(core, request, job, ticket.template)
    return answer(request, ticket.status, unsupported=ticket.unsupported,
                  groups=[job_group(job_status_attributes(copy, request.printer_uri))])


def _waiting_job(core: PrinterEngine, request: IppRequest, what: str) -> Job:
    require_operator(request, what)
    _able(core, "reorder")
    job = target_job(core.jobs, request)
    if job.state not in _WAITING:
        raise _not_possible(f"job {job.id} is {job.state.name.lower()}: it is not waiting")
    return job


async def promote_job(core: PrinterEngine, request: IppRequest) -> IppMessage:
    job = _waiting_job(core, request, "Promote-Job")
    core.jobs.promote(job)
    core.observe_printer({"printer-queue-order-changed"})
    return answer(request)


async def schedule_job_after(core: PrinterEngine, request: IppRequest) -> IppMessage:
    job = _waiting_job(core, request, "Schedule-Job-After")
    predecessor_id = integer_operand(request, "predecessor-job-id")
    predecessor = None if predecessor_id is None else core.jobs.get(predecessor_id)
    if predecessor is not None and (predecessor.state.is_terminal or predecessor is job):
        raise _not_possible(f"job {predecessor.id} is not waiting")
    core.jobs.place_after(job, predecessor)
    core.observe_printer({"printer-queue-order-changed"})
    return answer(request)


async def suspend_current_job(core: PrinterEngine, request: IppRequest) -> IppMessage:
    require_operator(request, "Suspend-Current-Job")
    _able(core, "suspend")
    current = processing_now(core.jobs)
    wanted = integer_operand(request, "job-id")
    if current is None or current.state != JobState.PROCESSING or (
            wanted is not None and wanted != current.id):
        raise _not_possible("no such job is processing")
    core.suspend(current)
    return answer(request)


async def resume_job(core: PrinterEngine, request: IppRequest) -> IppMessage:
    require_operator(request, "Resume-Job")
    _able(core, "suspend")
    job = target_job(core.jobs, request)
    if job.state != JobState.PROCESSING_STOPPED:
        raise _not_possible(f"job {job.id} is not suspended")
    core.resume(job)
    return answer(request)
