"""Job control by owners and operators: Cancel-Job, Cancel-My-Jobs, Cancel-Jobs,
Cancel-Current-Job, Hold-Job, Release-Job; and Identify-Printer.

Who may: the job's owner or an operator (Cancel-Jobs and Cancel-Current-Job: operators).
How it is done is the printer's ``JobActions``.
"""

from __future__ import annotations

import logging

from printwarden.ipp.errors import IppError
from printwarden.ipp.message import IppMessage
from printwarden.ipp.printer.answers import (
    answer,
    integer_operand,
    owned_job,
    require_operator,
)
from printwarden.ipp.printer.engine import PrinterEngine
from printwarden.ipp.printer.job import Job, JobState
from printwarden.ipp.printer.jobs import processing_now
from printwarden.ipp.server.protocol import IppRequest
from printwarden.ipp.status import StatusCode
from printwarden.ipp.tags import DelimiterTag

__all__ = ["cancel_current_job", "cancel_job", "cancel_jobs", "cancel_my_jobs", "hold_job",
           "identify_printer", "release_job"]

log = logging.getLogger(__name__)


async def _cancel(core: PrinterEngine, request: IppRequest, job: Job) -> None:
    who = request.who
    await core.actions.cancel(job, user=who.user, operator=not who.owns(job.user))


async def cancel_job(core: PrinterEngine, request: IppRequest) -> IppMessage:
    job = owned_job(core.jobs, request)
    if job.state.is_terminal:
        raise IppError(StatusCode.CLIENT_ERROR_NOT_POSSIBLE,
                       f"job {job.id} is already {job.state.name.lower()}")
    await _cancel(core, request, job)
    return answer(request)


def _job_ids(request: IppRequest) -> list[int] | None:
    found = request.message.get(DelimiterTag.OPERATION, "job-ids")
    if found is None:
        return None
    if any(not isinstance(v, int) or isinstance(v, bool) for v in found.values):
        raise IppError(StatusCode.CLIENT_ERROR_BAD_REQUEST, "job-ids are integers")
    return [int(v) for v in found.values]  # type: ignore[arg-type]


async def _cancel_each(core: PrinterEngine, request: IppRequest, jobs: list[Job]) -> IppMessage:
    """Cancel every job it can; jobs that cannot be cancelled (being sent) stay."""
    refused = 0
    for job in jobs:
        try:
            await _cancel(core, request, job)
        except IppError:
            refused += 1
    if refused:
        return answer(request, message=f"{refused} job(s) could not be canceled")
    return answer(request)


async def cancel_my_jobs(core: PrinterEngine, request: IppRequest) -> IppMessage:
    user = request.who.user
    if not user:
        raise IppError(StatusCode.CLIENT_ERROR_BAD_REQUEST, "requesting-user-name is required")
    jobs = core.jobs.select("not-completed", user=user, job_ids=_job_ids(request))
    return await _cancel_each(core, request, jobs)


async def cancel_jobs(core: PrinterEngine, request: IppRequest) -> IppMessage:
    require_operator(request, "Cancel-Jobs")
    jobs = core.jobs.select("not-completed", job_ids=_job_ids(request))
    return await _cancel_each(core, request, jobs)


async def cancel_current_job(core: PrinterEngine, request: IppRequest) -> IppMessage:
    require_operator(request, "Cancel-Current-Job")
    current = processing_now(core.jobs)
    wanted = integer_operand(request, "job-id")
    if current is None or (wanted is not None and wanted != current.id):
        raise IppError(StatusCode.CLIENT_ERROR_NOT_POSSIBLE,
                       "no job is processing" if current is None
                       else f"job {wanted} is not the current job")
    await _cancel(core, request, current)
    return answer(request)


async def hold_job(core: PrinterEngine, request: IppRequest) -> IppMessage:
    job = owned_job(core.jobs, request)
    found = request.message.get(DelimiterTag.OPERATION, "job-hold-until")
    until = "indefinite" if found is None else str(found.value)
    if until == "no-hold" or until not in ("indefinite",):
        raise IppError(StatusCode.CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED,
                       f"Hold-Job with job-hold-until {until}")
    if job.state not in (JobState.PENDING, JobState.PENDING_HELD):
        raise IppError(StatusCode.CLIENT_ERROR_NOT_POSSIBLE,
                       f"job {job.id} is {job.state.name.lower()}, it cannot be held")
    await core.actions.hold(job, until=until, reason="job-hold-until-specified")
    return answer(request)


async def release_job(core: PrinterEngine, request: IppRequest) -> IppMessage:
    job = owned_job(core.jobs, request)
    if not job.is_held:
        raise IppError(StatusCode.CLIENT_ERROR_NOT_POSSIBLE, f"job {job.id} is not held")
    await core.actions.release(job)
    return answer(request)


async def identify_printer(core: PrinterEngine, request: IppRequest) -> IppMessage:
    found = request.message.get(DelimiterTag.OPERATION, "message")
    log.info("Identify-Printer %s: %s", core.description.name,
             "" if found is None else str(found.value)[:127])
    return answer(request)
