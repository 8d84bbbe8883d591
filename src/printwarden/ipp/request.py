"""Server-side request checks (RFC 8011 section 4.1) and response building; sans-I/O.

``validate_request`` applies the checks in this order and raises ``IppRequestError``
with the status RFC 8011 (and ipptool's ipp-1.1/ipp-2.x suites) expect:

1. version not supported           -> server-error-version-not-supported
2. operation not supported         -> server-error-operation-not-supported
3. request-id not in 1..2^31-1     -> client-error-bad-request
4. no single, first operation group, or its first two attributes are not
   attributes-charset (charset) then attributes-natural-language (naturalLanguage)
                                   -> client-error-bad-request
5. charset not supported           -> client-error-charset-not-supported
6. missing or mistyped target: printer-uri (uri), or for job operations job-uri (uri)
   or printer-uri + job-id (integer > 0); requesting-user-name not a name
                                   -> client-error-bad-request
"""

from __future__ import annotations

from collections.abc import Container, Iterable
from dataclasses import dataclass
from typing import Protocol

from printwarden.ipp.attributes import Attribute, AttributeGroup, charset, natural_language, text
from printwarden.ipp.errors import IppRequestError
from printwarden.ipp.message import IppMessage
from printwarden.ipp.operations import Operation as Op
from printwarden.ipp.status import StatusCode
from printwarden.ipp.tags import DelimiterTag, ValueTag

__all__ = [
    "JOB_OPERATIONS",
    "SUPPORTED_VERSIONS",
    "UNTARGETED_OPERATIONS",
    "ValidRequest",
    "response_for",
    "validate_request",
]

SUPPORTED_VERSIONS: frozenset[tuple[int, int]] = frozenset(
    {(1, 0), (1, 1), (2, 0), (2, 1), (2, 2)}
)

JOB_OPERATIONS: frozenset[int] = frozenset({
    Op.SEND_DOCUMENT, Op.SEND_URI, Op.CANCEL_JOB, Op.GET_JOB_ATTRIBUTES, Op.HOLD_JOB,
    Op.RELEASE_JOB, Op.RESTART_JOB, Op.SET_JOB_ATTRIBUTES, Op.REPROCESS_JOB, Op.RESUME_JOB,
    Op.PROMOTE_JOB, Op.SCHEDULE_JOB_AFTER, Op.CANCEL_DOCUMENT, Op.GET_DOCUMENT_ATTRIBUTES,
    Op.GET_DOCUMENTS, Op.DELETE_DOCUMENT, Op.SET_DOCUMENT_ATTRIBUTES, Op.RESUBMIT_JOB,
    Op.CLOSE_JOB, Op.CUPS_AUTHENTICATE_JOB, Op.CUPS_GET_DOCUMENT,
})
"""Operations whose target is a job: job-uri, or printer-uri with job-id."""

UNTARGETED_OPERATIONS: frozenset[int] = frozenset({
    Op.CUPS_GET_DEFAULT, Op.CUPS_GET_PRINTERS, Op.CUPS_GET_CLASSES, Op.CUPS_GET_DEVICES,
    Op.CUPS_GET_PPDS, Op.CUPS_GET_PPD,
})
"""Server-wide operations that name no printer (CUPS extensions)."""


@dataclass(frozen=True, slots=True)
class ValidRequest:
    """What the checks established about a request (the message itself is unchanged)."""

    operation: int
    version: tuple[int, int]
    request_id: int
    charset: str
    natural_language: str
    printer_uri: str | None = None
    job_uri: str | None = None
    job_id: int | None = None
    requesting_user_name: str | None = None


def _refuse(message: str, status: int = StatusCode.CLIENT_ERROR_BAD_REQUEST) -> IppRequestError:
    return IppRequestError(status, message)


def _single(group: AttributeGroup, attr_name: str, *tags: int) -> Attribute | None:
    attribute = group.get(attr_name)
    if attribute is None:
        return None
    if len(attribute.values) != 1 or attribute.tag not in tags:
        raise _refuse(f"{attr_name} must be one value of the right syntax")
    return attribute


def _string(group: AttributeGroup, attr_name: str, tag: int) -> str | None:
    attribute = _single(group, attr_name, tag)
    return None if attribute is None else str(attribute.value)


def validate_request(
    request: IppMessage,
    *,
    versions: Container[tuple[int, int]] = SUPPORTED_VERSIONS,
    operations: Container[int] | None = None,
    charsets: Container[str] = ("utf-8", "us-ascii"),
) -> ValidRequest:
    """Check a decoded request; ``operations=None`` accepts any operation id."""
    if request.version not in versions:
        raise _refuse(f"IPP version {request.version[0]}.{request.version[1]} not supported",
                      StatusCode.SERVER_ERROR_VERSION_NOT_SUPPORTED)
    op = request.operation_or_status
    if operations is not None and op not in operations:
        raise _refuse(f"operation 0x{op:04x} not supported",
                      StatusCode.SERVER_ERROR_OPERATION_NOT_SUPPORTED)
    if request.request_id < 1:
        raise _refuse("request-id must be between 1 and 2147483647")
    op_groups = request.groups_with(DelimiterTag.OPERATION)
    if len(op_groups) != 1 or request.groups[0] is not op_groups[0]:
        raise _refuse("the request needs one operation attributes group, first")
    group = op_groups[0]
    names = list(group)[:2]
    if names != ["attributes-charset", "attributes-natural-language"]:
        raise _refuse("attributes-charset and attributes-natural-language must come first")
    charset_value = _string(group, "attributes-charset", ValueTag.CHARSET)
    language = _string(group, "attributes-natural-language", ValueTag.NATURAL_LANGUAGE)
    assert charset_value is not None and language is not None
    if charset_value.lower() not in charsets:
        raise _refuse(f"charset {charset_value!r} not supported",
                      StatusCode.CLIENT_ERROR_CHARSET_NOT_SUPPORTED)
    printer_uri = _string(group, "printer-uri", ValueTag.URI)
    job_uri = _string(group, "job-uri", ValueTag.URI)
    job_id_attr = _single(group, "job-id", ValueTag.INTEGER)
    job_id = None if job_id_attr is None else job_id_attr.value
    if job_id is not None and (not isinstance(job_id, int) or job_id < 1):
        raise _refuse("job-id must be a positive integer")
    if op in JOB_OPERATIONS:
        if job_uri is None and (printer_uri is None or job_id is None):
            raise _refuse("a job operation needs job-uri, or printer-uri and job-id")
    elif op not in UNTARGETED_OPERATIONS and printer_uri is None and not (
        op == Op.CUPS_MOVE_JOB and job_uri is not None
    ):
        raise _refuse("printer-uri operation attribute missing")
    user = _single(group, "requesting-user-name", ValueTag.NAME, ValueTag.NAME_WITH_LANGUAGE)
    user_name = None if user is None else getattr(user.value, "name", user.value)
    return ValidRequest(op, request.version, request.request_id, charset_value.lower(),
                        language, printer_uri, job_uri, job_id,
                        None if user_name is None else str(user_name))


class _HasHeader(Protocol):
    @property
    def version(self) -> tuple[int, int]: ...

    @property
    def request_id(self) -> int: ...


def _answer_version(version: tuple[int, int], versions: Iterable[tuple[int, int]]) -> tuple[
        int, int]:
    known = sorted(versions)
    if version in known:
        return version
    lower = [v for v in known if v <= version]
    return lower[-1] if lower else known[0]


def response_for(
    request: _HasHeader,
    status: int,
    *,
    message: str | None = None,
    natural_language_tag: str = "en",
    unsupported: Iterable[Attribute] = (),
    groups: Iterable[AttributeGroup] = (),
    versions: Iterable[tuple[int, int]] = SUPPORTED_VERSIONS,
) -> IppMessage:
    """A response to ``request`` (an ``IppMessage`` or the parser's ``MessageHeader``).

    It carries the request's version (or the closest supported one when the request's
    is not supported) and request-id; the operation group with attributes-charset
    utf-8, attributes-natural-language and status-message; then the unsupported
    attributes group when ``unsupported`` is not empty; then ``groups``.
    """
    operation = AttributeGroup(DelimiterTag.OPERATION, (
        charset("attributes-charset", "utf-8"),
        natural_language("attributes-natural-language", natural_language_tag),
    ))
    if message:
        operation.add(text("status-message", message[:255]))
    response = IppMessage(int(status), request.request_id, [operation],
                          _answer_version(request.version, versions))
    unsupported_attrs = tuple(unsupported)
    if unsupported_attrs:
        response.add_group(DelimiterTag.UNSUPPORTED, unsupported_attrs)
    response.groups.extend(groups)
    return response
