"""One document of a job (PWG 5100.5 Document object): its state and its attributes.

A document follows its job (``start``/``end`` are called by the job's transitions) unless
it was canceled alone (Cancel-Document): a canceled document stays canceled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from printwarden.ipp.attributes import (
    Attribute,
    attr,
    boolean,
    enum,
    integer,
    keyword,
    mime_media_type,
    name,
    out_of_band,
    text,
    uri,
)
from printwarden.ipp.tags import ValueTag

if TYPE_CHECKING:
    from printwarden.ipp.printer.job import TimeStamp

__all__ = ["DOCUMENT_SETTABLE", "Document", "document_attributes"]

#: document-settable-attributes-supported (Set-Document-Attributes).
DOCUMENT_SETTABLE: tuple[str, ...] = ("document-name",)

_STATES = {"pending": 3, "processing": 5, "canceled": 7, "aborted": 8, "completed": 9}
_REASONS = {"pending": "none", "processing": "processing-to-stop-point",
            "canceled": "canceled-by-user", "aborted": "aborted-by-system",
            "completed": "completed-successfully"}


@dataclass(slots=True)
class Document:
    """``state`` is a PWG 5100.5 document-state keyword (pending .. completed)."""

    number: int
    name: str
    format: str
    created: TimeStamp
    octets: int = 0
    impressions: int = 0
    state: str = "pending"
    processing: TimeStamp | None = None
    completed: TimeStamp | None = None
    location: str = ""
    """Where the sink keeps it (the agent's local job id; a file of the virtual printer)."""

    @property
    def is_terminal(self) -> bool:
        return self.state in ("canceled", "aborted", "completed")

    def start(self, now: TimeStamp) -> None:
        if not self.is_terminal:
            self.state, self.processing = "processing", now

    def end(self, now: TimeStamp, state: str) -> None:
        if not self.is_terminal:
            self.state, self.completed = state, now
            self.processing = self.processing or now

    def cancel(self, now: TimeStamp) -> None:
        self.end(now, "canceled")

    def reset(self) -> None:
        if self.state != "canceled":
            self.state, self.processing, self.completed = "pending", None, None


def _times(label: str, stamp: TimeStamp | None) -> list[Attribute]:
    if stamp is None:
        return [out_of_band(f"time-at-{label}", ValueTag.NO_VALUE),
                out_of_band(f"date-time-at-{label}", ValueTag.NO_VALUE)]
    return [integer(f"time-at-{label}", stamp.up_time),
            attr(f"date-time-at-{label}", stamp.wall)]


def document_attributes(document: Document, *, job_id: int, job_uri: str, printer_uri: str,
                        up_time: int, last: bool, visible: bool) -> list[Attribute]:
    """Get-Document-Attributes / Get-Documents; ``visible`` False masks document-name."""
    return [
        integer("document-number", document.number),
        integer("document-job-id", job_id),
        uri("document-job-uri", job_uri),
        uri("document-printer-uri", printer_uri),
        name("document-name", document.name[:255] if visible else "(hidden)"),
        mime_media_type("document-format", document.format),
        enum("document-state", _STATES[document.state]),
        keyword("document-state-reasons", _REASONS[document.state]),
        text("document-state-message", document.state.capitalize()),
        integer("impressions", document.impressions),
        integer("k-octets", (document.octets + 1023) // 1024),
        boolean("last-document", last),
        integer("printer-up-time", up_time),
        *_times("creation", document.created),
        *_times("processing", document.processing),
        *_times("completed", document.completed),
    ]
