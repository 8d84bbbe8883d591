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
    "NOBODY",
    "IppAttributesError",
    "IppRequest",
    "JobSummary",
    "Printer",
    "PrinterSummary",
    "Requester",
    "empty_document",
]


async def empty_document() -> AsyncIterator[bytes]:
    """A document stream with no data."""
    nothing: tuple[bytes, ...] = ()
    for chunk in nothing:
        yield chunk


@dataclass(frozen=True, slots=True)
class Requester:
    """Who asks, as far as the printer may believe it.

    ``user`` is the name that owns jobs and subscriptions: the authenticated user where the
    server authenticates, else the requesting-user-name of a printer that believes it (the
    virtual printer, a trusted-network queue); ``None`` when nobody is established (an
    unauthenticated request to a queue that authenticates): such a requester owns nothing
    and sees no one's private values. ``operator`` is only ever true for a user the server
    authenticated and whose roles include operator or admin.
    """

    user: str | None
    operator: bool = False

    def owns(self, owner: str) -> bool:
        return self.user is not None and self.user == owner

    def may_see(self, owner: str) -> bool:
        """Whether private values of something ``owner`` owns are shown to this requester."""
        return self.operator or self.owns(owner)


NOBODY = Requester(None)


@dataclass(frozen=True, slots=True)
class IppRequest:
    """A checked request: the message, what ``validate_request`` established, the URIs of
    the printer as this client reached it, the document data stream, and who asks
    (``requester``; ``None``: the requesting-user-name, or "anonymous", is believed)."""

    message: IppMessage
    valid: ValidRequest
    printer_uri: str
    more_info_uri: str
    document: AsyncIterator[bytes] = field(default_factory=empty_document)
    requester: Requester | None = None

    @property
    def who(self) -> Requester:
        if self.requester is not None:
            return self.requester
        return Requester(self.valid.requesting_user_name or "anonymous")


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
    """What the HTML status page shows (job names and owners already masked for the
    viewer); ``supplies`` are (description, level text) pairs."""

    name: str
    info: str
    location: str
    make_and_model: str
    state: str
    state_reasons: tuple[str, ...]
    accepting_jobs: bool
    jobs: tuple[JobSummary, ...] = ()
    message: str = ""
    supplies: tuple[tuple[str, str], ...] = ()
    alerts: tuple[str, ...] = ()


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

    def summary(self, viewer: Requester = NOBODY) -> PrinterSummary:
        """The status page's view for ``viewer`` (others' job names and owners masked)."""
        ...
