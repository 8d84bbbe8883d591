"""The merge rule of IPP and SNMP statuses (docs/snmp.md, "Monitoring"): either says
stopped -> stopped; reasons united; SNMP silent never stops a device that answers."""

from __future__ import annotations

import pytest

from printwarden.agent.forwarding.interface import DeviceStatus, DeviceSupply
from printwarden.agent.processing.device_health import merged_entry, snmp_target
from printwarden.agent.queues import DeviceSnmp, pushed_snmp
from printwarden.release.snmp_model import SnmpFailure, device_status, supply
from printwarden.release.snmp_reader import SnmpTarget

IDLE = DeviceStatus(True, "idle")
JAM = b"\x04\x00"  # bit 5: jammed
LOW_TONER = b"\x20\x00"  # bit 2: lowToner


def test_snmp_stopped_stops_a_device_ipp_calls_idle_and_reasons_are_united() -> None:
    ipp = DeviceStatus(True, "idle", ("media-low-warning",), "ready")
    entry = merged_entry("D1", ipp, device_status(3, 2, JAM))
    assert entry["state"] == "stopped"
    assert entry["reasons"] == ["media-jam-error", "media-low-warning"]
    assert entry["message"] == "ready; SNMP: paper jam"


def test_ipp_stopped_stays_stopped_when_snmp_says_all_is_well() -> None:
    ipp = DeviceStatus(True, "stopped", ("door-open-error",), "Close the door")
    entry = merged_entry("D1", ipp, device_status(3, 2, b""))
    assert (entry["state"], entry["reasons"]) == ("stopped", ["door-open-error"])


def test_an_unreachable_uri_is_stopped_even_when_snmp_answers() -> None:
    entry = merged_entry("D1", DeviceStatus(False, "unknown", (), "refused"),
                         device_status(3, 2, b""))
    assert (entry["state"], entry["reasons"]) == ("stopped", ["offline-report"])


def test_printing_over_snmp_reads_processing_and_a_warning_does_not_stop() -> None:
    entry = merged_entry("D1", IDLE, device_status(4, 3, LOW_TONER))
    assert (entry["state"], entry["reasons"]) == ("processing", ["toner-low-warning"])


def test_silent_snmp_is_a_warning_on_a_device_that_answers_ipp() -> None:
    entry = merged_entry("D1", IDLE, SnmpFailure("unreachable", "10.0.0.9:161: no answer"))
    assert entry["state"] == "idle"
    assert entry["reasons"] == ["snmp-unreachable-warning"]
    assert entry["message"] == "SNMP: 10.0.0.9:161: no answer"
    assert "supplies" not in entry  # none: the key is left out (older servers refuse it)


def test_supplies_come_from_snmp_else_from_ipp_printer_supply() -> None:
    ipp = DeviceStatus(True, "idle", supplies=(
        DeviceSupply("type=toner;maxcapacity=200;level=50;colorantname=black;", "Black"),
        DeviceSupply("type=wasteToner;maxcapacity=100;level=-3;", ""),
        DeviceSupply("type=toner;maxcapacity=100;level=\u0665\u0660;", "Cyan")))
    assert merged_entry("D1", ipp, None)["supplies"] == [
        {"description": "Black", "percent": 25, "condition": "known"},
        {"description": "wasteToner", "percent": None, "condition": "some-remaining"},
        {"description": "Cyan", "percent": None, "condition": "unknown"},  # no ASCII digits
    ]
    snmp = device_status(3, 2, b"", (supply("1.1", "Toner K", 9, 10),))
    assert merged_entry("D1", ipp, snmp)["supplies"] == [
        {"description": "Toner K", "percent": 90, "condition": "known"}]


@pytest.mark.parametrize(("uri", "host"), [
    ("ipp://printer.example:631/ipp/print", "printer.example"),
    ("socket://10.1.2.3:9100", "10.1.2.3"),
    ("ipps://[fe80::1]/ipp/print", "fe80::1"),
])
def test_the_snmp_host_is_the_device_uris(uri: str, host: str) -> None:
    target = snmp_target(uri, DeviceSnmp(port=1161, community="c"))
    assert isinstance(target, SnmpTarget)
    assert (target.host, target.port, target.community) == (host, 1161, "c")


@pytest.mark.parametrize("uri", ["usb://HP/LaserJet", "cups:office", "file:///dev/null",
                                 "ipp://[bad/x"])
def test_a_uri_without_host_cannot_be_read_over_snmp(uri: str) -> None:
    failure = snmp_target(uri, DeviceSnmp())
    assert isinstance(failure, SnmpFailure) and "no host" in failure.detail


@pytest.mark.parametrize("pushed", [
    {"port": "161", "community": "c"}, {"port": 0, "community": "c"},
    {"port": 2**70, "community": "c"}, {"port": True, "community": "c"},
    {"port": 161, "community": ""}, {"port": 161, "community": "c", "version": "3"},
    "snmp", None,
])
def test_snmp_settings_the_agent_cannot_use_turn_snmp_off(pushed: object) -> None:
    assert pushed_snmp(pushed) is None


def test_usable_snmp_settings_hide_the_community() -> None:
    found = pushed_snmp({"port": 1161, "community": "hush-hush", "version": "2c"})
    assert found == DeviceSnmp(port=1161, version="2c", community="hush-hush")
    assert "hush-hush" not in repr(found)
