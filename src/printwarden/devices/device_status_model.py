"""A device's last known status, as the agent that serves it reports it.

Invariants:

- ``state`` is one of ``idle``, ``processing``, ``stopped``: an agent that cannot reach
  its device reports ``stopped`` with ``offline-report`` (the device is then as good as
  stopped for a release).
- ``reasons`` are PWG ``printer-state-reasons`` keywords (RFC 8011 5.4.12; the SNMP
  mapping in ``release/snmp_model.py`` yields the same keywords): lower-case ASCII
  letters, digits and hyphens, at most ``MAX_REASONS``, sorted, without duplicates, and
  without ``none`` (no reason is the empty tuple).
- ``message`` is printable text of at most ``MAX_MESSAGE`` characters (control
  characters a device put in its message are dropped, never stored).
- ``supplies`` are at most ``MAX_SUPPLIES`` :class:`SupplyLevel` rows: a printable
  description of at most ``MAX_SUPPLY_DESCRIPTION`` characters, a ``percent`` from 0 to
  100 only when the device gave both a level and a capacity (``condition`` ``known``),
  else None with the condition saying why (``some-remaining``, ``unrestricted``,
  ``unknown``: the Printer MIB's -3, -1 and -2).
- ``reported_at`` is the server's time of the report, not the agent's: agents' clocks
  are not trusted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from printwarden.core.errors import ValidationError

DeviceState = Literal["idle", "processing", "stopped"]
DEVICE_STATES: tuple[DeviceState, ...] = ("idle", "processing", "stopped")
MAX_REASONS = 32
MAX_MESSAGE = 500
MAX_SUPPLIES = 32
MAX_SUPPLY_DESCRIPTION = 255
SUPPLY_CONDITIONS = ("known", "some-remaining", "unrestricted", "unknown")
_REASON = re.compile(r"[a-z][a-z0-9-]{0,62}")


@dataclass(frozen=True)
class SupplyLevel:
    """One supply (toner, drum, waste...) as last reported."""

    description: str
    percent: int | None
    condition: str

    def describe(self) -> str:
        """``"Black Toner 80 %"``, ``"Waste box (some remaining)"``."""
        if self.percent is not None:
            return f"{self.description} {self.percent} %"
        return f"{self.description} ({self.condition.replace('-', ' ')})"


@dataclass(frozen=True)
class DeviceStatusReport:
    device_id: str
    state: DeviceState
    reasons: tuple[str, ...]
    message: str
    reported_at: datetime
    supplies: tuple[SupplyLevel, ...] = ()

    @property
    def stopped(self) -> bool:
        return self.state == "stopped"


def _printable(text: str, limit: int) -> str:
    return "".join(ch for ch in text if ch.isprintable()).strip()[:limit]


def check_supply(description: str, percent: int | None, condition: str) -> SupplyLevel:
    """A valid supply row, or ValidationError. A percent comes only with ``known``."""
    if condition not in SUPPLY_CONDITIONS:
        raise ValidationError("a supply's condition is one of " + ", ".join(SUPPLY_CONDITIONS))
    if condition == "known":
        if isinstance(percent, bool) or not isinstance(percent, int) \
                or not 0 <= percent <= 100:
            raise ValidationError("a known supply level is a percent from 0 to 100")
    elif percent is not None:
        raise ValidationError(f"a supply that is {condition} has no percent")
    return SupplyLevel(_printable(description, MAX_SUPPLY_DESCRIPTION) or "supply",
                       percent, condition)


def check_report(device_id: str, state: str, reasons: Iterable[str], message: str,
                 reported_at: datetime,
                 supplies: Iterable[SupplyLevel] = ()) -> DeviceStatusReport:
    """A valid report, or ValidationError saying what is wrong."""
    if state not in DEVICE_STATES:
        raise ValidationError(f"state must be one of {', '.join(DEVICE_STATES)}")
    listed = list(reasons)
    if len(listed) > MAX_REASONS:
        raise ValidationError(f"at most {MAX_REASONS} printer-state-reasons")
    for reason in listed:
        if not (reason.isascii() and _REASON.fullmatch(reason)):
            raise ValidationError(f"{reason[:70]!r} is not a printer-state-reasons keyword")
    kept = tuple(sorted(set(listed) - {"none"}))
    levels = tuple(check_supply(s.description, s.percent, s.condition) for s in supplies)
    if len(levels) > MAX_SUPPLIES:
        raise ValidationError(f"at most {MAX_SUPPLIES} supplies")
    return DeviceStatusReport(device_id, state, kept, _printable(message, MAX_MESSAGE),
                              reported_at, levels)


def release_refusal(report: DeviceStatusReport | None, device_name: str) -> str | None:
    """Why a release to the device must not go ahead (the job stays held), or None."""
    if report is None or not report.stopped:
        return None
    why = report.message or ", ".join(report.reasons) or "no reason given"
    return (f"device {device_name} is stopped ({why}, reported "
            f"{report.reported_at:%Y-%m-%d %H:%M} UTC): the job stays held; release it "
            "once the device works again, or at another device")
