"""Small helpers the operation handlers share: targets, who asks, and answers."""

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
    "answer", "boolean_operand", "integer_operand", "job_group", "owned_job",
    "require_operator", "target_job", "user_of",
]


def user_of(request: IppRequest) -> str:
    """The name that owns what this request creates ("anonymous" when nobody is known:
    such a request owns nothing an established user could claim)."""
    return request.who.user or "anonymous"


def require_operator(request: IppRequest, what: str) -> None:
    """client-error-forbidden unless an operator asks (the server authenticated them)."""
    if not request.who.operator:
        raise IppError(StatusCode.CLIENT_ERROR_FORBIDDEN,
                       f"{what} is an operator operation: authenticate as an operator")


def target_job(jobs: JobTable, request: IppRequest) -> Job:
    """The job named by job-id (with printer-uri) or by the last segment of job-uri."""
    valid = request.valid
    if valid.job_id is not None:
        return jobs.get(valid.job_id)
    tail = (valid.job_uri or "").rstrip("/").rsplit("/", 1)[-1]
    if not tail.isdigit() or not tail.isascii() or len(tail) > 10:
        raise IppError(StatusCode.CLIENT_ERROR_NOT_FOUND, f"no job at {valid.job_uri!r}")
    return jobs.get(int(tail))


def owned_job(jobs: JobTable, request: IppRequest) -> Job:
    """The target job, if the requester owns it or is an operator (else
    client-error-not-authorized)."""
    job = target_job(jobs, request)
    who = request.who
    if not (who.operator or who.owns(job.user)):
        raise IppError(StatusCode.CLIENT_ERROR_NOT_AUTHORIZED,
                       f"job {job.id} belongs to another user")
    return job


def boolean_operand(request: IppRequest, attribute_name: str) -> bool | None:
    found = request.message.get(DelimiterTag.OPERATION, attribute_name)
    if found is None:
        return None
    if not isinstance(found.value, bool) or len(found.values) != 1:
        raise IppError(StatusCode.CLIENT_ERROR_BAD_REQUEST, f"{attribute_name} is a boolean")
    return found.value


def integer_operand(request: IppRequest, attribute_name: str) -> int | None:
    found = request.message.get(DelimiterTag.OPERATION, attribute_name)
    if found is None:
        return None
    value = found.value
    if not isinstance(value, int) or isinstance(value, bool) or len(found.values) != 1:
        raise IppError(StatusCode.CLIENT_ERROR_BAD_REQUEST, f"{attribute_name} is an integer")
    return value


def job_group(attributes: Iterable[Attribute]) -> AttributeGroup:
    return AttributeGroup(DelimiterTag.JOB, attributes)


def answer(request: IppRequest, status: int = StatusCode.SUCCESSFUL_OK, *,
           groups: Iterable[AttributeGroup] = (), unsupported: Iterable[Attribute] = (),
           message: str | None = None) -> IppMessage:
    return response_for(request.message, status, message=message, unsupported=unsupported,
                        groups=groups)
