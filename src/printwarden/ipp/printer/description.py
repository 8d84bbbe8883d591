"""Who the printer is and its printer description attributes (IPP Everywhere, PWG 5100.14)."""

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
    mime_media_type,
    name,
    natural_language,
    out_of_band,
    text,
    uri,
)
from printwarden.ipp.printer.capabilities import JOB_TEMPLATE_NAMES, job_template_capabilities
from printwarden.ipp.printer.clock import PrinterClock
from printwarden.ipp.printer.job import TimeStamp
from printwarden.ipp.printer.jobs import WHICH_JOBS
from printwarden.ipp.tags import ValueTag
from printwarden.ipp.values import RangeOfInteger, Resolution

__all__ = ["DOCUMENT_FORMATS", "PrinterDescription", "PrinterStatus", "printer_attributes"]

DOCUMENT_FORMATS: tuple[str, ...] = (
    "application/pdf", "image/pwg-raster", "image/urf", "image/jpeg",
    "application/octet-stream",
)


@dataclass(frozen=True, slots=True)
class PrinterDescription:
    """The fixed facts about a printer (``uuid`` is a bare UUID; we answer urn:uuid:...)."""

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


@dataclass(slots=True)
class PrinterStatus:
    """What changes: printer-state (3 idle, 4 processing, 5 stopped), reasons, acceptance."""

    state_changed: TimeStamp
    config_changed: TimeStamp
    state: int = 3
    reasons: tuple[str, ...] = ("none",)
    message: str = "Idle"
    accepting_jobs: bool = True


def _identity(desc: PrinterDescription, printer_uri: str, more_info: str) -> list[Attribute]:
    return [
        uri("printer-uri-supported", printer_uri),
        keyword("uri-security-supported", "none"),
        keyword("uri-authentication-supported", "requesting-user-name"),
        name("printer-name", desc.name[:127]),
        text("printer-info", desc.info[:127]),
        text("printer-location", desc.location[:127]),
        uri("printer-more-info", more_info),
        text("printer-make-and-model", desc.make_and_model[:127]),
        text("printer-device-id", f"MFG:printwarden;MDL:{desc.make_and_model[:60]};"
             "CMD:PDF,PWGRaster,URF,JPEG;"),
        uri("printer-uuid", f"urn:uuid:{desc.uuid}"),
        keyword("ipp-versions-supported", "1.1", "2.0"),
        keyword("ipp-features-supported", "ipp-everywhere"),
        text("printer-organization", desc.organization[:127]),
        text("printer-organizational-unit", desc.organizational_unit[:127]),
        out_of_band("printer-geo-location", ValueTag.UNKNOWN),
        charset("charset-configured", "utf-8"),
        charset("charset-supported", "utf-8", "us-ascii"),
        natural_language("natural-language-configured", "en"),
        natural_language("generated-natural-language-supported", "en"),
    ]


def _documents(desc: PrinterDescription) -> list[Attribute]:
    return [
        mime_media_type("document-format-default", "application/octet-stream"),
        mime_media_type("document-format-supported", *desc.document_formats),
        keyword("pdl-override-supported", "attempted"),
        keyword("compression-supported", *desc.compression),
        attr("job-k-octets-supported", RangeOfInteger(0, desc.max_document_octets // 1024)),
        boolean("multiple-document-jobs-supported", False),
        integer("multiple-operation-time-out", 60),
        keyword("multiple-operation-time-out-action", "process-job"),
        boolean("preferred-attributes-supported", False),
        keyword("printer-get-attributes-supported", "document-format"),
        keyword("job-creation-attributes-supported", *JOB_TEMPLATE_NAMES),
        boolean("job-ids-supported", True),
        keyword("which-jobs-supported", *WHICH_JOBS),
        keyword("identify-actions-default", "sound"),
        keyword("identify-actions-supported", "display", "sound"),
        boolean("color-supported", desc.color),
        integer("pages-per-minute", desc.pages_per_minute),
        *([integer("pages-per-minute-color", desc.pages_per_minute)] if desc.color else []),
        attr("pwg-raster-document-resolution-supported", Resolution(300, 300),
             Resolution(600, 600)),
        keyword("pwg-raster-document-sheet-back", "normal"),
        keyword("pwg-raster-document-type-supported",
                *(("sgray_8", "srgb_8") if desc.color else ("sgray_8",))),
        keyword("urf-supported", "V1.4", "CP1", "DM1", "IS1", "MT1-2", "RS300-600",
                *(("SRGB24", "W8") if desc.color else ("W8",))),
    ]


def printer_attributes(desc: PrinterDescription, status: PrinterStatus, *, printer_uri: str,
                       more_info: str, clock: PrinterClock, queued_jobs: int) -> list[Attribute]:
    """Every printer attribute, in a stable order."""
    return [
        *_identity(desc, printer_uri, more_info),
        enum("printer-state", status.state),
        keyword("printer-state-reasons", *status.reasons),
        text("printer-state-message", status.message[:255] or "Idle"),
        boolean("printer-is-accepting-jobs", status.accepting_jobs),
        integer("printer-up-time", clock.up_time()),
        attr("printer-current-time", clock.wall().replace(microsecond=0)),
        integer("printer-state-change-time", status.state_changed.up_time),
        attr("printer-state-change-date-time", status.state_changed.wall),
        integer("printer-config-change-time", status.config_changed.up_time),
        attr("printer-config-change-date-time", status.config_changed.wall),
        integer("queued-job-count", queued_jobs),
        enum("operations-supported", *sorted(desc.operations)),
        *_documents(desc),
        *job_template_capabilities(color=desc.color),
    ]
