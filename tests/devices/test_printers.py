from __future__ import annotations

import pytest

from printwarden.core.errors import ConflictError, NotFoundError, ValidationError
from printwarden.db.engine import Database
from printwarden.devices import event_store
from printwarden.devices.service import DevicesService


def agent(devices: DevicesService, name: str) -> str:
    code, _ = devices.create_enrolment_code(actor="admin")
    return devices.register_agent(code, name=name, hostname="h", version="1")[0].id


def config_events(db: Database, devices: DevicesService, agent_id: str) -> list[str]:
    events = db.read(lambda conn: event_store.events_after(conn, agent_id, None))
    return [e.payload["reason"] for e in events if e.kind == "config"]


def test_a_printer_is_created_with_safe_defaults(devices: DevicesService) -> None:
    printer = devices.create_printer("hall-mfp", actor="admin",
                                     device_uri="ipp://mfp.lan/ipp/print")
    assert printer.ipp_path == "/ipp/print/hall-mfp"
    assert (printer.failure_policy, printer.enabled, printer.hold_for_release) == (
        "refuse", True, False)
    # who prints is established, not believed; what prints is what was counted
    assert (printer.owner_check, printer.document_policy, printer.lost_job_charge) == (
        "authenticate", "rewrite", "as-sent")
    assert printer.job_lifetime_seconds == 24 * 3600
    assert devices.get_printer(printer.id) == printer


def test_trusting_the_network_is_an_audited_opt_in(devices: DevicesService,
                                                   db: Database) -> None:
    from printwarden.db.audit import AuditLog

    printer = devices.create_printer("lab", actor="admin")
    trusted = devices.update_printer(printer.id, {"owner_check": "trusted-network"},
                                     actor="ann")
    devices.update_printer(printer.id, {"location": "B12"}, actor="ann")
    assert trusted.owner_check == "trusted-network"
    lines = [line for line in AuditLog(db, devices._clock).recent()
             if line["action"] == "printer.trust_network"]
    assert len(lines) == 1  # once, when it was turned on
    assert lines[0]["actor"] == "ann" and "charge, any user" in lines[0]["detail"]["warning"]


def test_a_queue_that_names_its_owner_at_release_must_hold_its_jobs(
        devices: DevicesService) -> None:
    with pytest.raises(ValidationError, match="needs a release queue"):
        devices.create_printer("direct", actor="admin", owner_check="release")
    held = devices.create_printer("held", actor="admin", hold_for_release=True,
                                  owner_check="release")
    assert held.owner_check == "release"
    with pytest.raises(ValidationError, match="unknown owner check"):
        devices.update_printer(held.id, {"owner_check": "believe-anyone"}, actor="admin")


@pytest.mark.parametrize("name", ["", "with space", "a" * 65, "é"])
def test_a_queue_name_must_fit_an_ipp_uri(devices: DevicesService, name: str) -> None:
    with pytest.raises(ValidationError, match="invalid queue name"):
        devices.create_printer(name, actor="admin")


def test_the_tracker_failure_policy_is_refused_for_now(devices: DevicesService) -> None:
    with pytest.raises(ValidationError, match="'tracker' is not available yet"):
        devices.create_printer("q1", actor="admin", failure_policy="tracker")


def test_a_device_uri_needs_a_known_scheme(devices: DevicesService) -> None:
    with pytest.raises(ValidationError, match="invalid device URI"):
        devices.create_printer("q1", actor="admin", device_uri="gopher://x")


def test_printer_and_group_names_are_unique(devices: DevicesService) -> None:
    devices.create_printer("q1", actor="admin")
    with pytest.raises(ConflictError, match="already exists"):
        devices.create_printer("q1", actor="admin")
    devices.create_group("floor-1", actor="admin")
    with pytest.raises(ConflictError):
        devices.create_group("floor-1", actor="admin")


def test_an_unknown_agent_or_group_is_not_found(devices: DevicesService) -> None:
    with pytest.raises(NotFoundError, match="no agent"):
        devices.create_printer("q1", actor="admin", agent_id="01HZZZZZZZZZZZZZZZZZZZZZZZ")
    with pytest.raises(NotFoundError, match="no printer group"):
        devices.create_printer("q1", actor="admin", group_id="01HZZZZZZZZZZZZZZZZZZZZZZZ")


def test_an_agent_serves_only_its_enabled_queues(devices: DevicesService) -> None:
    mine, other = agent(devices, "ps-1"), agent(devices, "ps-2")
    devices.create_printer("a", actor="admin", agent_id=mine)
    devices.create_printer("b", actor="admin", agent_id=mine, enabled=False)
    devices.create_printer("c", actor="admin", agent_id=other)
    assert [p.name for p in devices.queues_for_agent(mine)] == ["a"]


def test_changing_a_printer_tells_its_old_and_new_agent(db: Database,
                                                        devices: DevicesService) -> None:
    first, second = agent(devices, "ps-1"), agent(devices, "ps-2")
    printer = devices.create_printer("q1", actor="admin", agent_id=first)
    moved = devices.update_printer(printer.id, {"agent_id": second, "location": "Hall"},
                                   actor="admin")
    assert (moved.agent_id, moved.location) == (second, "Hall")
    assert config_events(db, devices, first) == ["printer created", "printer updated"]
    assert config_events(db, devices, second) == ["printer updated"]


def test_an_update_refuses_unknown_fields_and_keeps_validation(
    devices: DevicesService,
) -> None:
    printer = devices.create_printer("q1", actor="admin")
    with pytest.raises(ValidationError, match="cannot change"):
        devices.update_printer(printer.id, {"id": "x"}, actor="admin")
    with pytest.raises(ValidationError, match="failure policy"):
        devices.update_printer(printer.id, {"failure_policy": "pray"}, actor="admin")


def test_the_price_list_falls_back_from_printer_to_group_to_default(
    devices: DevicesService,
) -> None:
    group = devices.create_group("floor-1", actor="admin", price_list_id="PL-GROUP")
    lone = devices.create_printer("lone", actor="admin")
    grouped = devices.create_printer("grouped", actor="admin", group_id=group.id)
    own = devices.create_printer("own", actor="admin", group_id=group.id,
                                 price_list_id="PL-OWN")
    assert devices.price_list_for_printer(lone) is None
    assert devices.price_list_for_printer(grouped) == "PL-GROUP"
    assert devices.price_list_for_printer(own) == "PL-OWN"
    renamed = devices.update_group(group.id, {"name": "floor-one"}, actor="admin")
    assert renamed.name == "floor-one" and renamed.price_list_id == "PL-GROUP"


def test_a_printer_without_jobs_is_deleted(devices: DevicesService) -> None:
    printer = devices.create_printer("q1", actor="admin")
    assert devices.delete_printer(printer.id, actor="admin") is None
    with pytest.raises(NotFoundError):
        devices.get_printer(printer.id)
