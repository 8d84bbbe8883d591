"""``requested-attributes``: which attributes an answer carries (RFC 8011 section 4.2.5.1).

Group names select sets: ``all`` (the default of Get-Printer-Attributes and
Get-Job-Attributes), ``printer-description`` / ``job-description`` and ``job-template``.
``media-col-database`` can be long (one collection per supported medium): as PWG 5100.7
and CUPS have it, no group includes it; it is returned only when asked for by name.
"""

from __future__ import annotations

from collections.abc import Iterable

from printwarden.ipp.attributes import Attribute
from printwarden.ipp.message import IppMessage
from printwarden.ipp.printer.capabilities import JOB_TEMPLATE_NAMES
from printwarden.ipp.tags import DelimiterTag

__all__ = ["requested_names", "select_job_attributes", "select_printer_attributes",
           "select_subscription_attributes"]

_TEMPLATE_BASES = frozenset({*JOB_TEMPLATE_NAMES, "page-ranges", "media-size", "media-source",
                             "media-type", "media-bottom-margin", "media-left-margin",
                             "media-right-margin", "media-top-margin"})
_SUFFIXES = ("-default", "-supported", "-ready", "-database")
_BY_NAME_ONLY = frozenset({"media-col-database"})


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
    every = "all" in requested
    template = every or "job-template" in requested
    description = every or "printer-description" in requested
    return [a for a in attributes if a.name in requested or (
        a.name not in _BY_NAME_ONLY
        and ((template and _is_printer_template(a.name))
             or (description and not _is_printer_template(a.name))))]


def select_job_attributes(attributes: Iterable[Attribute],
                          requested: frozenset[str]) -> list[Attribute]:
    if "all" in requested:
        return list(attributes)
    template = "job-template" in requested
    description = "job-description" in requested
    return [a for a in attributes if a.name in requested
            or (template and a.name in JOB_TEMPLATE_NAMES)
            or (description and a.name not in JOB_TEMPLATE_NAMES)]


_SUBSCRIPTION_TEMPLATE = frozenset({
    "notify-charset", "notify-events", "notify-lease-duration", "notify-natural-language",
    "notify-pull-method", "notify-recipient-uri", "notify-time-interval", "notify-user-data",
})


def select_subscription_attributes(attributes: Iterable[Attribute],
                                   requested: frozenset[str]) -> list[Attribute]:
    """``all``, ``subscription-template`` and ``subscription-description`` (RFC 3995)."""
    every = "all" in requested
    template = every or "subscription-template" in requested
    description = every or "subscription-description" in requested
    return [a for a in attributes if a.name in requested
            or (template and a.name in _SUBSCRIPTION_TEMPLATE)
            or (description and a.name not in _SUBSCRIPTION_TEMPLATE)]
