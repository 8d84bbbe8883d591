from __future__ import annotations

import pytest

from printwarden.core.errors import ConflictError, NotFoundError, ValidationError
from printwarden.db.audit import AuditLog
from printwarden.db.engine import Database
from printwarden.devices.service import DevicesService
from printwarden.ledger.service import LedgerService
from tests.devices.support import agent, config_events

UNKNOWN = "01HZZZZZZZZZZZZZZZZZZZZZZZ"


def test_a_device_keeps_what_it_is_and_can_do(devices: DevicesService) -> None:
    device = devices.create_device(
        "hall-mfp", actor="admin", device_uri="ipps://mfp.lan/ipp/print",
        make_and_model="Brother MFC-L8900CDW", location="Hall", color_capable=False,
        media_supported=["iso_a4_210x297mm", "na_letter_8.5x11in", "custom_max_8.5x14in"],
        snmp_enabled=True, snmp_community="s3cret!", snmp_port=1161)
    stored = devices.get_device(device.id)
    assert stored == device
    assert stored.media_supported == ("iso_a4_210x297mm", "na_letter_8.5x11in",
                                      "custom_max_8.5x14in")
    assert (stored.snmp_enabled, stored.snmp_version, stored.snmp_community,
            stored.snmp_port) == (True, "2c", "s3cret!", 1161)
    assert devices.find_device_by_name("hall-mfp") == stored
    changed = devices.update_device(device.id, {"media_supported": [], "enabled": False},
                                    actor="admin")
    assert (changed.media_supported, changed.enabled) == ((), False)


@pytest.mark.parametrize(("changes", "message"), [
    ({"snmp_version": "1"}, "SNMP version '1' is not supported"),
    ({"snmp_version": "3"}, "SNMP version '3' is not supported"),
    ({"snmp_community": ""}, "SNMP community"),
    ({"snmp_community": "pub lic"}, "SNMP community"),
    ({"snmp_community": "gemeinschaft-ü"}, "SNMP community"),
    ({"snmp_community": "x" * 65}, "SNMP community"),
    ({"snmp_port": 0}, "SNMP port"),
    ({"snmp_port": 65536}, "SNMP port"),
    ({"snmp_port": 10**30}, "SNMP port"),
    ({"snmp_port": True}, "SNMP port"),
    ({"snmp_port": "\u0661\u0666\u0661"}, "SNMP port"),
    ({"media_supported": ["a4"]}, "invalid media size"),
    ({"media_supported": ["iso_a4_\uff12\uff11\uff10x297mm"]}, "invalid media size"),
    ({"media_supported": ["iso_a4_210x297mm"] * 2}, "listed once"),
    ({"media_supported": [f"custom_{i}_{i}x{i}mm" for i in range(1, 52)]}, "at most 50"),
    ({"device_uri": "ftp://x/"}, "invalid device URI"),
    ({"make_and_model": "m" * 201}, "make_and_model"),
])
def test_bad_device_settings_are_refused_with_a_message(devices: DevicesService,
                                                        changes: dict[str, object],
                                                        message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        devices.create_device("d1", actor="admin", **changes)
    device = devices.create_device("d2", actor="admin")
    with pytest.raises(ValidationError, match=message):
        devices.update_device(device.id, changes, actor="admin")
    assert devices.get_device(device.id) == device


def test_the_snmp_community_never_reaches_the_audit_log(devices: DevicesService,
                                                        db: Database) -> None:
    device = devices.create_device("d1", actor="admin", snmp_community="very-secret")
    devices.update_device(device.id, {"snmp_community": "even-more-secret"}, actor="admin")
    log = str(AuditLog(db, devices._clock).recent())
    assert "secret" not in log and "device.update" in log


def test_the_price_list_falls_back_from_device_to_group_to_default(
    devices: DevicesService, ledger: LedgerService,
) -> None:
    own = ledger.create_price_list("own", actor="admin").id
    grouped = ledger.create_price_list("grouped", actor="admin").id
    group = devices.create_group("floor-1", actor="admin", price_list_id=grouped)
    lone = devices.create_device("lone", actor="admin")
    member = devices.create_device("member", actor="admin", group_id=group.id)
    mine = devices.create_device("mine", actor="admin", group_id=group.id,
                                 price_list_id=own)
    assert devices.price_list_for_device(lone) is None
    assert devices.price_list_for_device(member) == grouped
    assert devices.price_list_for_device(mine) == own
    renamed = devices.update_group(group.id, {"name": "floor-one"}, actor="admin")
    assert renamed.name == "floor-one" and renamed.price_list_id == grouped


def test_an_unknown_price_list_agent_or_group_is_not_found(devices: DevicesService) -> None:
    with pytest.raises(NotFoundError, match="no price list"):
        devices.create_device("d1", actor="admin", price_list_id=UNKNOWN)
    with pytest.raises(NotFoundError, match="no price list"):
        devices.create_group("g1", actor="admin", price_list_id=UNKNOWN)
    with pytest.raises(NotFoundError, match="no agent"):
        devices.create_device("d1", actor="admin", agent_id=UNKNOWN)
    assert devices.list_devices() == [] and devices.list_groups() == []


def test_a_device_a_queue_prints_to_cannot_be_deleted(devices: DevicesService) -> None:
    queue = devices.create_printer("hall", actor="admin")
    with pytest.raises(ConflictError, match="the device of queue\\(s\\) hall"):
        devices.delete_device(queue.device_id or "", actor="admin")
    secure = devices.create_printer("secure", actor="admin", hold_for_release=True)
    [only] = devices.get_release_group(secure.release_group_id or "").device_ids
    with pytest.raises(ConflictError, match="last device of release group 'secure'"):
        devices.delete_device(only, actor="admin")
    spare = devices.create_device("spare", actor="admin")
    devices.add_release_group_member(secure.release_group_id or "", spare.id, actor="admin")
    assert devices.delete_device(only, actor="admin") is None  # the group keeps 'spare'
    assert devices.get_release_group(secure.release_group_id or "").device_ids == (spare.id,)
    with pytest.raises(NotFoundError):
        devices.get_device(only)


def test_deleting_a_grouped_device_tells_the_agents_of_the_groups_queues(
        db: Database, devices: DevicesService) -> None:
    host, server = agent(devices, "ps-1"), agent(devices, "ps-2")
    first = devices.create_device("first", actor="admin", agent_id=server)
    second = devices.create_device("second", actor="admin", agent_id=server)
    group = devices.create_release_group("floor", actor="admin",
                                         device_ids=[first.id, second.id])
    devices.create_queue("secure", actor="admin", kind="release", release_group_id=group.id,
                         agent_id=host)
    devices.delete_device(first.id, actor="admin")
    assert config_events(db, host) == ["queue created", "device delete"]
    assert config_events(db, server) == ["device delete"]
