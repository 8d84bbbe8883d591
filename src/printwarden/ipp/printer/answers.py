"""Small helpers the operation handlers share: targets, users and answers."""

from __future__ import annotations

from collections.abc import Iterable

from printwarden.ipp.attributes import Attribute, AttributeGroup
from printwarden.ipp.errors import IppError
from printwarden.ipp.message import IppMessage
from printwarden.ipp.printer.job import Job
from printwarden.ipp.printer.jobs import JobTable
from printwarden.ipp.request import response_for
from printwarden.ipp.server.protocol import IppRequest
from printwarden.ipp.status import StatusCode
from printwarden.ipp.tags import DelimiterTag

__all__ = [
    "answer", "boolean_operand", "job_group", "owned_job", "target_job", "user_of",
]


def user_of(request: IppRequest) -> str:
    return request.valid.requesting_user_name or "anonymous"


def target_job(jobs: JobTable, request: IppRequest) -> Job:
    """The job named by job-id (with printer-uri) or by the last segment of job-uri."""
    valid = request.valid
    if valid.job_id is not None:
        return jobs.get(valid.job_id)
    tail = (valid.job_uri or "").rstrip("/").rsplit("/", 1)[-1]
    if not tail.isdigit():
        raise IppError(StatusCode.CLIENT_ERROR_NOT_FOUND, f"no job at {valid.job_uri!r}")
    return jobs.get(int(tail))


def owned_job(jobs: JobTable, request: IppRequest) -> Job:
    """The target job, if the requesting user owns it (client-error-not-authorized if not)."""
    job = target_job(jobs, request)
    if user_of(request) != job.user:
        raise IppError(StatusCode.CLIENT_ERROR_NOT_AUTHORIZED,
                       f"job {job.id} belongs to another user")
    return job


def boolean_operand(request: IppRequest, attribute_name: str) -> bool | None:
    found = request.message.get(DelimiterTag.OPERATION, attribute_name)
    if found is None:
        return None
    if not isinstance(found.value, bool):
        raise IppError(StatusCode.CLIENT_ERROR_BAD_REQUEST, f"{attribute_name} is a boolean")
    return found.value


def job_group(attributes: Iterable[Attribute]) -> AttributeGroup:
    return AttributeGroup(DelimiterTag.JOB, attributes)


def answer(request: IppRequest, status: int = StatusCode.SUCCESSFUL_OK, *,
           groups: Iterable[AttributeGroup] = (), unsupported: Iterable[Attribute] = (),
           message: str | None = None) -> IppMessage:
    return response_for(request.message, status, message=message, unsupported=unsupported,
                        groups=groups)
