from __future__ import annotations

from fastapi.testclient import TestClient

from printwarden.container import ServerContainer

UNKNOWN = "01HZZZZZZZZZZZZZZZZZZZZZZZ"


def test_without_a_token_the_groups_api_answers_401(client: TestClient) -> None:
    assert client.get("/api/v1/groups").status_code == 401


def test_a_plain_users_token_is_forbidden_from_the_groups_api(
        client: TestClient, server: ServerContainer) -> None:
    user = server.accounts.create_user("pat", actor="test")
    token, _ = server.accounts.create_api_token(user.id, "t", actor="test")
    response = client.post("/api/v1/groups", json={"name": "x"},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403


def test_an_admin_creates_groups_and_manages_members(admin_client: TestClient,
                                                      server: ServerContainer) -> None:
    created = admin_client.post("/api/v1/groups", json={"name": "staff", "description": "All"})
    assert created.status_code == 201
    group_id = created.json()["id"]
    assert admin_client.get(f"/api/v1/groups/{group_id}").json()["description"] == "All"
    assert admin_client.post("/api/v1/groups", json={"name": "Staff"}).status_code == 409
    user = server.accounts.create_user("gina", actor="test")
    path = f"/api/v1/groups/{group_id}/members/{user.id}"
    assert admin_client.put(path).status_code == 204
    assert admin_client.put(path).status_code == 204
    members = admin_client.get(f"/api/v1/groups/{group_id}/members").json()
    assert [m["username"] for m in members["items"]] == ["gina"] and members["total"] == 1
    listing = admin_client.get("/api/v1/groups").json()
    assert listing["total"] == 1 and listing["items"][0]["name"] == "staff"
    assert admin_client.delete(path).status_code == 204
    assert admin_client.delete(path).status_code == 404
    assert admin_client.get(f"/api/v1/groups/{group_id}/members").json()["total"] == 0


def test_a_group_without_a_name_is_rejected_with_the_field(admin_client: TestClient) -> None:
    response = admin_client.post("/api/v1/groups", json={"description": "no name"})
    assert response.status_code == 422
    assert [f["field"] for f in response.json()["fields"]] == ["body.name"]


def test_unknown_groups_and_users_are_404(admin_client: TestClient,
                                          server: ServerContainer) -> None:
    assert admin_client.get(f"/api/v1/groups/{UNKNOWN}").status_code == 404
    assert admin_client.get(f"/api/v1/groups/{UNKNOWN}/members").status_code == 404
    group = server.accounts.create_group("staff", actor="test")
    assert admin_client.put(f"/api/v1/groups/{group.id}/members/{UNKNOWN}").status_code == 404
