"""Document operations (PWG 5100.5): Get-Documents, Get-Document-Attributes,
Set-Document-Attributes and Cancel-Document.

A document is named by its job and ``document-number`` (1, 2, ... in the order they
arrived). Reading is open like Get-Job-Attributes (document names masked for all but the
owner and operators); changing is for the owner or an operator.
"""

from __future__ import annotations

from collections.abc import Iterable

from printwarden.ipp.attributes import Attribute, AttributeGroup, out_of_band
from printwarden.ipp.errors import IppError
from printwarden.ipp.message import IppMessage
from printwarden.ipp.printer.answers import answer, integer_operand, owned_job, target_job
from printwarden.ipp.printer.document import DOCUMENT_SETTABLE, Document, document_attributes
from printwarden.ipp.printer.engine import PrinterEngine
from printwarden.ipp.printer.job import Job
from printwarden.ipp.printer.job_attributes import job_uri
from printwarden.ipp.printer.requested import requested_names
from printwarden.ipp.server.protocol import IppAttributesError, IppRequest
from printwarden.ipp.status import StatusCode
from printwarden.ipp.tags import DelimiterTag, ValueTag

__all__ = ["cancel_document", "get_document_attributes", "get_documents",
           "set_document_attributes"]

_S = StatusCode


def _document(job: Job, request: IppRequest) -> Document:
    number = integer_operand(request, "document-number")
    if number is None:
        raise IppError(_S.CLIENT_ERROR_BAD_REQUEST, "document-number is required")
    if not 1 <= number <= job.documents:
        raise IppError(_S.CLIENT_ERROR_NOT_FOUND, f"job {job.id} has no document {number}")
    return job.docs[number - 1]


def _selected(attributes: Iterable[Attribute], requested: frozenset[str]) -> list[Attribute]:
    every = bool({"all", "document-description"} & requested)
    return [a for a in attributes if every or a.name in requested]


def _group(core: PrinterEngine, request: IppRequest, job: Job, document: Document,
           requested: frozenset[str]) -> AttributeGroup:
    attributes = document_attributes(
        document, job_id=job.id, job_uri=job_uri(request.printer_uri, job.id),
        printer_uri=request.printer_uri, up_time=core.clock.up_time(),
        last=job.documents_closed and document.number == job.documents,
        visible=request.who.may_see(job.user))
    return AttributeGroup(DelimiterTag.DOCUMENT, _selected(attributes, requested))


async def get_documents(core: PrinterEngine, request: IppRequest) -> IppMessage:
    job = target_job(core.jobs, request)
    requested = requested_names(request.message, default=("document-number", "document-state"))
    limit = integer_operand(request, "limit")
    documents = job.docs if limit is None or limit < 1 else job.docs[:limit]
    return answer(request, groups=[_group(core, request, job, d, requested)
                                   for d in documents])


async def get_document_attributes(core: PrinterEngine, request: IppRequest) -> IppMessage:
    job = target_job(core.jobs, request)
    document = _document(job, request)
    return answer(request, groups=[_group(core, request, job, document,
                                          requested_names(request.message))])


async def set_document_attributes(core: PrinterEngine, request: IppRequest) -> IppMessage:
    job = owned_job(core.jobs, request)
    document = _document(job, request)
    wanted = [a for g in request.message.groups_with(DelimiterTag.DOCUMENT) for a in g.values()]
    if not wanted:
        raise IppError(_S.CLIENT_ERROR_BAD_REQUEST, "no document attributes to set")
    fixed = [out_of_band(a.name, ValueTag.NOT_SETTABLE) for a in wanted
             if a.name not in DOCUMENT_SETTABLE]
    if fixed:
        raise IppAttributesError(_S.CLIENT_ERROR_ATTRIBUTES_NOT_SETTABLE,
                                 "attributes not settable", fixed)
    bad = [a for a in wanted if len(a.values) != 1 or a.tag != ValueTag.NAME
           or not isinstance(a.value, str) or not a.value]
    if bad:
        raise IppAttributesError(_S.CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED,
                                 "document-name is one name", bad)
    if document.is_terminal:
        raise IppError(_S.CLIENT_ERROR_NOT_POSSIBLE,
                       f"document {document.number} is {document.state}")
    document.name = str(wanted[0].value)[:255]
    core.job_config_changed(job)
    return answer(request)


async def cancel_document(core: PrinterEngine, request: IppRequest) -> IppMessage:
    job = owned_job(core.jobs, request)
    document = _document(job, request)
    if document.is_terminal:
        raise IppError(_S.CLIENT_ERROR_NOT_POSSIBLE,
                       f"document {document.number} is already {document.state}")
    await core.actions.cancel_document(job, document)
    return answer(request)
