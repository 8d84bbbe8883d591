from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

DEVICE = {"name": "hall-mfp", "location": "Main hall",
          "device_uri": "ipp://mfp.lan/ipp/print"}


def device(client: TestClient, **extra: Any) -> dict[str, Any]:
    answer = client.post("/api/v1/devices", json={**DEVICE, **extra})
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def release_group(client: TestClient, *device_ids: str, name: str = "floor-1") -> str:
    answer = client.post("/api/v1/release-groups",
                         json={"name": name, "device_ids": list(device_ids)})
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


@pytest.mark.parametrize("base", ["/api/v1/queues", "/api/v1/printers"])
def test_an_admin_creates_reads_and_lists_queues_also_under_the_printers_alias(
        admin_client: TestClient, base: str) -> None:
    mfp = device(admin_client)
    created = admin_client.post(base, json={"name": "hall", "device_id": mfp["id"],
                                            "failure_policy": "hold"})
    assert created.status_code == 201, created.text
    queue = created.json()
    assert queue["ipp_path"] == "/ipp/print/hall"
    assert (queue["kind"], queue["hold_for_release"], queue["failure_policy"],
            queue["enabled"], queue["device_id"]) == ("direct", False, "hold", True, mfp["id"])
    for path in ("/api/v1/queues", "/api/v1/printers"):  # one resource, two names
        assert admin_client.get(f"{path}/{queue['id']}").json() == queue
        listed = admin_client.get(path, params={"limit": 10}).json()
        assert (listed["total"], listed["items"], listed["limit"]) == (1, [queue], 10)


def test_a_tracker_queue_says_whether_offline_jobs_are_charged(
        admin_client: TestClient) -> None:
    created = admin_client.post("/api/v1/queues", json={
        "name": "lab", "device_id": device(admin_client)["id"], "failure_policy": "tracker"})
    assert created.status_code == 201, created.text
    queue = created.json()
    assert (queue["failure_policy"], queue["offline_charging"]) == ("tracker", "charge")
    patched = admin_client.patch(f"/api/v1/queues/{queue['id']}",
                                 json={"offline_charging": "log"})
    assert patched.status_code == 200, patched.text
    assert admin_client.get(f"/api/v1/queues/{queue['id']}").json()["offline_charging"] == "log"
    nulled = admin_client.patch(f"/api/v1/queues/{queue['id']}",
                                json={"offline_charging": None})
    assert nulled.status_code == 422 and "offline_charging cannot be null" in nulled.text


def test_a_release_queue_names_its_group(admin_client: TestClient) -> None:
    group_id = release_group(admin_client, device(admin_client)["id"])
    created = admin_client.post("/api/v1/queues", json={
        "name": "secure", "kind": "release", "release_group_id": group_id,
        "owner_check": "release"})
    assert created.status_code == 201, created.text
    assert (created.json()["hold_for_release"], created.json()["device_id"]) == (True, None)


@pytest.mark.parametrize(("body", "status", "message"), [
    ({"name": "q"}, 422, "give its device_id"),
    ({"name": "q", "kind": "release"}, 422, "give its release_group_id"),
    ({"name": "q", "device_id": "01HZZZZZZZZZZZZZZZZZZZZZZZ"}, 404, "no device"),
    ({"name": "q", "kind": "release", "release_group_id": "01HZZZZZZZZZZZZZZZZZZZZZZZ"},
     404, "no release group"),
    ({"name": "q", "kind": "find-me"}, 422, "body.kind"),
    ({"name": "q", "hold_for_release": True}, 422, "body.hold_for_release"),
    ({"name": "q", "job_lifetime_seconds": "600"}, 422, "body.job_lifetime_seconds"),
    ({"name": "q", "job_lifetime_seconds": 10**40}, 422, "body.job_lifetime_seconds"),
    ({"name": "hall mfp"}, 422, "body.name"),
    ({"name": "hall\u0665"}, 422, "body.name"),
    ({"name": "q", "failure_policy": "print-anyway"}, 422, "unknown failure policy"),
    ({"name": "q", "offline_charging": "free"}, 422, "body.offline_charging"),
])
def test_bad_queue_input_is_a_clear_4xx(admin_client: TestClient, body: dict[str, Any],
                                        status: int, message: str) -> None:
    answer = admin_client.post("/api/v1/queues", json=body)
    assert answer.status_code == status, answer.text
    assert message in answer.text
    assert admin_client.get("/api/v1/queues").json()["total"] == 0


def test_a_duplicate_queue_name_is_a_409(admin_client: TestClient) -> None:
    body = {"name": "hall", "device_id": device(admin_client)["id"]}
    assert admin_client.post("/api/v1/queues", json=body).status_code == 201
    again = admin_client.post("/api/v1/printers", json=body)
    assert again.status_code == 409 and again.json()["error"] == "conflict"


def test_a_patch_changes_only_what_it_names(admin_client: TestClient) -> None:
    mfp = device(admin_client)
    queue = admin_client.post("/api/v1/queues", json={"name": "hall",
                                                      "device_id": mfp["id"]}).json()
    patched = admin_client.patch(f"/api/v1/queues/{queue['id']}",
                                 json={"description": "Library", "enabled": False})
    assert patched.status_code == 200
    assert (patched.json()["description"], patched.json()["enabled"]) == ("Library", False)
    assert patched.json()["device_id"] == mfp["id"]
    nulled = admin_client.patch(f"/api/v1/queues/{queue['id']}", json={"name": None})
    assert nulled.status_code == 422
    no_device = admin_client.patch(f"/api/v1/queues/{queue['id']}", json={"device_id": None})
    assert no_device.status_code == 422 and "give its device_id" in no_device.text


def test_an_unknown_queue_is_a_404(admin_client: TestClient) -> None:
    for base in ("/api/v1/queues", "/api/v1/printers"):
        assert admin_client.get(f"{base}/NOPE").status_code == 404
        assert admin_client.patch(f"{base}/NOPE", json={}).status_code == 404


def test_a_queue_without_jobs_is_deleted(admin_client: TestClient) -> None:
    mfp = device(admin_client)
    queue = admin_client.post("/api/v1/queues", json={"name": "hall",
                                                      "device_id": mfp["id"]}).json()
    answer = admin_client.delete(f"/api/v1/printers/{queue['id']}")
    assert answer.json() == {"deleted": True, "queue": None}
    assert admin_client.get(f"/api/v1/queues/{queue['id']}").status_code == 404


def test_queues_need_authentication(client: TestClient) -> None:
    for base in ("/api/v1/queues", "/api/v1/printers"):
        assert client.get(base).status_code == 401
        assert client.post(base, json={"name": "x"}).status_code == 401
