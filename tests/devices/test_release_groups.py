from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from printwarden.core.errors import ConflictError, NotFoundError, ValidationError
from printwarden.db.engine import Database
from printwarden.devices.service import DevicesService
from printwarden.ledger.service import LedgerService
from tests.devices.support import agent, config_events

UNKNOWN = "01HZZZZZZZZZZZZZZZZZZZZZZZ"


def test_a_release_group_gathers_devices_by_name(devices: DevicesService) -> None:
    zed = devices.create_device("zed", actor="admin")
    amy = devices.create_device("amy", actor="admin")
    group = devices.create_release_group("floor", actor="admin", description="1st floor",
                                         device_ids=[zed.id, amy.id, zed.id])
    assert group.device_ids == (amy.id, zed.id)
    assert [d.name for d in devices.release_group_devices(group.id)] == ["amy", "zed"]
    again = devices.add_release_group_member(group.id, amy.id, actor="admin")
    assert again.device_ids == (amy.id, zed.id)  # adding a member twice changes nothing
    fewer = devices.remove_release_group_member(group.id, zed.id, actor="admin")
    assert fewer.device_ids == (amy.id,)
    renamed = devices.update_release_group(group.id, {"name": "floor-one"}, actor="admin")
    assert (renamed.name, renamed.description, renamed.device_ids) == (
        "floor-one", "1st floor", (amy.id,))
    assert [g.name for g in devices.list_release_groups()] == ["floor-one"]


def test_bad_release_group_input_is_refused(devices: DevicesService) -> None:
    with pytest.raises(ValidationError, match="name of 1 to 100"):
        devices.create_release_group("  ", actor="admin")
    with pytest.raises(NotFoundError, match="no device"):
        devices.create_release_group("g", actor="admin", device_ids=[UNKNOWN])
    assert devices.list_release_groups() == []  # nothing half made
    group = devices.create_release_group("g", actor="admin")
    with pytest.raises(ConflictError, match="already exists"):
        devices.create_release_group("g", actor="admin")
    with pytest.raises(NotFoundError, match="no device"):
        devices.add_release_group_member(group.id, UNKNOWN, actor="admin")
    with pytest.raises(NotFoundError, match="is not in release group"):
        devices.remove_release_group_member(group.id, UNKNOWN, actor="admin")
    with pytest.raises(ValidationError, match="cannot change"):
        devices.update_release_group(group.id, {"device_ids": []}, actor="admin")


def test_a_group_a_queue_releases_at_keeps_a_device_and_stays(
        devices: DevicesService) -> None:
    queue = devices.create_printer("secure", actor="admin", hold_for_release=True)
    group_id = queue.release_group_id or ""
    [only] = devices.get_release_group(group_id).device_ids
    with pytest.raises(ConflictError, match="last device"):
        devices.remove_release_group_member(group_id, only, actor="admin")
    with pytest.raises(ConflictError, match="used by queue\\(s\\) secure"):
        devices.delete_release_group(group_id, actor="admin")
    devices.delete_queue(queue.id, actor="admin")
    devices.delete_release_group(group_id, actor="admin")
    with pytest.raises(NotFoundError):
        devices.get_release_group(group_id)


def test_a_release_group_prices_in_one_currency(devices: DevicesService,
                                                ledger: LedgerService) -> None:
    francs = ledger.create_price_list("francs", currency="CHF", actor="admin").id
    euros = ledger.create_price_list("euros", currency="EUR", actor="admin").id
    euro = devices.create_device("euro", actor="admin", price_list_id=euros)
    plain = devices.create_device("plain", actor="admin")  # no list: the ledger's EUR
    swiss = devices.create_device("swiss", actor="admin", price_list_id=francs)
    group = devices.create_release_group("floor", actor="admin",
                                         device_ids=[euro.id, plain.id])
    with pytest.raises(ConflictError, match=r"would mix currencies \(CHF: swiss; EUR: euro, "
                                            r"plain\)"):
        devices.add_release_group_member(group.id, swiss.id, actor="admin")
    with pytest.raises(ConflictError, match="would mix currencies"):
        devices.create_release_group("mixed", actor="admin", device_ids=[euro.id, swiss.id])
    with pytest.raises(ConflictError, match="would mix currencies"):
        devices.update_device(plain.id, {"price_list_id": francs}, actor="admin")
    pricing = devices.create_group("pricing", actor="admin")
    devices.update_device(plain.id, {"group_id": pricing.id}, actor="admin")
    with pytest.raises(ConflictError, match="would mix currencies"):
        devices.update_group(pricing.id, {"price_list_id": francs}, actor="admin")
    assert devices.get_release_group(group.id).device_ids == (euro.id, plain.id)
    assert devices.get_group(pricing.id).price_list_id is None
    assert devices.get_device(plain.id).price_list_id is None


def test_membership_changes_tell_the_agents_hosting_the_groups_queues(
        db: Database, devices: DevicesService) -> None:
    host = agent(devices, "ps-1")
    first = devices.create_device("first", actor="admin")
    second = devices.create_device("second", actor="admin")
    group = devices.create_release_group("floor", actor="admin", device_ids=[first.id])
    devices.create_queue("secure", actor="admin", kind="release", release_group_id=group.id,
                         agent_id=host)
    devices.add_release_group_member(group.id, second.id, actor="admin")
    devices.remove_release_group_member(group.id, first.id, actor="admin")
    assert config_events(db, host) == ["queue created", "release group device added",
                                       "release group device removed"]


def test_concurrent_adds_of_one_device_make_one_membership(devices: DevicesService) -> None:
    device = devices.create_device("d1", actor="admin")
    group = devices.create_release_group("floor", actor="admin")

    def add() -> str:
        try:
            return str(devices.add_release_group_member(group.id, device.id,
                                                        actor="admin").device_ids)
        except ConflictError as exc:
            return exc.message

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: add(), range(8)))
    assert devices.get_release_group(group.id).device_ids == (device.id,)
    assert all(a == str((device.id,)) or "concurrent" in a for a in answers), answers
