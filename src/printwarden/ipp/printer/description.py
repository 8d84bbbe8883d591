"""Who the printer is and its printer description attributes (IPP Everywhere, PWG 5100.14,
IPP/2.2 per PWG 5100.12).

``IPP_VERSIONS`` is what ipp-versions-supported claims: each version whose required
operations and attributes the printer implements (checked by ipptool's ipp-1.1, ipp-2.0,
ipp-2.1 and ipp-2.2 suites in the tests). Requests of IPP/1.0 are still answered, as
RFC 8011 asks of a 1.1 printer, without being claimed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from printwarden.ipp.attributes import (
    Attribute,
    attr,
    boolean,
    charset,
    enum,
    integer,
    keyword,
    name,
    natural_language,
    out_of_band,
    text,
    uri,
)
from printwarden.ipp.printer.capabilities import job_template_capabilities
from printwarden.ipp.printer.clock import PrinterClock
from printwarden.ipp.printer.controls import EffectiveState, PrinterControls
from printwarden.ipp.printer.features import (
    document_attributes,
    notify_attributes,
    settable_attributes,
)
from printwarden.ipp.printer.job import TimeStamp
from printwarden.ipp.printer.subscriptions import NotifyLimits
from printwarden.ipp.printer.supplies import Alert, Supply, supply_attributes
from printwarden.ipp.server.icons import ICON_SIZES
from printwarden.ipp.tags import ValueTag

__all__ = [
    "DOCUMENT_FORMATS",
    "IPP_VERSIONS",
    "PrinterDescription",
    "PrinterStatus",
    "printer_attributes",
]

DOCUMENT_FORMATS: tuple[str, ...] = (
    "application/pdf", "image/pwg-raster", "image/urf", "image/jpeg",
    "application/octet-stream",
)
IPP_VERSIONS: tuple[str, ...] = ("1.1", "2.0", "2.1", "2.2")


@dataclass(frozen=True, slots=True)
class PrinterDescription:
    """The fixed facts about a printer (``uuid`` is a bare UUID; we answer urn:uuid:...).

    ``document_handling``: multiple-document-handling-supported, the default first;
    ``page_overrides``: whether ``overrides`` may name pages (else only documents).
    """

    name: str
    info: str = "printwarden virtual printer"
    location: str = ""
    make_and_model: str = "printwarden Virtual Printer"
    organization: str = ""
    organizational_unit: str = ""
    uuid: str = field(default_factory=lambda: str(uuid.uuid4()))
    document_formats: tuple[str, ...] = DOCUMENT_FORMATS
    color: bool = True
    pages_per_minute: int = 20
    max_document_octets: int = 1 << 30
    compression: tuple[str, ...] = ("none", "gzip")
    operations: tuple[int, ...] = ()
    document_handling: tuple[str, ...] = ("separate-documents-collated-copies",
                                          "separate-documents-uncollated-copies")
    page_overrides: bool = True


@dataclass(slots=True)
class PrinterStatus:
    """What the printer reports of itself: printer-state (3 idle, 4 processing, 5 stopped),
    reasons, acceptance, and its supplies and alerts (none known: empty)."""

    state_changed: TimeStamp
    config_changed: TimeStamp
    state: int = 3
    reasons: tuple[str, ...] = ("none",)
    message: str = "Idle"
    accepting_jobs: bool = True
    supplies: tuple[Supply, ...] = ()
    alerts: tuple[Alert, ...] = ()


def _identity(desc: PrinterDescription, controls: PrinterControls, printer_uri: str,
              more_info: str) -> list[Attribute]:
    shown = controls.overrides
    base = more_info.split("/ipp/", 1)[0]
    geo = shown.get("printer-geo-location", "")
    return [
        uri("printer-uri-supported", printer_uri),
        keyword("uri-security-supported", "none"),
        keyword("uri-authentication-supported", "requesting-user-name"),
        name("printer-name", desc.name[:127]),
        text("printer-info", shown.get("printer-info", desc.info)[:127]),
        text("printer-location", shown.get("printer-location", desc.location)[:127]),
        uri("printer-more-info", more_info),
        text("printer-make-and-model", desc.make_and_model[:127]),
        text("printer-device-id", f"MFG:printwarden;MDL:{desc.make_and_model[:60]};"
             "CMD:PDF,PWGRaster,URF,JPEG;"),
        uri("printer-uuid", f"urn:uuid:{desc.uuid}"),
        keyword("ipp-versions-supported", *IPP_VERSIONS),
        keyword("ipp-features-supported", "ipp-everywhere"),
        text("printer-organization",
             shown.get("printer-organization", desc.organization)[:127]),
        text("printer-organizational-unit",
             shown.get("printer-organizational-unit", desc.organizational_unit)[:127]),
        uri("printer-geo-location", geo) if geo
        else out_of_band("printer-geo-location", ValueTag.UNKNOWN),
        uri("printer-icons", *(f"{base}/icons/{size}.png" for size in ICON_SIZES)),
        text("printer-message-from-operator", controls.message_from_operator[:127]),
        charset("charset-configured", "utf-8"),
        charset("charset-supported", "utf-8", "us-ascii"),
        natural_language("natural-language-configured", "en"),
        natural_language("generated-natural-language-supported", "en"),
    ]


def printer_attributes(desc: PrinterDescription, status: PrinterStatus, shown: EffectiveState,
                       controls: PrinterControls, *, printer_uri: str, more_info: str,
                       clock: PrinterClock, queued_jobs: int,
                       limits: NotifyLimits) -> list[Attribute]:
    """Every printer attribute, in a stable order (``shown``: the effective state)."""
    return [
        *_identity(desc, controls, printer_uri, more_info),
        enum("printer-state", shown.state),
        keyword("printer-state-reasons", *shown.reasons),
        text("printer-state-message", shown.message[:255] or "Idle"),
        boolean("printer-is-accepting-jobs", shown.accepting),
        *supply_attributes(status.supplies, status.alerts, more_info),
        integer("printer-up-time", clock.up_time()),
        attr("printer-current-time", clock.wall().replace(microsecond=0)),
        integer("printer-state-change-time", status.state_changed.up_time),
        attr("printer-state-change-date-time", status.state_changed.wall),
        integer("printer-config-change-time", status.config_changed.up_time),
        attr("printer-config-change-date-time", status.config_changed.wall),
        integer("queued-job-count", queued_jobs),
        enum("operations-supported", *sorted(desc.operations)),
        *document_attributes(desc.document_formats, desc.compression,
                             desc.max_document_octets, color=desc.color,
                             pages_per_minute=desc.pages_per_minute),
        *settable_attributes(),
        *notify_attributes(limits),
        *job_template_capabilities(color=desc.color, document_handling=desc.document_handling),
    ]
