from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from printwarden.container import ServerContainer
from tests.web.api.test_queues_api import DEVICE, device, release_group


def test_an_admin_creates_reads_lists_and_changes_devices(admin_client: TestClient) -> None:
    created = device(admin_client, make_and_model="Brother MFC", color_capable=False,
                     media_supported=["iso_a4_210x297mm"], snmp_enabled=True,
                     snmp_community="s3cret", snmp_port=1161)
    assert (created["color_capable"], created["media_supported"], created["snmp_port"],
            created["snmp_version"], created["snmp_community_set"]) == (
        False, ["iso_a4_210x297mm"], 1161, "2c", True)
    assert "snmp_community" not in created and "s3cret" not in str(created)
    assert admin_client.get(f"/api/v1/devices/{created['id']}").json() == created
    listed = admin_client.get("/api/v1/devices").json()
    assert (listed["total"], listed["items"]) == (1, [created])
    assert created["release_on_sign_in"] is False
    patched = admin_client.patch(f"/api/v1/devices/{created['id']}",
                                 json={"location": "Library", "media_supported": [],
                                       "release_on_sign_in": True})
    assert patched.json()["release_on_sign_in"] is True
    assert (patched.json()["location"], patched.json()["media_supported"],
            patched.json()["device_uri"]) == ("Library", [], DEVICE["device_uri"])


@pytest.mark.parametrize(("body", "field"), [
    ({"snmp_port": 0}, "body.snmp_port"),
    ({"snmp_port": 70000}, "body.snmp_port"),
    ({"snmp_port": "161"}, "body.snmp_port"),
    ({"snmp_port": "\u0661\u0666\u0661"}, "body.snmp_port"),
    ({"snmp_port": 10**40}, "body.snmp_port"),
    ({"snmp_port": True}, "body.snmp_port"),
    ({"color_capable": "yes"}, "body.color_capable"),
    ({"release_on_sign_in": "yes"}, "body.release_on_sign_in"),
    ({"release_on_sign_in": 1}, "body.release_on_sign_in"),
    ({"media_supported": "iso_a4_210x297mm"}, "body.media_supported"),
    ({"media_supported": ["x"] * 51}, "body.media_supported"),
    ({"name": "hall mfp"}, "body.name"),
    ({"snmp_community": None}, "snmp_community cannot be null"),
])
def test_malformed_device_input_is_a_422_naming_the_field(admin_client: TestClient,
                                                          body: dict[str, Any],
                                                          field: str) -> None:
    answer = admin_client.post("/api/v1/devices", json={**DEVICE, **body})
    assert answer.status_code == 422, answer.text
    assert field in answer.text


@pytest.mark.parametrize(("body", "message"), [
    ({"snmp_version": "3"}, "SNMP version '3' is not supported"),
    ({"snmp_community": "with space"}, "SNMP community"),
    ({"media_supported": ["A4"]}, "invalid media size"),
    ({"device_uri": "gopher://x"}, "invalid device URI"),
])
def test_invalid_device_settings_are_a_422_with_a_message(admin_client: TestClient,
                                                          body: dict[str, Any],
                                                          message: str) -> None:
    answer = admin_client.post("/api/v1/devices", json={**DEVICE, **body})
    assert answer.status_code == 422
    assert message in answer.json()["message"]


def test_a_device_in_use_is_a_409_and_an_unknown_one_a_404(admin_client: TestClient) -> None:
    mfp = device(admin_client)
    admin_client.post("/api/v1/queues", json={"name": "hall", "device_id": mfp["id"]})
    busy = admin_client.delete(f"/api/v1/devices/{mfp['id']}")
    assert busy.status_code == 409 and "the device of queue(s) hall" in busy.json()["message"]
    spare = device(admin_client, name="spare")
    gone = admin_client.delete(f"/api/v1/devices/{spare['id']}")
    assert gone.json() == {"deleted": True, "device": None}
    assert admin_client.get(f"/api/v1/devices/{spare['id']}").status_code == 404
    assert admin_client.patch("/api/v1/devices/NOPE", json={}).status_code == 404


def test_printer_groups_price_their_devices(admin_client: TestClient,
                                            server: ServerContainer) -> None:
    price_list = server.ledger.create_price_list("floor", actor="test").id
    group = admin_client.post("/api/v1/printer-groups",
                              json={"name": "floor-1", "price_list_id": price_list})
    assert group.status_code == 201
    group_id = group.json()["id"]
    mfp = device(admin_client, group_id=group_id)
    renamed = admin_client.patch(f"/api/v1/printer-groups/{group_id}", json={"name": "floor-one"})
    assert renamed.json() == {"id": group_id, "name": "floor-one", "price_list_id": price_list,
                              "description": ""}
    assert admin_client.get("/api/v1/printer-groups").json()["total"] == 1
    stored = server.devices.get_device(mfp["id"])
    assert server.devices.price_list_for_device(stored) == price_list
    duplicate = admin_client.post("/api/v1/printer-groups", json={"name": "floor-one"})
    assert duplicate.status_code == 409
    unknown = admin_client.post("/api/v1/printer-groups",
                                json={"name": "x", "price_list_id": "NOPE"})
    assert unknown.status_code == 404 and "no price list" in unknown.json()["message"]


def test_release_groups_and_their_members(admin_client: TestClient,
                                          server: ServerContainer) -> None:
    first, second = device(admin_client), device(admin_client, name="second")
    group_id = release_group(admin_client, first["id"])
    queue = admin_client.post("/api/v1/queues", json={
        "name": "secure", "kind": "release", "release_group_id": group_id})
    assert queue.status_code == 201
    added = admin_client.put(f"/api/v1/release-groups/{group_id}/members/{second['id']}")
    assert added.status_code == 200
    assert added.json()["device_ids"] == [first["id"], second["id"]]
    members = admin_client.get(f"/api/v1/release-groups/{group_id}/members").json()
    assert [m["name"] for m in members] == ["hall-mfp", "second"]
    assert admin_client.put(f"/api/v1/release-groups/{group_id}/members/NOPE").status_code \
        == 404
    removed = admin_client.delete(f"/api/v1/release-groups/{group_id}/members/{first['id']}")
    assert removed.json()["device_ids"] == [second["id"]]
    last = admin_client.delete(f"/api/v1/release-groups/{group_id}/members/{second['id']}")
    assert last.status_code == 409 and "last device" in last.json()["message"]
    used = admin_client.delete(f"/api/v1/release-groups/{group_id}")
    assert used.status_code == 409
    francs = server.ledger.create_price_list("francs", currency="CHF", actor="test").id
    swiss = device(admin_client, name="swiss", price_list_id=francs)
    mixed = admin_client.put(f"/api/v1/release-groups/{group_id}/members/{swiss['id']}")
    assert mixed.status_code == 409 and "would mix currencies" in mixed.json()["message"]
    renamed = admin_client.patch(f"/api/v1/release-groups/{group_id}", json={"name": "lab"})
    assert renamed.json()["name"] == "lab"
    listed = admin_client.get("/api/v1/release-groups").json()
    assert [g["name"] for g in listed["items"]] == ["lab"]
    spare = release_group(admin_client, name="spare")
    assert admin_client.delete(f"/api/v1/release-groups/{spare}").status_code == 204
    assert admin_client.get(f"/api/v1/release-groups/{spare}").status_code == 404


def test_devices_and_release_groups_need_an_admin_to_change(client: TestClient,
                                                            server: ServerContainer) -> None:
    assert client.get("/api/v1/devices").status_code == 401
    assert client.post("/api/v1/release-groups", json={"name": "x"}).status_code == 401
    server.accounts.create_user("op", roles=("operator",), password="op-pass-123", actor="t")
    token, _ = server.accounts.create_api_token(
        server.accounts.get_user_by_username("op").id, "t", actor="t")
    client.headers["Authorization"] = f"Bearer {token}"
    assert client.get("/api/v1/devices").status_code == 200  # staff read
    assert client.post("/api/v1/devices", json=DEVICE).status_code == 403
