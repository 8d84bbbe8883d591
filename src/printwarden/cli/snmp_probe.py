"""``printwarden admin snmp-probe``: read a device's counters, status and supplies once.

For an administrator setting up a device: does it answer SNMP with this community, does
the profile find its counters, what does it say about itself. Reads nothing from and
writes nothing to the database.
"""

from __future__ import annotations

import asyncio
import re

from printwarden.release.snmp_model import (
    CounterReading,
    DeviceProfile,
    DeviceStatus,
    SnmpFailure,
    Supply,
)
from printwarden.release.snmp_reader import SnmpReader, SnmpTarget

__all__ = ["ascii_number", "probe_lines"]

_NUMBER = re.compile(r"[0-9]{1,6}(\.[0-9]{1,3})?")


def ascii_number(text: str, what: str, low: float, high: float, *,
                 whole: bool = True) -> float:
    """A number typed by a person: ASCII digits only (no Arabic-Indic or fullwidth
    digits, which Python's int() would accept), within bounds."""
    if not _NUMBER.fullmatch(text) or (whole and "." in text):
        kind = "a whole number" if whole else "a number"
        raise ValueError(f"{what} must be {kind} in ASCII digits, not {text[:20]!r}")
    value = float(text)
    if not low <= value <= high:
        raise ValueError(f"{what} must be from {low:g} to {high:g}")
    return value


async def probe_lines(reader: SnmpReader, target: SnmpTarget,
                      profile: DeviceProfile) -> tuple[list[str], bool]:
    """What to print, and whether both reads succeeded."""
    counters, status = await asyncio.gather(reader.read_counters(target, profile),
                                            reader.read_status(target))
    lines = [f"device {target.host}:{target.port} (SNMPv2c, profile {profile.name})"]
    lines.append(_counters_line(counters))
    lines.extend(_status_lines(status))
    return lines, not isinstance(counters, SnmpFailure) and not isinstance(status,
                                                                           SnmpFailure)


def _counters_line(counters: CounterReading | SnmpFailure) -> str:
    if isinstance(counters, SnmpFailure):
        return f"counters: {counters.kind}: {counters.detail}"

    def shown(value: int | None) -> str:
        return "-" if value is None else str(value)

    return (f"counters: total {counters.total}, mono {shown(counters.mono)}, colour "
            f"{shown(counters.colour)}; up {_uptime(counters.uptime)}")


def _uptime(ticks: int) -> str:
    minutes, seconds = divmod(ticks // 100, 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    return f"{days}d {hours:02d}:{minutes:02d}:{seconds:02d}"


def _status_lines(status: DeviceStatus | SnmpFailure) -> list[str]:
    if isinstance(status, SnmpFailure):
        return [f"status: {status.kind}: {status.detail}"]
    reasons = ", ".join(status.reasons) or "none"
    lines = [f"status: {status.state} (reasons: {reasons})"
             + (f": {status.message}" if status.message else "")]
    lines.append("supplies:" if status.supplies else "supplies: none reported")
    lines.extend(f"  {s.index:<8} {s.description or '(no description)':<40} {_level(s)}"
                 for s in status.supplies)
    return lines


def _level(item: Supply) -> str:
    if item.percent is not None:
        return f"{item.percent}%"
    return {"some-remaining": "some remaining", "unrestricted": "no limit"}.get(
        item.condition, "unknown")
