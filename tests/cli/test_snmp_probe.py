"""``printwarden admin snmp-probe`` against a real SNMP agent over UDP."""

from __future__ import annotations

import pytest

from tests.support.processes import run_cli
from tests.support.snmp_agent import SnmpPrinter, running_agent


def test_the_probe_prints_counters_status_and_supplies() -> None:
    with running_agent(community="s3cret") as agent:
        printer = SnmpPrinter(agent)
        printer.total(48_210)
        printer.colour(9_001)
        printer.uptime(9_000_000)  # 1 day 01:00:00
        printer.errors("lowToner")
        printer.supply(1, b"Black Toner", level=30, capacity=120)
        result = run_cli("admin", "snmp-probe", "127.0.0.1", "--port", str(agent.port),
                         "--community", "s3cret", "--profile", "hp-laserjet-colour",
                         "--timeout", "0.5")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == (f"device 127.0.0.1:{agent.port} (SNMPv2c, profile "
                        "hp-laserjet-colour)")
    assert lines[1] == "counters: total 48210, mono -, colour 9001; up 1d 01:00:00"
    assert lines[2] == "status: idle (reasons: toner-low-warning): toner low"
    assert "Black Toner" in lines[4] and lines[4].endswith("25%")


def test_a_silent_device_says_unreachable_and_exits_1() -> None:
    with running_agent() as agent:
        port = agent.port
    result = run_cli("admin", "snmp-probe", "127.0.0.1", "--port", str(port),
                     "--timeout", "0.2", "--retries", "0")
    assert result.returncode == 1
    assert "counters: unreachable" in result.stdout
    assert "status: unreachable" in result.stdout
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["--port", "\u0665"], "--port must be a whole number in ASCII digits"),
    (["--port", "\uff11\uff16\uff11"], "--port must be a whole number in ASCII digits"),
    (["--port", "99999999999999999999"], "--port must be a whole number"),
    (["--port", "70000"], "--port must be from 1 to 65535"),
    (["--timeout", "1e9"], "--timeout must be a number"),
    (["--retries", "-1"], "--retries must be a whole number"),
    (["--profile", "nope"], "unknown SNMP profile 'nope'"),
    (["--community", "caf\u00e9"], "community is 1 to 255 printable ASCII"),
])
def test_bad_options_stop_with_one_clear_line(args: list[str], message: str) -> None:
    result = run_cli("admin", "snmp-probe", "127.0.0.1", *args)
    assert result.returncode == 2, result.stdout
    assert result.stderr.startswith("printwarden: error: ")
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_host_with_spaces_is_refused() -> None:
    result = run_cli("admin", "snmp-probe", "printer one")
    assert result.returncode == 2
    assert "the SNMP host is a name or address" in result.stderr
