"""The SNMP adapter: SNMPv2c over UDP with pysnmp 7's asyncio API (``hlapi.v1arch``).

``v1arch`` speaks community-based SNMP (v1/v2c) without the v3 engine's MIB machinery, so
a read costs one UDP socket and a few datagrams: a dispatcher is made per read and closed
after it, so reads from different event loops (a CLI run, the agent) never share one.

Every read ends in a value: a :class:`~printwarden.release.snmp_model.CounterReading` or
:class:`~printwarden.release.snmp_model.DeviceStatus`, or a
:class:`~printwarden.release.snmp_model.SnmpFailure`. Timeouts (after the target's
retries), SNMP error statuses, missing objects, answers of the wrong type, a name that does
not resolve and pysnmp's own exceptions all become failures; only cancellation propagates.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from pyasn1.type import univ
from pysnmp.error import PySnmpError
from pysnmp.hlapi.v1arch.asyncio import (
    CommunityData,
    SnmpDispatcher,
    Udp6TransportTarget,
    UdpTransportTarget,
    get_cmd,
    next_cmd,
)
from pysnmp.proto import errind, rfc1902, rfc1905

from printwarden.core.clock import Clock, SystemClock
from printwarden.release.snmp_model import (
    HR_DEVICE_STATUS,
    HR_PRINTER_DETECTED_ERROR_STATE,
    HR_PRINTER_STATUS,
    PRT_MARKER_SUPPLIES_DESCRIPTION,
    PRT_MARKER_SUPPLIES_LEVEL,
    PRT_MARKER_SUPPLIES_MAX_CAPACITY,
    SYS_UPTIME,
    CounterOid,
    CounterReading,
    DeviceProfile,
    DeviceStatus,
    Oid,
    SnmpFailure,
    Supply,
    device_status,
    format_oid,
    supply,
)
from printwarden.release.snmp_reader import SnmpTarget

__all__ = ["SnmpClient"]

log = logging.getLogger(__name__)
T = TypeVar("T")
_MISSING = (rfc1905.NoSuchObject, rfc1905.NoSuchInstance, rfc1905.EndOfMibView)
#: Extra time past the target's own timeouts before a read is abandoned regardless.
_GRACE_SECONDS = 2.0


class _Failed(Exception):
    def __init__(self, failure: SnmpFailure) -> None:
        super().__init__(failure.detail)
        self.failure = failure


class SnmpClient:
    """Reads counters and status from devices (implements ``SnmpReader``)."""

    def __init__(self, clock: Clock | None = None, *, max_supplies: int = 32) -> None:
        self._clock = clock or SystemClock()
        self._max_supplies = max_supplies

    async def read_counters(self, target: SnmpTarget,
                            profile: DeviceProfile) -> CounterReading | SnmpFailure:
        return await self._guarded(target, lambda s: self._counters(s, profile))

    async def read_status(self, target: SnmpTarget) -> DeviceStatus | SnmpFailure:
        return await self._guarded(target, self._status)

    async def _guarded(self, target: SnmpTarget, read: Callable[[_Session], Awaitable[T]],
                       ) -> T | SnmpFailure:
        requests = 4 + self._max_supplies  # the most a status read sends
        deadline = target.worst_case_seconds * requests + _GRACE_SECONDS

        async def attempt() -> T:
            async with _Session(target) as session:
                return await read(session)

        try:
            return await asyncio.wait_for(attempt(), deadline)  # name lookup included
        except _Failed as failed:
            return failed.failure
        except TimeoutError:
            return SnmpFailure("unreachable", f"{_where(target)}: no answer within "
                               f"{deadline:.0f} s")
        except Exception as exc:  # pysnmp's or the network's: the caller's loop goes on
            log.warning("SNMP read of %s failed: %r", _where(target), exc)
            return SnmpFailure("error", f"{_where(target)}: {type(exc).__name__}: {exc}")

    async def _counters(self, session: _Session, profile: DeviceProfile) -> CounterReading:
        counters = profile.counters()
        answers = await session.get([SYS_UPTIME, *(c.oid for c in counters.values())])
        uptime = _integer(answers[0][1])
        if uptime is None:
            raise _Failed(SnmpFailure("no-such-object", f"{session.where}: no sysUpTime"))
        values: dict[str, int | None] = {}
        for (name, counter), (_, value) in zip(counters.items(), answers[1:], strict=True):
            if isinstance(value, _MISSING):
                value = await session.first_under(counter.oid)
            values[name] = _counter_value(session.where, name, counter, value)
        total = values["total"]
        if total is None:
            raise _Failed(SnmpFailure(
                "no-such-object", f"{session.where}: no total counter at "
                f"{format_oid(profile.total.oid)} (not a printer, or not a "
                f"{profile.name} device)"))
        return CounterReading(total, values.get("mono"), values.get("colour"), uptime,
                              self._clock.now(), profile.name)

    async def _status(self, session: _Session) -> DeviceStatus:
        (oid, value), = await session.next([HR_PRINTER_STATUS])
        if not _under(oid, HR_PRINTER_STATUS) or _integer(value) is None:
            raise _Failed(SnmpFailure("no-such-object", f"{session.where}: no "
                                      "hrPrinterTable (not a printer)"))
        index = oid[len(HR_PRINTER_STATUS):]
        (_, device), (_, errors) = await session.get(
            [HR_DEVICE_STATUS + index, HR_PRINTER_DETECTED_ERROR_STATE + index])
        error_octets = _octets(errors) or b""
        return device_status(_integer(value) or 2, _integer(device) or 1, error_octets,
                             await self._supplies(session))

    async def _supplies(self, session: _Session) -> tuple[Supply, ...]:
        found: list[Supply] = []
        cursor = [PRT_MARKER_SUPPLIES_DESCRIPTION, PRT_MARKER_SUPPLIES_MAX_CAPACITY,
                  PRT_MARKER_SUPPLIES_LEVEL]
        for _ in range(self._max_supplies):
            (d_oid, d_value), (m_oid, m_value), (l_oid, l_value) = await session.next(cursor)
            if not _under(d_oid, PRT_MARKER_SUPPLIES_DESCRIPTION) or d_oid <= cursor[0]:
                break
            index = d_oid[len(PRT_MARKER_SUPPLIES_DESCRIPTION):]
            capacity = _integer(m_value) if m_oid == PRT_MARKER_SUPPLIES_MAX_CAPACITY + index \
                else None
            level = _integer(l_value) if l_oid == PRT_MARKER_SUPPLIES_LEVEL + index else None
            found.append(supply(format_oid(index), _text(d_value),
                                -2 if level is None else level,
                                -2 if capacity is None else capacity))
            cursor = [d_oid, PRT_MARKER_SUPPLIES_MAX_CAPACITY + index,
                      PRT_MARKER_SUPPLIES_LEVEL + index]
        return tuple(found)


class _Session:
    """One dispatcher and one transport target for the reads of one call."""

    def __init__(self, target: SnmpTarget) -> None:
        self._target = target
        self.where = _where(target)
        self._dispatcher: Any = None
        self._transport: Any = None
        self._auth = CommunityData(target.community, mpModel=1)  # mpModel 1: SNMPv2c

    async def __aenter__(self) -> _Session:
        kind = Udp6TransportTarget if ":" in self._target.host else UdpTransportTarget
        try:
            self._transport = await kind.create(
                (self._target.host, self._target.port),
                timeout=self._target.timeout_seconds, retries=self._target.retries)
        except PySnmpError as exc:
            raise _Failed(SnmpFailure("unreachable", f"{self.where}: {exc}")) from None
        self._dispatcher = SnmpDispatcher()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._dispatcher is None:
            return
        try:
            self._dispatcher.close()
        except TypeError:
            # pysnmp 7.1 calls a request still pending (a cancelled read) with one argument
            # too few; the request is abandoned either way, and a cancellation must stay one
            log.debug("pysnmp could not notify an abandoned request")

    async def get(self, oids: Sequence[Oid]) -> list[tuple[Oid, Any]]:
        return await self._request(get_cmd, oids)

    async def next(self, oids: Sequence[Oid]) -> list[tuple[Oid, Any]]:
        return await self._request(next_cmd, oids)

    async def first_under(self, oid: Oid) -> Any:
        """The value of the first instance inside ``oid``'s subtree, or noSuchObject."""
        (found, value), = await self.next([oid])
        return value if _under(found, oid) else rfc1905.noSuchObject

    async def _request(self, command: Any, oids: Sequence[Oid]) -> list[tuple[Oid, Any]]:
        var_binds = [(rfc1902.ObjectName(oid), rfc1902.Null()) for oid in oids]
        indication, status, index, answers = await command(
            self._dispatcher, self._auth, self._transport, *var_binds)
        if indication:
            timed_out = isinstance(indication, errind.RequestTimedOut)
            raise _Failed(SnmpFailure("unreachable" if timed_out else "error",
                                      f"{self.where}: {indication}"))
        if int(status):
            raise _Failed(SnmpFailure("error", f"{self.where}: SNMP error "
                                      f"{status.prettyPrint()} at index {int(index)}"))
        if len(answers) != len(oids):
            raise _Failed(SnmpFailure("bad-value", f"{self.where}: {len(answers)} answers "
                                      f"to {len(oids)} questions"))
        return [(tuple(name), value) for name, value in answers]


def _where(target: SnmpTarget) -> str:
    return f"{target.host}:{target.port}"


def _under(oid: Oid, prefix: Oid) -> bool:
    return len(oid) > len(prefix) and oid[:len(prefix)] == prefix


def _integer(value: Any) -> int | None:
    if isinstance(value, univ.Integer) and not isinstance(value, _MISSING):
        return int(value)
    return None


def _octets(value: Any) -> bytes | None:
    return bytes(value.asOctets()) if isinstance(value, univ.OctetString) else None


def _text(value: Any) -> str:
    raw = _octets(value)
    if raw is None:
        return ""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _counter_value(where: str, name: str, counter: CounterOid, value: Any) -> int | None:
    if isinstance(value, _MISSING):
        return None
    number = _integer(value)
    if number is None or not 0 <= number < counter.modulus:
        raise _Failed(SnmpFailure("bad-value", f"{where}: the {name} counter at "
                                  f"{format_oid(counter.oid)} read {value.prettyPrint()}"))
    return number
