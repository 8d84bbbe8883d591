"""How the agent shapes its devices' statuses for the server: one entry per server
device id, unreachable reads stopped + offline-report, no keyword the server refuses."""

from __future__ import annotations

from printwarden.agent.forwarding.interface import DeviceStatus
from printwarden.agent.processing.device_monitor import device_status_entries


def test_entries_per_device_id_with_only_pwg_keywords() -> None:
    statuses = {
        "ipp://a/": DeviceStatus(True, "stopped", ("media-jam-error", "Bad Word", "none",
                                                   "\u0665-error"), "jam"),
        "ipp://b/": DeviceStatus(False, "unknown", (), "no answer"),
        "ipp://c/": DeviceStatus(True, "unknown", ("toner-low-warning",)),
        "ipp://unknown-to-the-server/": DeviceStatus(True, "idle"),
    }
    entries = device_status_entries(
        {"ipp://a/": {"D2", "D1"}, "ipp://b/": {"D3"}, "ipp://c/": {"D4"}}, statuses)
    assert entries == [
        {"device_id": "D1", "state": "stopped", "reasons": ["media-jam-error"],
         "message": "jam"},
        {"device_id": "D2", "state": "stopped", "reasons": ["media-jam-error"],
         "message": "jam"},
        {"device_id": "D3", "state": "stopped", "reasons": ["offline-report"],
         "message": "no answer"},
        {"device_id": "D4", "state": "idle", "reasons": ["toner-low-warning"],
         "message": ""},
    ]
