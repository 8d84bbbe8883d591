"""Reading a job-creating request: names, document format and job template attributes.

Unsupported job template attributes or values go to the unsupported group: the job is
accepted with successful-ok-ignored-or-substituted-attributes, or refused with
client-error-attributes-or-values-not-supported when ipp-attribute-fidelity is true.

``overrides`` (PWG 5100.6) entries name documents (``document-numbers``) and/or pages
(``pages``) and change only attributes of ``OVERRIDABLE`` to supported values; a printer
whose ``page_overrides`` is off takes only document-wide entries.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from printwarden.ipp.attributes import Attribute, out_of_band
from printwarden.ipp.message import IppMessage
from printwarden.ipp.printer.capabilities import (
    MAX_COPIES,
    OVERRIDABLE,
    SUPPORTED_TEMPLATE_VALUES,
    media_col_supported,
    page_ranges_supported,
)
from printwarden.ipp.server.protocol import IppAttributesError
from printwarden.ipp.status import StatusCode
from printwarden.ipp.tags import DelimiterTag, ValueTag
from printwarden.ipp.values import Collection, NameWithLanguage, TextWithLanguage

__all__ = ["JobTicket", "document_format_of", "read_ticket"]


@dataclass(slots=True)
class JobTicket:
    name: str
    user: str
    document_name: str
    document_format: str
    template: dict[str, Attribute] = field(default_factory=dict)
    unsupported: list[Attribute] = field(default_factory=list)

    @property
    def hold_until(self) -> str:
        held = self.template.get("job-hold-until")
        return "no-hold" if held is None else str(held.value)

    @property
    def priority(self) -> int:
        found = self.template.get("job-priority")
        return found.value if found is not None and isinstance(found.value, int) else 50

    @property
    def status(self) -> StatusCode:
        return (StatusCode.SUCCESSFUL_OK_IGNORED_OR_SUBSTITUTED_ATTRIBUTES if self.unsupported
                else StatusCode.SUCCESSFUL_OK)


def _string(message: IppMessage, attribute_name: str, default: str) -> str:
    found = message.get(DelimiterTag.OPERATION, attribute_name)
    if found is None:
        return default
    value = found.value
    if isinstance(value, NameWithLanguage):
        return value.name
    if isinstance(value, TextWithLanguage):
        return value.text
    return value if isinstance(value, str) else default


def document_format_of(message: IppMessage, supported: tuple[str, ...]) -> str:
    """document-format, or client-error-document-format-not-supported."""
    fmt = _string(message, "document-format", "application/octet-stream").lower()
    if fmt not in supported:
        found = message.get(DelimiterTag.OPERATION, "document-format")
        raise IppAttributesError(StatusCode.CLIENT_ERROR_DOCUMENT_FORMAT_NOT_SUPPORTED,
                                 f"document-format {fmt!r} is not supported",
                                 [found] if found is not None else [])
    return fmt


def _integer_in(attribute: Attribute, low: int, high: int) -> bool:
    value = attribute.value
    return (len(attribute.values) == 1 and attribute.tag == ValueTag.INTEGER
            and isinstance(value, int) and not isinstance(value, bool) and low <= value <= high)


def _override_supported(entry: object, page_overrides: bool) -> bool:
    if not isinstance(entry, Collection):
        return False
    selectors = [n for n in ("document-numbers", "pages") if n in entry]
    changed = [n for n in entry if n not in selectors]
    if not selectors or not changed or (not page_overrides and "pages" in entry):
        return False
    return (all(page_ranges_supported(entry[n].values) for n in selectors)
            and all(n in OVERRIDABLE and _value_supported(entry[n]) for n in changed))


def _value_supported(attribute: Attribute, *, handling: tuple[str, ...] = (),
                     page_overrides: bool = True) -> bool:
    if attribute.name == "copies":
        return _integer_in(attribute, 1, MAX_COPIES)
    if attribute.name == "job-priority":
        return _integer_in(attribute, 1, 100)
    if attribute.name == "media-col":
        return len(attribute.values) == 1 and media_col_supported(attribute.value)
    if attribute.name == "page-ranges":
        return page_ranges_supported(attribute.values)
    if attribute.name == "overrides":
        return len(attribute.values) <= 100 and all(
            _override_supported(v, page_overrides) for v in attribute.values)
    if attribute.name == "multiple-document-handling" and handling:
        return len(attribute.values) == 1 and attribute.value in handling
    supported = SUPPORTED_TEMPLATE_VALUES.get(attribute.name)
    if supported is None:
        return False
    single = attribute.name != "finishings"
    return (not single or len(attribute.values) == 1) and all(
        v in supported for v in attribute.values)


_CHECKED_APART = ("copies", "job-priority", "media-col", "overrides", "page-ranges")


def _template(message: IppMessage, handling: tuple[str, ...],
              page_overrides: bool) -> tuple[dict[str, Attribute], list[Attribute]]:
    accepted: dict[str, Attribute] = {}
    unsupported: list[Attribute] = []
    candidates = [a for g in message.groups_with(DelimiterTag.JOB) for a in g.values()]
    held = message.get(DelimiterTag.OPERATION, "job-hold-until")  # as CUPS accepts it
    if held is not None and not any(a.name == held.name for a in candidates):
        candidates.append(held)
    for attribute in candidates:
        known = attribute.name in SUPPORTED_TEMPLATE_VALUES or attribute.name in _CHECKED_APART
        if _value_supported(attribute, handling=handling, page_overrides=page_overrides):
            accepted[attribute.name] = attribute
        elif known:
            unsupported.append(attribute)
        else:
            unsupported.append(out_of_band(attribute.name, ValueTag.UNSUPPORTED))
    return accepted, unsupported


def read_ticket(message: IppMessage, *, user: str, formats: tuple[str, ...],
                with_document: bool, handling: tuple[str, ...] = (),
                page_overrides: bool = True) -> JobTicket:
    """The ticket of Print-Job, Validate-Job or Create-Job (``with_document`` False);
    ``handling``: the multiple-document-handling values the printer supports."""
    fmt = document_format_of(message, formats) if with_document else "application/octet-stream"
    document_name = _string(message, "document-name", "")
    job_name = _string(message, "job-name", document_name or "Untitled")
    template, unsupported = _template(message, handling, page_overrides)
    fidelity = message.get(DelimiterTag.OPERATION, "ipp-attribute-fidelity")
    if unsupported and fidelity is not None and fidelity.value is True:
        raise IppAttributesError(StatusCode.CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED,
                                 "unsupported job template attributes or values", unsupported)
    return JobTicket(job_name, user, document_name or job_name, fmt, template, unsupported)
