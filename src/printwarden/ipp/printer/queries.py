"""Get-Printer-Attributes, Get-Job-Attributes and Get-Jobs.

Job names, owners and state messages are shown to the job's owner and to operators only
(see ``job_attributes``); ``my-jobs`` selects the requester's own jobs, none when nobody
is established.
"""

from __future__ import annotations

from printwarden.ipp.attributes import AttributeGroup
from printwarden.ipp.errors import IppError
from printwarden.ipp.message import IppMessage
from printwarden.ipp.printer.answers import answer, boolean_operand, job_group, target_job
from printwarden.ipp.printer.engine import PrinterEngine
from printwarden.ipp.printer.job_attributes import job_attributes
from printwarden.ipp.printer.jobs import WHICH_JOBS
from printwarden.ipp.printer.requested import (
    requested_names,
    select_job_attributes,
    select_printer_attributes,
)
from printwarden.ipp.server.protocol import IppAttributesError, IppRequest
from printwarden.ipp.status import StatusCode
from printwarden.ipp.tags import DelimiterTag

__all__ = ["get_job_attributes", "get_jobs", "get_printer_attributes"]


async def get_printer_attributes(core: PrinterEngine, request: IppRequest) -> IppMessage:
    attributes = core.attributes(request.printer_uri, request.more_info_uri)
    selected = select_printer_attributes(attributes, requested_names(request.message))
    return answer(request, groups=[AttributeGroup(DelimiterTag.PRINTER, selected)])


async def get_job_attributes(core: PrinterEngine, request: IppRequest) -> IppMessage:
    job = target_job(core.jobs, request)
    attributes = job_attributes(job, request.printer_uri, core.clock.up_time(),
                                visible=request.who.may_see(job.user))
    selected = select_job_attributes(attributes, requested_names(request.message))
    return answer(request, groups=[job_group(selected)])


def _operand(request: IppRequest, attribute_name: str) -> object:
    found = request.message.get(DelimiterTag.OPERATION, attribute_name)
    return None if found is None else found.value


async def get_jobs(core: PrinterEngine, request: IppRequest) -> IppMessage:
    which = _operand(request, "which-jobs") or "not-completed"
    limit = _operand(request, "limit")
    if which not in WHICH_JOBS or (limit is not None and (
            not isinstance(limit, int) or isinstance(limit, bool) or limit < 1)):
        bad = [a for a in (request.message.get(DelimiterTag.OPERATION, "which-jobs"),
                           request.message.get(DelimiterTag.OPERATION, "limit")) if a]
        raise IppAttributesError(StatusCode.CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED,
                                 "unsupported which-jobs or limit", bad)
    who = request.who
    mine = boolean_operand(request, "my-jobs")
    found = request.message.get(DelimiterTag.OPERATION, "job-ids")
    if found is not None and any(not isinstance(v, int) for v in found.values):
        raise IppError(StatusCode.CLIENT_ERROR_BAD_REQUEST, "job-ids are integers")
    job_ids = None if found is None else [v for v in found.values if isinstance(v, int)]
    jobs = [] if mine and not who.user else core.jobs.select(
        str(which), user=who.user if mine else None, job_ids=job_ids,
        limit=limit if isinstance(limit, int) else None)
    requested = requested_names(request.message, default=("job-id", "job-uri"))
    up_time = core.clock.up_time()
    groups = [job_group(select_job_attributes(
        job_attributes(job, request.printer_uri, up_time, visible=who.may_see(job.user)),
        requested)) for job in jobs]
    return answer(request, groups=[g for g in groups if len(g)])
