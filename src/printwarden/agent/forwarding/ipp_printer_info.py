"""What a Get-Printer-Attributes answer tells the IPP forwarder, and status triage.

Besides what sending needs, the answer tells the device's state, its supplies
(printer-supply and -description, PWG 5100.13) and alerts (printer-alert and
-description, PWG 5100.9): ``device_status`` carries them to the agent's queue, which
shows them to its own IPP clients. Those values come from a device on the network:
they are cleaned (printable ASCII, bounded length and count) before anyone sees them.
"""

from __future__ import annotations

from dataclasses import dataclass

from printwarden.agent.forwarding.interface import DeviceAlert, DeviceStatus, DeviceSupply
from printwarden.ipp import DelimiterTag, IppMessage, RangeOfInteger, StatusCode
from printwarden.ipp.printer.supplies import device_alerts, device_supplies

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
    "printer-is-accepting-jobs", "printer-supply", "printer-supply-description",
    "printer-supply-info-uri", "printer-alert", "printer-alert-description",
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
    supplies: tuple[DeviceSupply, ...] = ()
    alerts: tuple[DeviceAlert, ...] = ()
    supply_info_uri: str = ""

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
        supplies = device_supplies(values_of(answer, printer, "printer-supply"),
                                   values_of(answer, printer, "printer-supply-description"))
        alerts = device_alerts(values_of(answer, printer, "printer-alert"),
                               values_of(answer, printer, "printer-alert-description"))
        info_uri = values_of(answer, printer, "printer-supply-info-uri")
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
            supplies=tuple(DeviceSupply(s.value, s.description) for s in supplies),
            alerts=tuple(DeviceAlert(a.value, a.description) for a in alerts),
            supply_info_uri=str(info_uri[0])[:1023]
            if info_uri and isinstance(info_uri[0], str) else "",
        )

    def device_status(self) -> DeviceStatus:
        return DeviceStatus(reachable=True, state=self.state, reasons=self.reasons,
                            message=self.message, supplies=self.supplies, alerts=self.alerts,
                            supply_info_uri=self.supply_info_uri)

    def format_for(self, document_format: str) -> str | None:
        """The document-format to send, or None when the printer cannot take the file."""
        if not self.formats or document_format in self.formats:
            return document_format
        if "application/octet-stream" in self.formats:
            return "application/octet-stream"
        return None
