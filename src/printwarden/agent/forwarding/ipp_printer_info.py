"""What a Get-Printer-Attributes answer tells the IPP forwarder, and status triage."""

from __future__ import annotations

from dataclasses import dataclass

from printwarden.agent.forwarding.interface import DeviceStatus
from printwarden.ipp import DelimiterTag, IppMessage, RangeOfInteger, StatusCode

__all__ = [
    "PRINTER_QUERY",
    "RETRYABLE_STATUS",
    "PrinterInfo",
    "status_keyword",
    "values_of",
]

PRINTER_QUERY = (
    "document-format-supported", "operations-supported", "copies-supported",
    "sides-supported", "print-color-mode-supported", "media-supported",
    "printer-state", "printer-state-reasons", "printer-state-message",
    "printer-is-accepting-jobs",
)

RETRYABLE_STATUS = frozenset({
    StatusCode.CLIENT_ERROR_TIMEOUT,
    StatusCode.SERVER_ERROR_SERVICE_UNAVAILABLE,
    StatusCode.SERVER_ERROR_DEVICE_ERROR,
    StatusCode.SERVER_ERROR_TEMPORARY_ERROR,
    StatusCode.SERVER_ERROR_NOT_ACCEPTING_JOBS,
    StatusCode.SERVER_ERROR_BUSY,
    StatusCode.SERVER_ERROR_PRINTER_IS_DEACTIVATED,
    StatusCode.SERVER_ERROR_TOO_MANY_JOBS,
})

_STATES = {3: "idle", 4: "processing", 5: "stopped"}


def status_keyword(code: int) -> str:
    try:
        return StatusCode(code).keyword
    except ValueError:
        return f"status 0x{code:04x}"


def values_of(message: IppMessage, group_tag: int, name: str) -> tuple[object, ...]:
    attribute = message.get(group_tag, name)
    return attribute.values if attribute is not None else ()


@dataclass(frozen=True)
class PrinterInfo:
    formats: frozenset[str]
    operations: frozenset[int]
    copies_max: int | None
    """None when the printer did not say (copies then sent as asked)."""
    sides: frozenset[str]
    color_modes: frozenset[str]
    media: frozenset[str]
    state: str
    reasons: tuple[str, ...]
    message: str
    accepting: bool

    @classmethod
    def from_response(cls, answer: IppMessage) -> PrinterInfo:
        def strings(attr_name: str) -> frozenset[str]:
            return frozenset(str(v) for v in values_of(answer, DelimiterTag.PRINTER, attr_name))

        printer = DelimiterTag.PRINTER
        copies = values_of(answer, printer, "copies-supported")
        copies_max: int | None = None
        if copies and isinstance(copies[0], RangeOfInteger):
            copies_max = copies[0].upper
        state = values_of(answer, printer, "printer-state")
        accepting = values_of(answer, printer, "printer-is-accepting-jobs")
        reasons = tuple(str(v) for v in values_of(answer, printer, "printer-state-reasons"))
        message = values_of(answer, printer, "printer-state-message")
        return cls(
            formats=strings("document-format-supported"),
            operations=frozenset(
                v for v in values_of(answer, printer, "operations-supported")
                if isinstance(v, int)),
            copies_max=copies_max,
            sides=strings("sides-supported"),
            color_modes=strings("print-color-mode-supported"),
            media=strings("media-supported"),
            state=_STATES.get(state[0], "unknown") if state and isinstance(state[0], int)
            else "unknown",
            reasons=tuple(r for r in reasons if r != "none"),
            message=str(message[0]) if message else "",
            accepting=accepting[0] is not False if accepting else True,
        )

    def device_status(self) -> DeviceStatus:
        return DeviceStatus(reachable=True, state=self.state, reasons=self.reasons,
                            message=self.message)

    def format_for(self, document_format: str) -> str | None:
        """The document-format to send, or None when the printer cannot take the file."""
        if not self.formats or document_format in self.formats:
            return document_format
        if "application/octet-stream" in self.formats:
            return "application/octet-stream"
        return None
