from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from printwarden.container import ServerContainer

UNKNOWN = "01HZZZZZZZZZZZZZZZZZZZZZZZ"


def _user_token(server: ServerContainer, username: str = "pat") -> str:
    user = server.accounts.create_user(username, actor="test")
    token, _ = server.accounts.create_api_token(user.id, "t", actor="test")
    return token


def test_without_a_token_the_users_api_answers_401(client: TestClient) -> None:
    response = client.get("/api/v1/users")
    assert response.status_code == 401
    assert response.json()["error"] == "unauthenticated"


def test_a_plain_users_token_is_forbidden_from_the_users_api(
        client: TestClient, server: ServerContainer) -> None:
    token = _user_token(server)
    response = client.get("/api/v1/users", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403


def test_me_returns_the_callers_own_record(client: TestClient, server: ServerContainer) -> None:
    token = _user_token(server, "pat")
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.json()["username"] == "pat"


def test_an_admin_creates_reads_lists_and_updates_a_user(admin_client: TestClient) -> None:
    created = admin_client.post("/api/v1/users", json={
        "username": "alice", "full_name": "Alice", "email": "alice@x.org",
        "roles": ["operator"], "password": "long-enough", "pin": "4711"})
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["roles"] == ["operator", "user"] and body["has_password"] and body["has_pin"]
    assert not {"password", "password_hash", "pin", "pin_hash"} & set(body)
    user_id = body["id"]
    assert admin_client.get(f"/api/v1/users/{user_id}").json()["username"] == "alice"
    listing = admin_client.get("/api/v1/users", params={"query": "ali", "limit": 5}).json()
    assert listing["total"] == 1 and listing["limit"] == 5 and listing["offset"] == 0
    assert [u["username"] for u in listing["items"]] == ["alice"]
    patched = admin_client.patch(f"/api/v1/users/{user_id}", json={"active": False})
    assert patched.status_code == 200 and patched.json()["active"] is False


def test_a_duplicate_username_is_a_conflict(admin_client: TestClient) -> None:
    assert admin_client.post("/api/v1/users", json={"username": "bob"}).status_code == 201
    response = admin_client.post("/api/v1/users", json={"username": "BOB"})
    assert response.status_code == 409 and response.json()["error"] == "conflict"


def test_a_bad_body_is_rejected_with_the_field_names(admin_client: TestClient) -> None:
    response = admin_client.post("/api/v1/users", json={
        "username": "has space", "password": "short", "pin": "12", "roles": ["wizard"]})
    assert response.status_code == 422
    fields = {f["field"] for f in response.json()["fields"]}
    assert {"body.username", "body.password", "body.pin"} <= fields
    assert any(f.startswith("body.roles") for f in fields)


@pytest.mark.parametrize("method,path", [
    ("get", f"/api/v1/users/{UNKNOWN}"),
    ("patch", f"/api/v1/users/{UNKNOWN}"),
    ("get", f"/api/v1/users/{UNKNOWN}/cards"),
    ("get", f"/api/v1/users/{UNKNOWN}/groups"),
    ("delete", f"/api/v1/cards/{UNKNOWN}"),
])
def test_unknown_ids_are_404(admin_client: TestClient, method: str, path: str) -> None:
    response = admin_client.request(method, path, json={} if method == "patch" else None)
    assert response.status_code == 404 and response.json()["error"] == "not_found"


def test_password_and_pin_are_set_and_the_pin_removed(admin_client: TestClient,
                                                       server: ServerContainer) -> None:
    user_id = admin_client.post("/api/v1/users", json={"username": "carl"}).json()["id"]
    assert admin_client.put(f"/api/v1/users/{user_id}/password",
                            json={"password": "new-password"}).status_code == 204
    assert server.accounts.authenticate_password("carl", "new-password").id == user_id
    assert admin_client.put(f"/api/v1/users/{user_id}/pin", json={"pin": "8642"}
                            ).status_code == 204
    assert server.accounts.authenticate_username_and_pin("carl", "8642").id == user_id
    assert admin_client.put(f"/api/v1/users/{user_id}/pin", json={"pin": None}
                            ).status_code == 204
    assert admin_client.get(f"/api/v1/users/{user_id}").json()["has_pin"] is False


def test_cards_are_added_listed_and_removed(admin_client: TestClient) -> None:
    user_id = admin_client.post("/api/v1/users", json={"username": "dora"}).json()["id"]
    added = admin_client.post(f"/api/v1/users/{user_id}/cards", json={"number": "ab 1234 5678"})
    assert added.status_code == 201 and added.json()["last4"] == "5678"
    assert "number" not in added.json() and "number_hash" not in added.json()
    listing = admin_client.get(f"/api/v1/users/{user_id}/cards").json()
    assert listing["total"] == 1 and listing["items"][0]["id"] == added.json()["id"]
    again = admin_client.post(f"/api/v1/users/{user_id}/cards", json={"number": "AB12345678"})
    assert again.status_code == 409
    assert admin_client.delete(f"/api/v1/cards/{added.json()['id']}").status_code == 204
    assert admin_client.get(f"/api/v1/users/{user_id}/cards").json()["total"] == 0


def test_a_csv_import_accepts_text_csv_and_json(admin_client: TestClient) -> None:
    text = "username,full_name,groups\nemma,Emma,staff\nbad name,X,\n"
    response = admin_client.post("/api/v1/users/import", content=text,
                                 headers={"Content-Type": "text/csv"})
    assert response.status_code == 200
    assert response.json()["created"] == 1
    assert [e["line"] for e in response.json()["errors"]] == [3]
    again = admin_client.post("/api/v1/users/import", json={"csv": text})
    assert again.json()["updated"] == 1 and again.json()["created"] == 0
    bad = admin_client.post("/api/v1/users/import", json={"text": text})
    assert bad.status_code == 422


def test_a_users_groups_are_listed(admin_client: TestClient, server: ServerContainer) -> None:
    user = server.accounts.create_user("finn", actor="test")
    group = server.accounts.create_group("staff", actor="test")
    server.accounts.add_member(group.id, user.id, actor="test")
    listing = admin_client.get(f"/api/v1/users/{user.id}/groups").json()
    assert [g["name"] for g in listing["items"]] == ["staff"] and listing["total"] == 1
