from __future__ import annotations

from fastapi.testclient import TestClient

from printwarden.container import ServerContainer

PRINTER = {"name": "hall-mfp", "location": "Main hall", "device_uri": "ipp://mfp.lan/ipp/print",
           "hold_for_release": True, "failure_policy": "hold"}


def test_an_admin_creates_reads_and_lists_printers(admin_client: TestClient) -> None:
    created = admin_client.post("/api/v1/printers", json=PRINTER)
    assert created.status_code == 201, created.text
    printer = created.json()
    assert printer["ipp_path"] == "/ipp/print/hall-mfp"
    assert (printer["hold_for_release"], printer["failure_policy"], printer["enabled"]) == (
        True, "hold", True)
    assert admin_client.get(f"/api/v1/printers/{printer['id']}").json() == printer
    listed = admin_client.get("/api/v1/printers", params={"limit": 10}).json()
    assert (listed["total"], listed["items"], listed["limit"]) == (1, [printer], 10)


def test_a_duplicate_printer_name_is_a_409(admin_client: TestClient) -> None:
    assert admin_client.post("/api/v1/printers", json=PRINTER).status_code == 201
    again = admin_client.post("/api/v1/printers", json=PRINTER)
    assert again.status_code == 409 and again.json()["error"] == "conflict"


def test_a_bad_queue_name_is_a_422_naming_the_field(admin_client: TestClient) -> None:
    answer = admin_client.post("/api/v1/printers", json={**PRINTER, "name": "hall mfp"})
    assert answer.status_code == 422
    assert answer.json()["fields"][0]["field"] == "body.name"


def test_the_tracker_policy_is_a_clear_422(admin_client: TestClient) -> None:
    answer = admin_client.post("/api/v1/printers", json={**PRINTER, "failure_policy": "tracker"})
    assert answer.status_code == 422
    assert "'tracker' is not available yet" in answer.json()["message"]


def test_a_patch_changes_only_what_it_names(admin_client: TestClient) -> None:
    printer = admin_client.post("/api/v1/printers", json=PRINTER).json()
    patched = admin_client.patch(f"/api/v1/printers/{printer['id']}",
                                 json={"location": "Library", "enabled": False})
    assert patched.status_code == 200
    assert (patched.json()["location"], patched.json()["enabled"]) == ("Library", False)
    assert patched.json()["device_uri"] == PRINTER["device_uri"]
    nulled = admin_client.patch(f"/api/v1/printers/{printer['id']}", json={"name": None})
    assert nulled.status_code == 422


def test_an_unknown_printer_is_a_404(admin_client: TestClient) -> None:
    assert admin_client.get("/api/v1/printers/NOPE").status_code == 404
    assert admin_client.patch("/api/v1/printers/NOPE", json={}).status_code == 404


def test_a_printer_without_jobs_is_deleted(admin_client: TestClient) -> None:
    printer = admin_client.post("/api/v1/printers", json=PRINTER).json()
    answer = admin_client.delete(f"/api/v1/printers/{printer['id']}")
    assert answer.json() == {"deleted": True, "printer": None}
    assert admin_client.get(f"/api/v1/printers/{printer['id']}").status_code == 404


def test_printer_groups_carry_a_price_list(admin_client: TestClient,
                                           server: ServerContainer) -> None:
    group = admin_client.post("/api/v1/printer-groups",
                              json={"name": "floor-1", "price_list_id": "PL1"})
    assert group.status_code == 201
    group_id = group.json()["id"]
    printer = admin_client.post("/api/v1/printers", json={**PRINTER, "group_id": group_id})
    renamed = admin_client.patch(f"/api/v1/printer-groups/{group_id}", json={"name": "floor-one"})
    assert renamed.json() == {"id": group_id, "name": "floor-one", "price_list_id": "PL1",
                              "description": ""}
    assert admin_client.get("/api/v1/printer-groups").json()["total"] == 1
    stored = server.devices.get_printer(printer.json()["id"])
    assert server.devices.price_list_for_printer(stored) == "PL1"
    duplicate = admin_client.post("/api/v1/printer-groups", json={"name": "floor-one"})
    assert duplicate.status_code == 409


def test_printers_need_authentication(client: TestClient) -> None:
    assert client.get("/api/v1/printers").status_code == 401
    assert client.post("/api/v1/printers", json=PRINTER).status_code == 401
