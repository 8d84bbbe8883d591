"""What the IPP server hands to a printer, and what it expects of one.

The server parses and checks the request (RFC 8011 section 4.1), then awaits
``printer.handle(request)``; ``request.document`` streams the document data that
followed the attributes (already decompressed), chunk by chunk, never all at once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import Protocol

from printwarden.ipp.attributes import Attribute
from printwarden.ipp.errors import IppError
from printwarden.ipp.message import IppMessage
from printwarden.ipp.request import ValidRequest

__all__ = [
    "IppAttributesError",
    "IppRequest",
    "JobSummary",
    "Printer",
    "PrinterSummary",
    "empty_document",
]


async def empty_document() -> AsyncIterator[bytes]:
    """A document stream with no data."""
    nothing: tuple[bytes, ...] = ()
    for chunk in nothing:
        yield chunk


@dataclass(frozen=True, slots=True)
class IppRequest:
    """A checked request: the message, what ``validate_request`` established, the URIs of
    the printer as this client reached it, and the document data stream."""

    message: IppMessage
    valid: ValidRequest
    printer_uri: str
    more_info_uri: str
    document: AsyncIterator[bytes] = field(default_factory=empty_document)


class IppAttributesError(IppError):
    """An ``IppError`` whose answer lists the offending attributes in the unsupported group."""

    def __init__(self, status: int, message: str, unsupported: Iterable[Attribute]) -> None:
        super().__init__(status, message)
        self.unsupported = tuple(unsupported)


@dataclass(frozen=True, slots=True)
class JobSummary:
    job_id: int
    name: str
    user: str
    state: str


@dataclass(frozen=True, slots=True)
class PrinterSummary:
    """What the HTML status page shows."""

    name: str
    info: str
    location: str
    make_and_model: str
    state: str
    state_reasons: tuple[str, ...]
    accepting_jobs: bool
    jobs: tuple[JobSummary, ...] = ()


class Printer(Protocol):
    """An IPP printer object the server dispatches operations to."""

    @property
    def name(self) -> str: ...

    @property
    def operations_supported(self) -> frozenset[int]: ...

    @property
    def compression_supported(self) -> tuple[str, ...]: ...

    async def handle(self, request: IppRequest) -> IppMessage:
        """Answer one request; raise ``IppError`` (or ``IppAttributesError``) to refuse it."""
        ...

    def summary(self) -> PrinterSummary: ...
