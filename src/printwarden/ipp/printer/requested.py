"""``requested-attributes``: which attributes an answer carries (RFC 8011 section 4.2.5.1)."""

from __future__ import annotations

from collections.abc import Iterable

from printwarden.ipp.attributes import Attribute
from printwarden.ipp.message import IppMessage
from printwarden.ipp.printer.capabilities import JOB_TEMPLATE_NAMES
from printwarden.ipp.tags import DelimiterTag

__all__ = ["requested_names", "select_job_attributes", "select_printer_attributes"]

_TEMPLATE_BASES = frozenset({*JOB_TEMPLATE_NAMES, "page-ranges", "media-size", "media-source",
                             "media-type", "media-bottom-margin", "media-left-margin",
                             "media-right-margin", "media-top-margin"})
_SUFFIXES = ("-default", "-supported", "-ready", "-database")


def requested_names(message: IppMessage, default: Iterable[str] = ("all",)) -> frozenset[str]:
    """The requested-attributes keywords of the request, or ``default``."""
    found = message.get(DelimiterTag.OPERATION, "requested-attributes")
    if found is None:
        return frozenset(default)
    return frozenset(str(value) for value in found.values)


def _is_printer_template(attribute_name: str) -> bool:
    for suffix in _SUFFIXES:
        if attribute_name.endswith(suffix):
            return attribute_name[: -len(suffix)] in _TEMPLATE_BASES
    return False


def select_printer_attributes(attributes: Iterable[Attribute],
                              requested: frozenset[str]) -> list[Attribute]:
    if "all" in requested:
        return list(attributes)
    template = "job-template" in requested
    description = "printer-description" in requested
    return [a for a in attributes if a.name in requested
            or (template and _is_printer_template(a.name))
            or (description and not _is_printer_template(a.name))]


def select_job_attributes(attributes: Iterable[Attribute],
                          requested: frozenset[str]) -> list[Attribute]:
    if "all" in requested:
        return list(attributes)
    template = "job-template" in requested
    description = "job-description" in requested
    return [a for a in attributes if a.name in requested
            or (template and a.name in JOB_TEMPLATE_NAMES)
            or (description and a.name not in JOB_TEMPLATE_NAMES)]
