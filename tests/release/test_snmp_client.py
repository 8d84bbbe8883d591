"""The pysnmp client against a real SNMP agent over UDP on 127.0.0.1."""

from __future__ import annotations

import asyncio
import gc
import socket
from collections.abc import Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from pysnmp.proto import rfc1902

from printwarden.core.clock import FixedClock
from printwarden.release.copy_counting import (
    CopyCharge,
    CopyFlag,
    CountingLimits,
    ReleasedPages,
    count_copies,
)
from printwarden.release.snmp_client import SnmpClient
from printwarden.release.snmp_model import (
    SYS_UPTIME,
    CounterReading,
    DeviceStatus,
    SnmpFailure,
)
from printwarden.release.snmp_profiles import GENERIC, HP_LASERJET_COLOUR
from printwarden.release.snmp_reader import SnmpTarget
from tests.support.snmp_agent import LIFE_COUNT, SnmpAgent, SnmpPrinter

T = TypeVar("T")
T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def target(agent: SnmpAgent, **overrides: Any) -> SnmpTarget:
    settings: dict[str, Any] = {"port": agent.port, "timeout_seconds": 0.5, "retries": 1}
    return SnmpTarget("127.0.0.1", **{**settings, **overrides})


def test_counters_of_a_generic_printer_are_read(agent: SnmpAgent,
                                                printer: SnmpPrinter) -> None:
    printer.total(48_210)
    printer.uptime(360_000)
    reading = run(SnmpClient(FixedClock(T0)).read_counters(target(agent), GENERIC))
    assert reading == CounterReading(48_210, None, None, 360_000, T0, "generic")


def test_the_first_marker_is_found_whatever_the_printers_device_index(
        agent: SnmpAgent) -> None:
    printer = SnmpPrinter(agent, device_index=7)
    printer.total(99)
    reading = run(SnmpClient().read_counters(target(agent), GENERIC))
    assert isinstance(reading, CounterReading) and reading.total == 99
    status = run(SnmpClient().read_status(target(agent)))
    assert isinstance(status, DeviceStatus) and status.state == "idle"


def test_the_hp_profile_reads_the_colour_counter(agent: SnmpAgent,
                                                 printer: SnmpPrinter) -> None:
    printer.total(5000)
    printer.colour(1200)
    reading = run(SnmpClient().read_counters(target(agent), HP_LASERJET_COLOUR))
    assert isinstance(reading, CounterReading)
    assert (reading.total, reading.colour, reading.mono) == (5000, 1200, None)
    assert reading.profile == "hp-laserjet-colour"
    # a device without HP's counter: the reading says so and copy counting can tell
    agent.remove((1, 3, 6, 1, 4, 1, 11, 2, 3, 9, 4, 2, 1, 4, 1, 2, 7, 0))
    plain = run(SnmpClient().read_counters(target(agent), HP_LASERJET_COLOUR))
    assert isinstance(plain, CounterReading) and plain.colour is None


def test_status_errors_and_supplies_come_over_the_wire(agent: SnmpAgent,
                                                       printer: SnmpPrinter) -> None:
    printer.status(printer=1, device=5)
    printer.errors("jammed", "lowToner", "overduePreventMaint")
    printer.supply(1, b"Black Cartridge HP CE410A", level=1500, capacity=6000)
    printer.supply(2, "Tambour d'image \u00e9".encode("latin-1"), level=-3, capacity=-2)
    printer.supply(3, b"Waste Toner", level=-2, capacity=100)
    status = run(SnmpClient().read_status(target(agent)))
    assert isinstance(status, DeviceStatus)
    assert status.state == "stopped" and not status.accepts_jobs
    assert status.reasons == ("media-jam-error", "other-warning", "toner-low-warning")
    assert "paper jam" in status.message
    assert [(s.index, s.description, s.percent, s.condition) for s in status.supplies] == [
        ("1.1", "Black Cartridge HP CE410A", 25, "known"),
        ("1.2", "Tambour d'image \u00e9", None, "some-remaining"),
        ("1.3", "Waste Toner", None, "unknown"),
    ]
    printer.errors()
    printer.status(printer=4, device=2)
    again = run(SnmpClient().read_status(target(agent)))
    assert isinstance(again, DeviceStatus)
    assert (again.state, again.reasons) == ("printing", ())


def test_a_stopped_agent_is_unreachable_after_the_retries_not_an_exception(
        agent: SnmpAgent, printer: SnmpPrinter) -> None:
    agent.stop()
    for read in (SnmpClient().read_counters(target(agent, timeout_seconds=0.2), GENERIC),
                 SnmpClient().read_status(target(agent, timeout_seconds=0.2))):
        failure = run(read)
        assert isinstance(failure, SnmpFailure)
        assert failure.kind == "unreachable"
        assert f"127.0.0.1:{agent.port}" in failure.detail


def test_a_port_that_swallows_requests_times_out() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.1", 0))
        port = silent.getsockname()[1]
        failure = run(SnmpClient().read_counters(
            SnmpTarget("127.0.0.1", port=port, timeout_seconds=0.2, retries=2), GENERIC))
        assert isinstance(failure, SnmpFailure) and failure.kind == "unreachable"
        seen = 0
        silent.settimeout(0)
        while True:
            try:
                silent.recv(2048)
            except BlockingIOError:
                break
            seen += 1
        assert seen == 3  # one request and two retries


def test_a_wrong_community_gets_no_answer(agent: SnmpAgent, printer: SnmpPrinter) -> None:
    failure = run(SnmpClient().read_counters(target(agent, community="private"), GENERIC))
    assert isinstance(failure, SnmpFailure) and failure.kind == "unreachable"


def test_a_device_that_is_not_a_printer_says_so(agent: SnmpAgent) -> None:
    agent.set(SYS_UPTIME, rfc1902.TimeTicks(5))
    counters = run(SnmpClient().read_counters(target(agent), GENERIC))
    assert isinstance(counters, SnmpFailure) and counters.kind == "no-such-object"
    assert "not a printer" in counters.detail
    status = run(SnmpClient().read_status(target(agent)))
    assert isinstance(status, SnmpFailure) and status.kind == "no-such-object"


def test_a_counter_of_the_wrong_type_or_range_is_a_bad_value(agent: SnmpAgent,
                                                            printer: SnmpPrinter) -> None:
    agent.set(LIFE_COUNT, rfc1902.OctetString(b"12345"))
    failure = run(SnmpClient().read_counters(target(agent), GENERIC))
    assert isinstance(failure, SnmpFailure) and failure.kind == "bad-value"
    agent.set(LIFE_COUNT, rfc1902.Integer32(-4))
    negative = run(SnmpClient().read_counters(target(agent), GENERIC))
    assert isinstance(negative, SnmpFailure) and negative.kind == "bad-value"
    printer.total(2**24 + 5)  # beyond what an HP counter can hold
    beyond = run(SnmpClient().read_counters(target(agent), HP_LASERJET_COLOUR))
    assert isinstance(beyond, SnmpFailure) and beyond.kind == "bad-value"


def test_concurrent_reads_of_one_device_each_get_their_own_answer(
        agent: SnmpAgent, printer: SnmpPrinter) -> None:
    printer.total(777)
    client = SnmpClient()

    async def many() -> list[CounterReading | SnmpFailure]:
        return await asyncio.gather(*(client.read_counters(target(agent), GENERIC)
                                      for _ in range(25)))

    readings = run(many())
    assert all(isinstance(r, CounterReading) and r.total == 777 for r in readings)


def test_a_copy_session_over_real_snmp_is_charged_exactly_the_delta(
        agent: SnmpAgent, printer: SnmpPrinter) -> None:
    clock = FixedClock(T0)
    client = SnmpClient(clock)
    limits = CountingLimits(pages_per_minute=30)
    printer.total(10_000)
    printer.colour(2_000)
    printer.uptime(8_640_000)
    start = run(client.read_counters(target(agent), HP_LASERJET_COLOUR))
    printer.advance(12, colour=4, seconds=120)  # a released job: 8 mono, 4 colour
    printer.advance(25, colour=9, seconds=120)  # copies: 16 mono, 9 colour
    clock.advance(timedelta(minutes=4))
    end = run(client.read_counters(target(agent), HP_LASERJET_COLOUR))
    assert isinstance(start, CounterReading) and isinstance(end, CounterReading)
    charge = count_copies(start, end, ReleasedPages(mono=8, colour=4), HP_LASERJET_COLOUR,
                          limits)
    assert charge == CopyCharge(mono=16, colour=9, device_pages=37, released_pages=12,
                                colour_counted=True)


def test_a_counter_reset_mid_session_over_real_snmp_is_flagged(
        agent: SnmpAgent, printer: SnmpPrinter) -> None:
    clock = FixedClock(T0)
    client = SnmpClient(clock)
    printer.total(48_000)
    printer.uptime(8_640_000)
    start = run(client.read_counters(target(agent), GENERIC))
    printer.total(6)  # the controller board was swapped; uptime goes on
    printer.advance(0, seconds=300)
    clock.advance(timedelta(minutes=5))
    end = run(client.read_counters(target(agent), GENERIC))
    result = count_copies(start if isinstance(start, CounterReading) else None,
                          end if isinstance(end, CounterReading) else None,
                          ReleasedPages(), GENERIC, CountingLimits())
    assert isinstance(result, CopyFlag) and result.reason == "counter-went-backwards"


def test_a_reboot_and_a_wrap_over_real_snmp(agent: SnmpAgent, printer: SnmpPrinter) -> None:
    clock = FixedClock(T0)
    client = SnmpClient(clock)
    printer.total(2**32 - 10)
    printer.uptime(50_000)
    start = run(client.read_counters(target(agent), GENERIC))
    printer.advance(30, seconds=60)  # wraps past 2**32
    clock.advance(timedelta(minutes=1))
    wrapped = run(client.read_counters(target(agent), GENERIC))
    assert isinstance(start, CounterReading) and isinstance(wrapped, CounterReading)
    assert wrapped.total == 20
    assert count_copies(start, wrapped, ReleasedPages(), GENERIC, CountingLimits()) == \
        CopyCharge(30, 0, 30, 0, False)
    printer.uptime(1_000)  # restarted: up 10 s
    clock.advance(timedelta(minutes=1))
    rebooted = run(client.read_counters(target(agent), GENERIC))
    assert isinstance(rebooted, CounterReading)
    result = count_copies(start, rebooted, ReleasedPages(), GENERIC, CountingLimits())
    assert isinstance(result, CopyFlag) and result.reason == "device-restarted"


def test_a_cancelled_read_stays_cancelled_and_leaves_nothing_behind() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.1", 0))
        silent.setblocking(False)
        port = silent.getsockname()[1]

        troubles: list[dict[str, Any]] = []

        async def cancel_after_the_request_left() -> bool:
            loop = asyncio.get_running_loop()
            loop.set_exception_handler(lambda _loop, trouble: troubles.append(trouble))
            read = asyncio.create_task(SnmpClient().read_counters(
                SnmpTarget("127.0.0.1", port=port, timeout_seconds=30, retries=0), GENERIC))
            await loop.sock_recv(silent, 2048)  # the request reached the device
            read.cancel()
            try:
                await read
            except asyncio.CancelledError:
                gc.collect()  # an exception nobody retrieved is reported when collected
                await asyncio.sleep(0)
                return True
            return False

        assert run(cancel_after_the_request_left())
        assert troubles == []
