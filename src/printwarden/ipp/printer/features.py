"""Printer description attributes of what the printer does: documents and jobs, what can
be set (RFC 3380), and event notifications (RFC 3995, RFC 3996 ``ippget``)."""

from __future__ import annotations

from printwarden.ipp.attributes import (
    Attribute,
    attr,
    boolean,
    integer,
    keyword,
    mime_media_type,
)
from printwarden.ipp.printer.capabilities import JOB_TEMPLATE_NAMES
from printwarden.ipp.printer.document import DOCUMENT_SETTABLE
from printwarden.ipp.printer.events import NOTIFY_EVENTS
from printwarden.ipp.printer.jobs import WHICH_JOBS
from printwarden.ipp.printer.subscriptions import NotifyLimits
from printwarden.ipp.values import RangeOfInteger, Resolution

__all__ = [
    "JOB_SETTABLE",
    "PRINTER_SETTABLE",
    "document_attributes",
    "notify_attributes",
    "settable_attributes",
]

#: job-settable-attributes-supported (Set-Job-Attributes).
JOB_SETTABLE: tuple[str, ...] = ("job-hold-until", "job-priority")
#: printer-settable-attributes-supported (Set-Printer-Attributes): text an operator sets.
PRINTER_SETTABLE: tuple[str, ...] = (
    "printer-geo-location", "printer-info", "printer-location",
    "printer-message-from-operator", "printer-organization", "printer-organizational-unit",
)


def document_attributes(formats: tuple[str, ...], compression: tuple[str, ...],
                        max_octets: int, *, color: bool,
                        pages_per_minute: int) -> list[Attribute]:
    return [
        mime_media_type("document-format-default", "application/octet-stream"),
        mime_media_type("document-format-supported", *formats),
        keyword("pdl-override-supported", "attempted"),
        keyword("compression-supported", *compression),
        attr("job-k-octets-supported", RangeOfInteger(0, max_octets // 1024)),
        boolean("multiple-document-jobs-supported", True),
        integer("multiple-operation-time-out", 60),
        keyword("multiple-operation-time-out-action", "process-job"),
        boolean("preferred-attributes-supported", False),
        keyword("printer-get-attributes-supported", "document-format"),
        keyword("job-creation-attributes-supported", *JOB_TEMPLATE_NAMES),
        boolean("job-ids-supported", True),
        keyword("which-jobs-supported", *WHICH_JOBS),
        keyword("identify-actions-default", "sound"),
        keyword("identify-actions-supported", "display", "sound"),
        boolean("color-supported", color),
        integer("pages-per-minute", pages_per_minute),
        *([integer("pages-per-minute-color", pages_per_minute)] if color else []),
        attr("pwg-raster-document-resolution-supported", Resolution(300, 300),
             Resolution(600, 600)),
        keyword("pwg-raster-document-sheet-back", "normal"),
        keyword("pwg-raster-document-type-supported",
                *(("sgray_8", "srgb_8") if color else ("sgray_8",))),
        keyword("urf-supported", "V1.4", "CP1", "DM1", "IS1", "MT1-2", "RS300-600",
                *(("SRGB24", "W8") if color else ("W8",))),
    ]


def settable_attributes() -> list[Attribute]:
    return [
        keyword("printer-settable-attributes-supported", *PRINTER_SETTABLE),
        keyword("job-settable-attributes-supported", *JOB_SETTABLE),
        keyword("document-settable-attributes-supported", *DOCUMENT_SETTABLE),
    ]


def notify_attributes(limits: NotifyLimits) -> list[Attribute]:
    return [
        keyword("notify-events-default", "job-completed"),
        keyword("notify-events-supported", *NOTIFY_EVENTS),
        integer("notify-lease-duration-default", limits.lease_default),
        attr("notify-lease-duration-supported", RangeOfInteger(1, limits.lease_max)),
        integer("notify-max-events-supported", limits.max_events),
        keyword("notify-pull-method-supported", "ippget"),
        integer("ippget-event-life", limits.event_life),
    ]
