"""Job control: Cancel-Job, Cancel-My-Jobs, Hold-Job, Release-Job; and Identify-Printer."""

from __future__ import annotations

import logging

from printwarden.ipp.errors import IppError
from printwarden.ipp.message import IppMessage
from printwarden.ipp.printer.answers import answer, owned_job
from printwarden.ipp.printer.engine import PrinterEngine
from printwarden.ipp.server.protocol import IppRequest
from printwarden.ipp.status import StatusCode
from printwarden.ipp.tags import DelimiterTag

__all__ = ["cancel_job", "cancel_my_jobs", "hold_job", "identify_printer", "release_job"]

log = logging.getLogger(__name__)


async def cancel_job(core: PrinterEngine, request: IppRequest) -> IppMessage:
    job = owned_job(core.jobs, request)
    job.cancel(core.clock.now())
    core.refresh_state()
    return answer(request)


async def cancel_my_jobs(core: PrinterEngine, request: IppRequest) -> IppMessage:
    user = request.valid.requesting_user_name
    if not user:
        raise IppError(StatusCode.CLIENT_ERROR_BAD_REQUEST, "requesting-user-name is required")
    found = request.message.get(DelimiterTag.OPERATION, "job-ids")
    job_ids = None if found is None else [v for v in found.values if isinstance(v, int)]
    now = core.clock.now()
    for job in core.jobs.select("not-completed", user=user, job_ids=job_ids):
        job.cancel(now)
    core.refresh_state()
    return answer(request)


async def hold_job(core: PrinterEngine, request: IppRequest) -> IppMessage:
    job = owned_job(core.jobs, request)
    found = request.message.get(DelimiterTag.OPERATION, "job-hold-until")
    until = "indefinite" if found is None else str(found.value)
    if until == "no-hold":
        raise IppError(StatusCode.CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED,
                       "Hold-Job with job-hold-until no-hold")
    job.hold(until)
    return answer(request)


async def release_job(core: PrinterEngine, request: IppRequest) -> IppMessage:
    job = owned_job(core.jobs, request)
    job.release()
    core.schedule(job)
    return answer(request)


async def identify_printer(core: PrinterEngine, request: IppRequest) -> IppMessage:
    found = request.message.get(DelimiterTag.OPERATION, "message")
    log.info("Identify-Printer %s: %s", core.description.name,
             "" if found is None else found.value)
    return answer(request)
