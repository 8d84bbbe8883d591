from __future__ import annotations

import pytest

from printwarden.core.errors import ConflictError, NotFoundError, ValidationError
from printwarden.db.audit import AuditLog
from printwarden.db.engine import Database
from printwarden.devices.service import DevicesService
from tests.devices.support import agent, config_events

UNKNOWN = "01HZZZZZZZZZZZZZZZZZZZZZZZ"


def test_a_printer_is_a_device_and_a_direct_queue_with_safe_defaults(
        devices: DevicesService) -> None:
    queue = devices.create_printer("hall-mfp", actor="admin",
                                   device_uri="ipp://mfp.lan/ipp/print", location="Hall")
    assert queue.ipp_path == "/ipp/print/hall-mfp"
    assert (queue.kind, queue.failure_policy, queue.enabled, queue.hold_for_release) == (
        "direct", "refuse", True, False)
    # who prints is established, not believed; what prints is what was counted
    assert (queue.owner_check, queue.document_policy, queue.lost_job_charge) == (
        "authenticate", "rewrite", "as-sent")
    assert queue.job_lifetime_seconds == 24 * 3600
    assert devices.get_queue(queue.id) == queue
    device = devices.get_device(queue.device_id or "")
    assert (device.name, device.device_uri, device.location, device.snmp_enabled) == (
        "hall-mfp", "ipp://mfp.lan/ipp/print", "Hall", False)


def test_a_held_printer_is_a_release_queue_on_a_group_of_its_device(
        devices: DevicesService) -> None:
    queue = devices.create_printer("secure", actor="admin", hold_for_release=True,
                                   owner_check="release")
    assert (queue.kind, queue.hold_for_release, queue.device_id) == ("release", True, None)
    group = devices.get_release_group(queue.release_group_id or "")
    assert group.name == "secure"
    assert [devices.get_device(d).name for d in group.device_ids] == ["secure"]


def test_trusting_the_network_is_an_audited_opt_in(devices: DevicesService,
                                                   db: Database) -> None:
    queue = devices.create_printer("lab", actor="admin")
    trusted = devices.update_queue(queue.id, {"owner_check": "trusted-network"},
                                   actor="ann")
    devices.update_queue(queue.id, {"description": "B12"}, actor="ann")
    assert trusted.owner_check == "trusted-network"
    lines = [line for line in AuditLog(db, devices._clock).recent()
             if line["action"] == "queue.trust_network"]
    assert len(lines) == 1  # once, when it was turned on
    assert lines[0]["actor"] == "ann" and "charge, any user" in lines[0]["detail"]["warning"]


def test_a_queue_that_names_its_owner_at_release_must_be_a_release_queue(
        devices: DevicesService) -> None:
    with pytest.raises(ValidationError, match="needs a release queue"):
        devices.create_printer("direct", actor="admin", owner_check="release")
    held = devices.create_printer("held", actor="admin", hold_for_release=True,
                                  owner_check="release")
    assert held.owner_check == "release"
    with pytest.raises(ValidationError, match="unknown owner check"):
        devices.update_queue(held.id, {"owner_check": "believe-anyone"}, actor="admin")
    with pytest.raises(ValidationError, match="needs a release queue"):
        devices.update_queue(held.id, {"kind": "direct", "device_id": UNKNOWN}, actor="a")


def test_a_direct_queue_needs_a_device_and_a_release_queue_a_group_with_devices(
        devices: DevicesService) -> None:
    device = devices.create_device("mfp", actor="admin")
    with pytest.raises(ValidationError, match="give its device_id"):
        devices.create_queue("q1", actor="admin")
    with pytest.raises(ValidationError, match="give its release_group_id"):
        devices.create_queue("q1", actor="admin", kind="release")
    with pytest.raises(ValidationError, match="has no device of its own"):
        group = devices.create_release_group("g", actor="admin", device_ids=[device.id])
        devices.create_queue("q1", actor="admin", kind="release", device_id=device.id,
                             release_group_id=group.id)
    empty = devices.create_release_group("empty", actor="admin")
    with pytest.raises(ValidationError, match="has no devices"):
        devices.create_queue("q1", actor="admin", kind="release", release_group_id=empty.id)
    with pytest.raises(ValidationError, match="unknown queue kind"):
        devices.create_queue("q1", actor="admin", kind="find-me", device_id=device.id)
    with pytest.raises(NotFoundError, match="no device"):
        devices.create_queue("q1", actor="admin", device_id=UNKNOWN)
    with pytest.raises(NotFoundError, match="no release group"):
        devices.create_queue("q1", actor="admin", kind="release", release_group_id=UNKNOWN)
    assert devices.list_queues() == []


def test_changing_the_kind_swaps_the_target(devices: DevicesService) -> None:
    queue = devices.create_printer("hall", actor="admin")
    group = devices.create_release_group("floor", actor="admin",
                                         device_ids=[queue.device_id or ""])
    released = devices.update_queue(queue.id, {"kind": "release",
                                               "release_group_id": group.id}, actor="a")
    assert (released.kind, released.device_id, released.release_group_id) == (
        "release", None, group.id)
    direct = devices.update_queue(queue.id, {"kind": "direct",
                                             "device_id": queue.device_id}, actor="a")
    assert (direct.kind, direct.device_id, direct.release_group_id) == (
        "direct", queue.device_id, None)


@pytest.mark.parametrize("name", ["", "with space", "a" * 65, "é", "\u0665", "q/../x"])
def test_a_queue_or_device_name_must_fit_in_a_uri(devices: DevicesService,
                                                  name: str) -> None:
    with pytest.raises(ValidationError, match="invalid queue name"):
        devices.create_queue(name, actor="admin")
    with pytest.raises(ValidationError, match="invalid device name"):
        devices.create_device(name, actor="admin")


def test_policies_and_uris_are_checked(devices: DevicesService) -> None:
    with pytest.raises(ValidationError, match="unknown failure policy 'print-anyway'"):
        devices.create_printer("q1", actor="admin", failure_policy="print-anyway")
    with pytest.raises(ValidationError, match="unknown offline charging 'free'"):
        devices.create_printer("q1", actor="admin", failure_policy="tracker",
                               offline_charging="free")
    with pytest.raises(ValidationError, match="invalid device URI"):
        devices.create_printer("q1", actor="admin", device_uri="gopher://x")
    with pytest.raises(ValidationError, match="job_lifetime_seconds"):
        devices.create_printer("q1", actor="admin", job_lifetime_seconds=10**30)
    with pytest.raises(ValidationError, match="unknown printer field"):
        devices.create_printer("q1", actor="admin", colour=True)
    assert devices.list_devices() == [] and devices.list_queues() == []


def test_names_are_unique_per_kind_of_thing(devices: DevicesService) -> None:
    devices.create_printer("q1", actor="admin")  # a device AND a queue named q1
    with pytest.raises(ConflictError, match="a device named 'q1'"):
        devices.create_printer("q1", actor="admin")
    device = devices.create_device("other", actor="admin")
    with pytest.raises(ConflictError, match="a queue named 'q1'"):
        devices.create_queue("q1", actor="admin", device_id=device.id)
    devices.create_group("floor-1", actor="admin")
    with pytest.raises(ConflictError):
        devices.create_group("floor-1", actor="admin")


def test_an_unknown_agent_or_group_is_not_found(devices: DevicesService) -> None:
    with pytest.raises(NotFoundError, match="no agent"):
        devices.create_printer("q1", actor="admin", agent_id=UNKNOWN)
    with pytest.raises(NotFoundError, match="no printer group"):
        devices.create_printer("q1", actor="admin", group_id=UNKNOWN)


def test_an_agent_serves_only_its_enabled_queues(devices: DevicesService) -> None:
    mine, other = agent(devices, "ps-1"), agent(devices, "ps-2")
    devices.create_printer("a", actor="admin", agent_id=mine)
    devices.create_printer("b", actor="admin", agent_id=mine, enabled=False)
    devices.create_printer("c", actor="admin", agent_id=other)
    served = devices.queues_for_agent(mine)
    assert [(s.queue.name, [d.name for d in s.devices]) for s in served] == [("a", ["a"])]


def test_a_release_queue_carries_the_enabled_devices_of_its_group_its_agent_serves(
        devices: DevicesService) -> None:
    mine, other = agent(devices, "ps-1"), agent(devices, "ps-2")
    here = devices.create_device("here", actor="admin", agent_id=mine, device_uri="ipp://a/")
    off = devices.create_device("off", actor="admin", agent_id=mine, enabled=False)
    there = devices.create_device("there", actor="admin", agent_id=other)
    group = devices.create_release_group("floor", actor="admin",
                                         device_ids=[here.id, off.id, there.id])
    devices.create_queue("secure", actor="admin", kind="release", release_group_id=group.id,
                         agent_id=mine, owner_check="release")
    [served] = devices.queues_for_agent(mine)
    assert [d.name for d in served.devices] == ["here"]
    assert served.single_device == here
    assert devices.queues_for_agent(other) == []  # the queue is hosted by ps-1 only


def test_a_direct_queue_is_hosted_by_its_devices_agent(db: Database,
                                                       devices: DevicesService) -> None:
    first, second = agent(devices, "ps-1"), agent(devices, "ps-2")
    queue = devices.create_printer("q1", actor="admin", agent_id=first)
    assert queue.agent_id == first
    with pytest.raises(ValidationError, match="change the device's agent"):
        devices.update_queue(queue.id, {"agent_id": second}, actor="admin")
    devices.update_device(queue.device_id or "", {"agent_id": second, "location": "Hall"},
                          actor="admin")
    moved = devices.get_queue(queue.id)
    assert moved.agent_id == second  # the queue moved with its device
    assert config_events(db, first) == ["queue created", "device updated"]
    assert config_events(db, second) == ["device updated"]
    devices.update_queue(queue.id, {"description": "x"}, actor="admin")
    assert config_events(db, second) == ["device updated", "queue updated"]


def test_a_direct_queue_moved_to_another_device_follows_its_agent(
        devices: DevicesService) -> None:
    first, second = agent(devices, "ps-1"), agent(devices, "ps-2")
    queue = devices.create_printer("q1", actor="admin", agent_id=first)
    elsewhere = devices.create_device("d2", actor="admin", agent_id=second)
    moved = devices.update_queue(queue.id, {"device_id": elsewhere.id}, actor="admin")
    assert (moved.device_id, moved.agent_id) == (elsewhere.id, second)


def test_an_update_refuses_unknown_fields_and_keeps_validation(
    devices: DevicesService,
) -> None:
    queue = devices.create_printer("q1", actor="admin")
    with pytest.raises(ValidationError, match="cannot change"):
        devices.update_queue(queue.id, {"id": "x"}, actor="admin")
    with pytest.raises(ValidationError, match="cannot change"):
        devices.update_queue(queue.id, {"hold_for_release": True}, actor="admin")
    with pytest.raises(ValidationError, match="failure policy"):
        devices.update_queue(queue.id, {"failure_policy": "pray"}, actor="admin")
    with pytest.raises(ValidationError, match="job_lifetime_seconds"):
        devices.update_queue(queue.id, {"job_lifetime_seconds": True}, actor="admin")
    assert devices.get_queue(queue.id) == queue


def test_a_queue_without_jobs_is_deleted_and_its_device_stays(
        devices: DevicesService) -> None:
    queue = devices.create_printer("q1", actor="admin")
    assert devices.delete_queue(queue.id, actor="admin") is None
    with pytest.raises(NotFoundError):
        devices.get_queue(queue.id)
    assert devices.get_device(queue.device_id or "").name == "q1"
