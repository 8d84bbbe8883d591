from __future__ import annotations

from fastapi.testclient import TestClient

from printwarden.container import ServerContainer

UNKNOWN = "01HZZZZZZZZZZZZZZZZZZZZZZZ"


def _login(server: ServerContainer, username: str) -> tuple[str, dict[str, str]]:
    user = server.accounts.create_user(username, actor="test")
    token, _ = server.accounts.create_api_token(user.id, "first", actor="test")
    return user.id, {"Authorization": f"Bearer {token}"}


def test_without_a_token_the_tokens_api_answers_401(client: TestClient) -> None:
    assert client.get("/api/v1/tokens").status_code == 401


def test_a_user_creates_lists_and_revokes_their_own_tokens(
        client: TestClient, server: ServerContainer) -> None:
    _, auth = _login(server, "pat")
    created = client.post("/api/v1/tokens", json={"name": "script"}, headers=auth)
    assert created.status_code == 201
    plain = created.json()["token"]
    assert plain.startswith("pwu_")
    listing = client.get("/api/v1/tokens", headers=auth).json()
    assert [t["name"] for t in listing["items"]] == ["first", "script"]
    assert all("token" not in t and "token_hash" not in t for t in listing["items"])
    new_auth = {"Authorization": f"Bearer {plain}"}
    assert client.get("/api/v1/me", headers=new_auth).status_code == 200
    token_id = created.json()["id"]
    assert client.delete(f"/api/v1/tokens/{token_id}", headers=auth).status_code == 204
    assert client.get("/api/v1/me", headers=new_auth).status_code == 401


def test_a_user_cannot_see_or_revoke_another_users_tokens(
        client: TestClient, server: ServerContainer) -> None:
    _, pat = _login(server, "pat")
    sam_id, sam = _login(server, "sam")
    sam_token = client.get("/api/v1/tokens", headers=sam).json()["items"][0]["id"]
    response = client.get("/api/v1/tokens", params={"user_id": sam_id}, headers=pat)
    assert response.status_code == 403
    assert client.delete(f"/api/v1/tokens/{sam_token}", headers=pat).status_code == 404
    assert client.get("/api/v1/me", headers=sam).status_code == 200


def test_an_admin_manages_tokens_of_any_user(admin_client: TestClient,
                                             server: ServerContainer) -> None:
    user = server.accounts.create_user("pat", actor="test")
    created = admin_client.post("/api/v1/tokens", json={"name": "kiosk", "user_id": user.id})
    assert created.status_code == 201 and created.json()["user_id"] == user.id
    listing = admin_client.get("/api/v1/tokens", params={"user_id": user.id}).json()
    assert listing["total"] == 1
    assert admin_client.delete(f"/api/v1/tokens/{created.json()['id']}").status_code == 204
    after = admin_client.get("/api/v1/tokens", params={"user_id": user.id}).json()
    assert after["items"][0]["revoked_at"] is not None


def test_token_bodies_are_validated_and_unknown_ids_are_404(admin_client: TestClient) -> None:
    response = admin_client.post("/api/v1/tokens", json={"name": ""})
    assert response.status_code == 422 and response.json()["fields"][0]["field"] == "body.name"
    assert admin_client.delete(f"/api/v1/tokens/{UNKNOWN}").status_code == 404
    assert admin_client.post("/api/v1/tokens", json={"name": "x", "user_id": UNKNOWN}
                             ).status_code == 404
