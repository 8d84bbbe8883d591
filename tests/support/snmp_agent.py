"""A real SNMP agent for tests: pysnmp's command responder on a free UDP port of 127.0.0.1.

It runs its own event loop in a thread, so sync tests, ``asyncio.run`` tests and CLI
subprocesses all talk to it over real UDP. It answers SNMPv2c GET, GETNEXT and GETBULK
for the community it was given (other communities get no answer, as on a real device),
from a table of OIDs the test sets and changes while it runs. ``stop()`` closes the
socket: a client then times out.

:class:`SnmpPrinter` fills the table as a printer would and names the knobs tests turn:
the life counter, HP's colour counter, uptime, status, error bits and supplies.
"""

from __future__ import annotations

import asyncio
import bisect
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pysnmp.carrier.asyncio.dgram import udp
from pysnmp.entity import config, engine
from pysnmp.entity.rfc3413 import cmdrsp, context
from pysnmp.proto import rfc1902, rfc1905
from pysnmp.smi.instrum import AbstractMibInstrumController

from printwarden.release.snmp_model import (
    ERROR_STATE_BITS,
    HR_DEVICE_STATUS,
    HR_PRINTER_DETECTED_ERROR_STATE,
    HR_PRINTER_STATUS,
    PRT_MARKER_LIFE_COUNT,
    PRT_MARKER_SUPPLIES_DESCRIPTION,
    PRT_MARKER_SUPPLIES_LEVEL,
    PRT_MARKER_SUPPLIES_MAX_CAPACITY,
    SYS_UPTIME,
    Oid,
)
from printwarden.release.snmp_profiles import HP_LASERJET_COLOUR

Value = Any  # a pysnmp value: rfc1902.Counter32(...), rfc1902.OctetString(...)...


class _Table(AbstractMibInstrumController):
    """The agent's MIB: a sorted map the test thread writes and the agent thread reads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.values: dict[Oid, Value] = {}

    def read_variables(self, *var_binds: Any, **_context: Any) -> list[tuple[Any, Value]]:
        with self.lock:
            return [(name, self.values.get(tuple(name), rfc1905.noSuchInstance))
                    for name, _ in var_binds]

    def read_next_variables(self, *var_binds: Any, **_context: Any) -> list[tuple[Any, Value]]:
        with self.lock:
            keys = sorted(self.values)
            answers = []
            for name, _ in var_binds:
                at = bisect.bisect_right(keys, tuple(name))
                if at < len(keys):
                    answers.append((rfc1902.ObjectName(keys[at]), self.values[keys[at]]))
                else:
                    answers.append((name, rfc1905.endOfMibView))
            return answers


class SnmpAgent:
    def __init__(self, community: str = "public") -> None:
        self.community = community
        self.table = _Table()
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._engine: Any = None

    def start(self) -> SnmpAgent:
        ready = threading.Event()
        failure: list[BaseException] = []
        self._thread = threading.Thread(target=self._run, args=(ready, failure),
                                        name="snmp-agent", daemon=True)
        self._thread.start()
        if not ready.wait(10) or failure:
            raise RuntimeError(f"the test SNMP agent did not start: {failure}")
        return self

    def _run(self, ready: threading.Event, failure: list[BaseException]) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        try:
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
            snmp = engine.SnmpEngine()
            config.add_transport(snmp, udp.DOMAIN_NAME,
                                 udp.UdpAsyncioTransport().open_server_mode(sock=sock))
            config.add_v1_system(snmp, "test-agent", self.community)
            config.add_vacm_user(snmp, 2, "test-agent", "noAuthNoPriv", (1, 3, 6))
            snmp_context = context.SnmpContext(snmp)
            snmp_context.unregister_context_name(b"")
            snmp_context.register_context_name(b"", self.table)
            for responder in (cmdrsp.GetCommandResponder, cmdrsp.NextCommandResponder,
                              cmdrsp.BulkCommandResponder):
                responder(snmp, snmp_context)
            snmp.transport_dispatcher.job_started(1)
            self._engine = snmp
        except BaseException as exc:
            failure.append(exc)
            ready.set()
            return
        loop.call_soon(ready.set)
        loop.run_forever()
        snmp.transport_dispatcher.close_dispatcher()
        loop.run_until_complete(asyncio.sleep(0))
        loop.close()

    def stop(self) -> None:
        """Close the socket and the loop: from now on nothing answers on ``port``."""
        if self._loop is not None and self._thread is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)

    def set(self, oid: Oid, value: Value) -> None:
        with self.table.lock:
            self.table.values[oid] = value

    def remove(self, oid: Oid) -> None:
        with self.table.lock:
            self.table.values.pop(oid, None)

    def get(self, oid: Oid) -> Value:
        with self.table.lock:
            return self.table.values[oid]


@contextmanager
def running_agent(community: str = "public") -> Iterator[SnmpAgent]:
    agent = SnmpAgent(community).start()
    try:
        yield agent
    finally:
        agent.stop()


#: The instance a one-printer device uses: hrDeviceIndex 1, marker 1.
LIFE_COUNT = (*PRT_MARKER_LIFE_COUNT, 1, 1)
HP_COLOUR_COUNT = HP_LASERJET_COLOUR.colour.oid if HP_LASERJET_COLOUR.colour else ()


class SnmpPrinter:
    """A printer's objects in an :class:`SnmpAgent`; every setter takes effect at once."""

    def __init__(self, agent: SnmpAgent, *, device_index: int = 1) -> None:
        self.agent = agent
        self.index = (device_index,)
        self.life_count_oid = (*PRT_MARKER_LIFE_COUNT, device_index, 1)
        self.uptime(100)
        self.total(0)
        self.status(printer=3, device=2)
        self.errors()

    def uptime(self, ticks: int) -> None:
        self.agent.set(SYS_UPTIME, rfc1902.TimeTicks(ticks))

    def total(self, pages: int) -> None:
        self.agent.set(self.life_count_oid, rfc1902.Counter32(pages))

    def colour(self, pages: int) -> None:
        self.agent.set(HP_COLOUR_COUNT, rfc1902.Integer32(pages))

    def advance(self, pages: int, *, colour: int = 0, modulus: int = 2**32,
                seconds: int = 0) -> None:
        """Print ``pages`` (of which ``colour`` in colour), the counters rolling over at
        ``modulus``, while ``seconds`` of uptime pass."""
        self.total((int(self.agent.get(self.life_count_oid)) + pages) % modulus)
        if colour or HP_COLOUR_COUNT in self.agent.table.values:
            now = int(self.agent.get(HP_COLOUR_COUNT)) if HP_COLOUR_COUNT in \
                self.agent.table.values else 0
            self.colour((now + colour) % modulus)
        self.uptime((int(self.agent.get(SYS_UPTIME)) + seconds * 100) % 2**32)

    def status(self, *, printer: int, device: int) -> None:
        self.agent.set((*HR_PRINTER_STATUS, *self.index), rfc1902.Integer32(printer))
        self.agent.set((*HR_DEVICE_STATUS, *self.index), rfc1902.Integer32(device))

    def errors(self, *names: str) -> None:
        """Set exactly these ``hrPrinterDetectedErrorState`` bits (MIB names)."""
        octets = bytearray(2)
        for entry in ERROR_STATE_BITS:
            if entry.name in names:
                octets[entry.bit // 8] |= 0x80 >> (entry.bit % 8)
        self.agent.set((*HR_PRINTER_DETECTED_ERROR_STATE, *self.index),
                       rfc1902.OctetString(bytes(octets)))

    def supply(self, marker: int, description: bytes, *, level: int, capacity: int) -> None:
        row = (*self.index, marker)
        self.agent.set((*PRT_MARKER_SUPPLIES_DESCRIPTION, *row),
                       rfc1902.OctetString(description))
        self.agent.set((*PRT_MARKER_SUPPLIES_MAX_CAPACITY, *row), rfc1902.Integer32(capacity))
        self.agent.set((*PRT_MARKER_SUPPLIES_LEVEL, *row), rfc1902.Integer32(level))
