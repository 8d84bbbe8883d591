"""SNMP targets refuse nonsense; the scripted twin answers as scripted."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from printwarden.cli.snmp_probe import probe_lines
from printwarden.core.clock import FixedClock
from printwarden.release.snmp_model import CounterReading, SnmpFailure, device_status
from printwarden.release.snmp_profiles import GENERIC
from printwarden.release.snmp_reader import ScriptedSnmpReader, SnmpTarget

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(("field", "value"), [
    ("host", ""), ("host", "a b"), ("host", "imprimante-\u00e9"), ("host", "x" * 254),
    ("port", 0), ("port", 65536), ("port", True), ("community", ""),
    ("community", "caf\u00e9"), ("community", "a\nb"), ("community", "c" * 256),
    ("timeout_seconds", 0), ("timeout_seconds", 61), ("retries", -1), ("retries", 11),
])
def test_a_target_refuses_what_no_device_could_be(field: str, value: Any) -> None:
    settings: dict[str, Any] = {"host": "printer.example"}
    settings[field] = value
    with pytest.raises(ValueError, match="SNMP"):
        SnmpTarget(**settings)


def test_the_twin_answers_what_was_scripted_and_unscripted_hosts_are_unreachable() -> None:
    reader = ScriptedSnmpReader(FixedClock(T0))
    reader.script_counters("mfp-1", total=120, colour=20, uptime=500)
    reader.script_status("mfp-1", device_status(3, 2, b"\x04"))  # jammed
    reader.fail("mfp-2", SnmpFailure("no-such-object", "not a printer"))

    async def read(host: str) -> tuple[Any, Any]:
        target = SnmpTarget(host)
        return (await reader.read_counters(target, GENERIC), await reader.read_status(target))

    counters, status = asyncio.run(read("mfp-1"))
    assert counters == CounterReading(120, None, 20, 500, T0, "generic")
    assert status.state == "stopped" and status.reasons == ("media-jam-error",)
    assert asyncio.run(read("mfp-2"))[0].kind == "no-such-object"
    assert asyncio.run(read("mfp-3"))[1].kind == "unreachable"
    lines, ok = asyncio.run(probe_lines(reader, SnmpTarget("mfp-1"), GENERIC))
    assert ok and lines[1] == "counters: total 120, mono -, colour 20; up 0d 00:00:05"
    assert lines[2] == "status: stopped (reasons: media-jam-error): paper jam"
