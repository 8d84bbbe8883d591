"""The SNMP seam: what callers (copy sessions, the device monitor, the probe command) call.

:class:`SnmpReader` is the interface; :class:`~printwarden.release.snmp_client.SnmpClient`
speaks SNMPv2c over UDP; :class:`ScriptedSnmpReader` is the twin for tests of callers:
it answers what the test scripted, per host. Neither ever raises for a device problem:
a device that does not answer, or answers nonsense, is an
:class:`~printwarden.release.snmp_model.SnmpFailure` value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from printwarden.core.clock import Clock
from printwarden.release.snmp_model import (
    CounterReading,
    DeviceProfile,
    DeviceStatus,
    SnmpFailure,
)

__all__ = ["ScriptedSnmpReader", "SnmpReader", "SnmpTarget"]


@dataclass(frozen=True)
class SnmpTarget:
    """One device's SNMP settings. ``timeout_seconds`` is per request; ``retries`` is the
    number of extra attempts (0: one request only). The community is printable ASCII."""

    host: str
    port: int = 161
    community: str = "public"
    timeout_seconds: float = 2.0
    retries: int = 1

    def __post_init__(self) -> None:
        if not self.host or len(self.host) > 253 or not all(
                ch.isascii() and ch.isprintable() and not ch.isspace() for ch in self.host):
            raise ValueError("the SNMP host is a name or address in ASCII, without spaces")
        if type(self.port) is not int or not 1 <= self.port <= 65535:
            raise ValueError("the SNMP port is a number from 1 to 65535")
        if not 1 <= len(self.community) <= 255 or not all(
                ch.isascii() and ch.isprintable() for ch in self.community):
            raise ValueError("the SNMP community is 1 to 255 printable ASCII characters")
        if not 0.05 <= self.timeout_seconds <= 60:
            raise ValueError("the SNMP timeout is from 0.05 to 60 seconds")
        if type(self.retries) is not int or not 0 <= self.retries <= 10:
            raise ValueError("SNMP retries are a number from 0 to 10")

    @property
    def worst_case_seconds(self) -> float:
        """How long one request may take before it is given up."""
        return self.timeout_seconds * (self.retries + 1)


class SnmpReader(Protocol):
    async def read_counters(self, target: SnmpTarget,
                            profile: DeviceProfile) -> CounterReading | SnmpFailure: ...

    async def read_status(self, target: SnmpTarget) -> DeviceStatus | SnmpFailure: ...


@dataclass
class _Counters:
    total: int
    mono: int | None
    colour: int | None
    uptime: int


class ScriptedSnmpReader:
    """Answers per host what a test scripted; an unscripted host is unreachable."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._counters: dict[str, _Counters | SnmpFailure] = {}
        self._statuses: dict[str, DeviceStatus | SnmpFailure] = {}

    def script_counters(self, host: str, *, total: int, uptime: int, mono: int | None = None,
                        colour: int | None = None) -> None:
        self._counters[host] = _Counters(total, mono, colour, uptime)

    def script_status(self, host: str, status: DeviceStatus) -> None:
        self._statuses[host] = status

    def fail(self, host: str, failure: SnmpFailure) -> None:
        self._counters[host] = failure
        self._statuses[host] = failure

    async def read_counters(self, target: SnmpTarget,
                            profile: DeviceProfile) -> CounterReading | SnmpFailure:
        found = self._counters.get(target.host, _unreachable(target))
        if isinstance(found, SnmpFailure):
            return found
        return CounterReading(found.total, found.mono, found.colour, found.uptime,
                              self._clock.now(), profile.name)

    async def read_status(self, target: SnmpTarget) -> DeviceStatus | SnmpFailure:
        return self._statuses.get(target.host, _unreachable(target))


def _unreachable(target: SnmpTarget) -> SnmpFailure:
    return SnmpFailure("unreachable", f"no SNMP answer from {target.host}:{target.port}")
