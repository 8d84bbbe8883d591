"""Supplies and alerts a printer reports: printer-supply (PWG 5100.13), printer-alert
(PWG 5100.9) and their descriptions.

A value of printer-supply is the Printer MIB supply entry as ``key=value;`` pairs
("index=1;class=supplyThatIsConsumed;type=toner;unit=percent;maxcapacity=100;level=75;
colorantname=black;"). A printer that knows nothing of its supplies still answers the
attributes IPP Everywhere requires: one supply of type ``unknown`` whose level and
capacity are -2, the Printer MIB's "unknown". With no alert, printer-alert is one empty
string (the PWG's reading of PWG 5100.9 for "no alerts"; some printers say ``code=other``).

Values that come from a device are untrusted: ``device_supplies``/``device_alerts`` keep
at most ``MAX_ENTRIES`` entries of printable ASCII, bounded in length.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from printwarden.ipp.attributes import Attribute, octet_string, text, uri

__all__ = [
    "MAX_ENTRIES",
    "UNKNOWN_SUPPLY",
    "Alert",
    "Supply",
    "device_alerts",
    "device_supplies",
    "supply_attributes",
    "supply_level",
]

MAX_ENTRIES = 32
_MAX_VALUE = 1023
_MAX_TEXT = 255


@dataclass(frozen=True, slots=True)
class Supply:
    value: str
    description: str

    def fields(self) -> dict[str, str]:
        pairs = (item.partition("=") for item in self.value.split(";") if "=" in item)
        return {key.strip(): val.strip() for key, _, val in pairs}


@dataclass(frozen=True, slots=True)
class Alert:
    value: str
    description: str


UNKNOWN_SUPPLY = Supply("index=1;class=supplyThatIsConsumed;type=unknown;unit=percent;"
                        "maxcapacity=-2;level=-2;", "Supply levels not reported")
_NO_ALERT = Alert("", "")


def _printable(raw: object, limit: int) -> str:
    if isinstance(raw, bytes):
        raw = raw.decode("latin-1")
    if not isinstance(raw, str):
        return ""
    return "".join(c for c in raw if " " <= c <= "~")[:limit]


def _pairs(values: Iterable[object], descriptions: Iterable[object]) -> list[tuple[str, str]]:
    texts = [_printable(d, _MAX_TEXT) for d in descriptions]
    found: list[tuple[str, str]] = []
    for index, value in enumerate(values):
        if len(found) >= MAX_ENTRIES:
            break
        cleaned = _printable(value, _MAX_VALUE)
        if cleaned:
            found.append((cleaned, texts[index] if index < len(texts) else ""))
    return found


def device_supplies(values: Iterable[object], descriptions: Iterable[object]) -> tuple[
        Supply, ...]:
    """Supplies from a device's printer-supply / -description values (sanitised)."""
    return tuple(Supply(value, description or f"Supply {n}")
                 for n, (value, description) in enumerate(_pairs(values, descriptions), 1))


def device_alerts(values: Iterable[object], descriptions: Iterable[object]) -> tuple[
        Alert, ...]:
    """Alerts from a device's printer-alert / -description values (sanitised)."""
    return tuple(Alert(value, description) for value, description
                 in _pairs(values, descriptions))


def supply_attributes(supplies: tuple[Supply, ...], alerts: tuple[Alert, ...],
                      info_uri: str) -> list[Attribute]:
    """printer-supply, -description, -info-uri, printer-alert, -description."""
    shown = supplies or (UNKNOWN_SUPPLY,)
    raised = alerts or (_NO_ALERT,)
    return [
        octet_string("printer-supply", *(s.value.encode("ascii") for s in shown)),
        text("printer-supply-description", *(s.description for s in shown)),
        uri("printer-supply-info-uri", info_uri),
        octet_string("printer-alert", *(a.value.encode("ascii") for a in raised)),
        text("printer-alert-description", *(a.description for a in raised)),
    ]


def supply_level(supply: Supply) -> str:
    """A short level for people: "75%", "ok", "low", "unknown"."""
    fields = supply.fields()
    try:
        level, capacity = int(fields.get("level", "-2")), int(fields.get("maxcapacity", "-2"))
    except ValueError:
        return "unknown"
    if level == -3:
        return "ok"
    if level < 0:
        return "unknown"
    if capacity > 0 and fields.get("unit", "percent") != "percent":
        return f"{min(100, level * 100 // capacity)}%"
    return f"{min(level, 100)}%"
