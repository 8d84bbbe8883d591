"""What printwarden reads from a device over SNMP, and what it makes of it (pure, no I/O).

The objects (RFC 3805 Printer MIB v2, RFC 2790 Host Resources MIB, RFC 3418 SNMPv2-MIB):

- ``sysUpTime`` (TimeTicks, hundredths of a second, wraps at 2**32): a value lower than at
  the start of a session means the device restarted in between.
- ``prtMarkerLifeCount`` (Counter32): impressions over the device's life; the generic
  copy counter.
- ``hrPrinterStatus``, ``hrDeviceStatus`` and ``hrPrinterDetectedErrorState`` (an OCTET
  STRING of BITS, bit 0 the most significant bit of the first octet; missing octets are
  zero bits) give a :class:`DeviceStatus` whose reasons are PWG ``printer-state-reasons``.
- ``prtMarkerSuppliesDescription/MaxCapacity/Level`` give :class:`Supply` rows; the MIB's
  special values (-1 no restriction, -2 unknown, -3 "some remains") never become a
  percentage.

An OID given to the reader is either an instance (read with GET) or a subtree whose first
instance is read (GET answered "no such object", then GETNEXT inside the subtree): so
``prtMarkerLifeCount`` without an index reads the first marker of the first printer,
whatever its ``hrDeviceIndex``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum
from typing import Literal

__all__ = [
    "ERROR_STATE_BITS",
    "HR_DEVICE_STATUS",
    "HR_PRINTER_DETECTED_ERROR_STATE",
    "HR_PRINTER_STATUS",
    "PRT_MARKER_LIFE_COUNT",
    "PRT_MARKER_SUPPLIES_DESCRIPTION",
    "PRT_MARKER_SUPPLIES_LEVEL",
    "PRT_MARKER_SUPPLIES_MAX_CAPACITY",
    "SYS_UPTIME",
    "TIMETICKS_MODULUS",
    "CounterOid",
    "CounterReading",
    "DeviceProfile",
    "DeviceStatus",
    "HrDeviceStatus",
    "HrPrinterStatus",
    "Oid",
    "SnmpFailure",
    "Supply",
    "decode_error_state",
    "device_status",
    "format_oid",
    "parse_oid",
    "supply",
]

Oid = tuple[int, ...]

_OID_TEXT = re.compile(r"\.?[0-9]{1,10}(\.[0-9]{1,10}){1,127}")


def parse_oid(text: str) -> Oid:
    """``"1.3.6.1.2.1.1.3.0"`` -> a tuple; only ASCII digits, arcs below 2**32, at most
    128 arcs, first arc 0..2 (what BER can encode), else ``ValueError``."""
    if not _OID_TEXT.fullmatch(text):
        raise ValueError(f"not an OID (dotted ASCII numbers): {text[:80]!r}")
    arcs = tuple(int(arc) for arc in text.lstrip(".").split("."))
    if arcs[0] > 2 or any(arc >= 2**32 for arc in arcs):
        raise ValueError(f"not an OID (arc out of range): {text[:80]!r}")
    return arcs


def format_oid(oid: Oid) -> str:
    return ".".join(str(arc) for arc in oid)


SYS_UPTIME: Oid = (1, 3, 6, 1, 2, 1, 1, 3, 0)
TIMETICKS_MODULUS = 2**32
PRT_MARKER_LIFE_COUNT: Oid = (1, 3, 6, 1, 2, 1, 43, 10, 2, 1, 4)
HR_DEVICE_STATUS: Oid = (1, 3, 6, 1, 2, 1, 25, 3, 2, 1, 5)
HR_PRINTER_STATUS: Oid = (1, 3, 6, 1, 2, 1, 25, 3, 5, 1, 1)
HR_PRINTER_DETECTED_ERROR_STATE: Oid = (1, 3, 6, 1, 2, 1, 25, 3, 5, 1, 2)
PRT_MARKER_SUPPLIES_DESCRIPTION: Oid = (1, 3, 6, 1, 2, 1, 43, 11, 1, 1, 6)
PRT_MARKER_SUPPLIES_MAX_CAPACITY: Oid = (1, 3, 6, 1, 2, 1, 43, 11, 1, 1, 8)
PRT_MARKER_SUPPLIES_LEVEL: Oid = (1, 3, 6, 1, 2, 1, 43, 11, 1, 1, 9)


class HrPrinterStatus(IntEnum):
    other = 1
    unknown = 2
    idle = 3
    printing = 4
    warmup = 5


class HrDeviceStatus(IntEnum):
    unknown = 1
    running = 2
    warning = 3
    testing = 4
    down = 5


@dataclass(frozen=True)
class _ErrorBit:
    bit: int
    name: str
    """The MIB's name for the bit."""
    reason: str
    """The PWG ``printer-state-reasons`` keyword, with its severity suffix."""
    stops: bool
    """The device cannot print while it is set: a release to it is refused."""


#: Every bit RFC 3805 defines for ``hrPrinterDetectedErrorState``, in bit order.
ERROR_STATE_BITS: tuple[_ErrorBit, ...] = (
    _ErrorBit(0, "lowPaper", "media-low-warning", False),
    _ErrorBit(1, "noPaper", "media-empty-error", True),
    _ErrorBit(2, "lowToner", "toner-low-warning", False),
    _ErrorBit(3, "noToner", "toner-empty-error", True),
    _ErrorBit(4, "doorOpen", "door-open-error", True),
    _ErrorBit(5, "jammed", "media-jam-error", True),
    _ErrorBit(6, "offline", "offline-report", True),
    _ErrorBit(7, "serviceRequested", "other-warning", False),
    _ErrorBit(8, "inputTrayMissing", "input-tray-missing-warning", False),
    _ErrorBit(9, "outputTrayMissing", "output-tray-missing-error", True),
    _ErrorBit(10, "markerSupplyMissing", "marker-supply-missing-error", True),
    _ErrorBit(11, "outputNearFull", "output-area-almost-full-warning", False),
    _ErrorBit(12, "outputFull", "output-area-full-error", True),
    _ErrorBit(13, "inputTrayEmpty", "media-empty-warning", False),
    _ErrorBit(14, "overduePreventMaint", "other-warning", False),
)
_MESSAGES = {
    "lowPaper": "paper low", "noPaper": "out of paper", "lowToner": "toner low",
    "noToner": "out of toner", "doorOpen": "a door is open", "jammed": "paper jam",
    "offline": "offline", "serviceRequested": "service requested",
    "inputTrayMissing": "an input tray is missing",
    "outputTrayMissing": "an output tray is missing",
    "markerSupplyMissing": "a toner or ink cartridge is missing",
    "outputNearFull": "output tray nearly full", "outputFull": "output tray full",
    "inputTrayEmpty": "an input tray is empty",
    "overduePreventMaint": "preventive maintenance overdue",
}


def decode_error_state(octets: bytes) -> tuple[str, ...]:
    """The MIB names of the bits set in ``hrPrinterDetectedErrorState``, in bit order.
    Bits the MIB does not define (a longer string than two octets) are ignored."""
    found = []
    for entry in ERROR_STATE_BITS:
        byte, offset = divmod(entry.bit, 8)
        if byte < len(octets) and octets[byte] & (0x80 >> offset):
            found.append(entry.name)
    return tuple(found)


SupplyCondition = Literal["known", "some-remaining", "unrestricted", "unknown"]


@dataclass(frozen=True)
class Supply:
    """One ``prtMarkerSuppliesEntry``: ``percent`` only when level and capacity are both
    real (the MIB's -1/-2/-3 say "no limit", "unknown", "some remains")."""

    index: str
    description: str
    level: int
    max_capacity: int
    percent: int | None
    condition: SupplyCondition


def supply(index: str, description: str, level: int, max_capacity: int) -> Supply:
    condition: SupplyCondition
    percent = None
    if level == -3:
        condition = "some-remaining"
    elif level == -1 or max_capacity == -1:
        condition = "unrestricted"
    elif level >= 0 and max_capacity > 0:
        condition = "known"
        percent = min(100, level * 100 // max_capacity)
    else:  # -2 (unknown), a capacity of 0, or a value the MIB does not define
        condition = "unknown"
    return Supply(index, _printable(description), level, max_capacity, percent, condition)


def _printable(text: str, limit: int = 255) -> str:
    """What a device put in a DisplayString, fit to show: no control characters."""
    return "".join(ch for ch in text if ch.isprintable()).strip()[:limit]


DeviceState = Literal["idle", "printing", "stopped"]


@dataclass(frozen=True)
class DeviceStatus:
    """A device's state as SNMP tells it. ``state`` is ``stopped`` when
    ``hrDeviceStatus`` is ``down`` or any error bit that stops printing is set (jam, no
    paper, no toner, door open, offline, output full, tray or cartridge missing);
    ``reasons`` are PWG keywords, sorted, without duplicates; ``message`` says it in
    words for an operator or the person at the device."""

    state: DeviceState
    reasons: tuple[str, ...]
    message: str
    supplies: tuple[Supply, ...]
    errors: tuple[str, ...]
    """The MIB names of the error bits set."""
    printer_status: str
    device_status: str

    @property
    def accepts_jobs(self) -> bool:
        return self.state != "stopped"


def device_status(printer_status: int, device_status_value: int, error_state: bytes,
                  supplies: tuple[Supply, ...] = ()) -> DeviceStatus:
    """Combine the three Host Resources objects into one status (RFC 3805 section 2.2.13
    describes how they relate); values outside the MIB's enumerations read as unknown."""
    printer = _enum_name(HrPrinterStatus, printer_status)
    device = _enum_name(HrDeviceStatus, device_status_value)
    errors = decode_error_state(error_state)
    bits = [entry for entry in ERROR_STATE_BITS if entry.name in errors]
    stopped = device == "down" or any(entry.stops for entry in bits)
    state: DeviceState
    if stopped:
        state = "stopped"
    elif printer in ("printing", "warmup"):
        state = "printing"
    else:
        state = "idle"
    reasons = sorted({entry.reason for entry in bits})
    if device == "down" and not any(entry.stops for entry in bits):
        reasons.append("other-error")
    words = [_MESSAGES[name] for name in errors]
    if device == "down" and not words:
        words.append("the device reports itself down")
    if printer == "warmup" and not stopped:
        words.append("warming up")
    return DeviceStatus(state, tuple(sorted(set(reasons))), "; ".join(words), supplies,
                        errors, printer, device)


def _enum_name(enum: type[IntEnum], value: int) -> str:
    try:
        return enum(value).name
    except ValueError:
        return "unknown"


@dataclass(frozen=True)
class CounterOid:
    """Where a counter lives and where it rolls over: ``modulus`` is the first value the
    device never reports (2**32 for a Counter32; some vendors roll at 2**24)."""

    oid: Oid
    modulus: int = 2**32

    def __post_init__(self) -> None:
        if not 2 <= self.modulus <= 2**64:
            raise ValueError("a counter's modulus is between 2 and 2**64")


@dataclass(frozen=True)
class DeviceProfile:
    """Which OIDs hold a device's life counters: ``total`` always; ``mono`` and
    ``colour`` when the vendor publishes them. With ``colour`` but no ``mono``, mono
    pages are the total less the colour pages. ``source`` names the MIB or document the
    OIDs come from."""

    name: str
    description: str
    total: CounterOid
    mono: CounterOid | None = None
    colour: CounterOid | None = None
    source: str = ""

    def counters(self) -> dict[str, CounterOid]:
        found = {"total": self.total}
        if self.mono is not None:
            found["mono"] = self.mono
        if self.colour is not None:
            found["colour"] = self.colour
        return found


@dataclass(frozen=True)
class CounterReading:
    """A device's counters at one moment: ``uptime`` in TimeTicks (hundredths of a
    second), ``read_at`` the reader's clock when the answer came, ``profile`` the name of
    the profile read with (two readings compare only under the same profile)."""

    total: int
    mono: int | None
    colour: int | None
    uptime: int
    read_at: datetime
    profile: str

    def __post_init__(self) -> None:
        if self.read_at.tzinfo is None:
            raise ValueError("a counter reading needs an aware datetime")
        for value in (self.total, self.mono, self.colour, self.uptime):
            if value is not None and value < 0:
                raise ValueError("counters and uptime are never negative")


FailureKind = Literal["unreachable", "no-such-object", "bad-value", "error"]


@dataclass(frozen=True)
class SnmpFailure:
    """Why a device gave no reading: ``unreachable`` (no answer within the timeout and
    retries: off, wrong address, wrong community, SNMP disabled), ``no-such-object``
    (it answers but lacks an object we need: not a printer, a profile for another
    model), ``bad-value`` (an answer of the wrong type or range), ``error`` (an SNMP
    error status or anything else)."""

    kind: FailureKind
    detail: str
