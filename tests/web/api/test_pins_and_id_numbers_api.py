"""REST: PINs and ID numbers, by an admin and by the user himself; hostile input is a 4xx."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from printwarden.container import ServerContainer
from printwarden.core.settings import load_server_settings
from printwarden.db.engine import Database

ARABIC_4711 = "\u0664\u0667\u0661\u0661"
FULLWIDTH_8 = "\uff18" * 8
MATH_BOLD_8 = "\U0001d7d6" * 8


def _bearer(server: ServerContainer, username: str, password: str | None = None) -> dict[
        str, str]:
    user = server.accounts.create_user(username, password=password, actor="test")
    token, _ = server.accounts.create_api_token(user.id, "t", actor="test")
    return {"Authorization": f"Bearer {token}"}


def test_an_admin_generates_sets_and_removes_an_id_number(admin_client: TestClient,
                                                          server: ServerContainer) -> None:
    user_id = admin_client.post("/api/v1/users", json={"username": "ida"}).json()["id"]
    made = admin_client.post(f"/api/v1/users/{user_id}/id-number")
    assert made.status_code == 201 and made.headers["Cache-Control"] == "no-store"
    number = made.json()["id_number"]
    assert len(number) == 8 and number.isdigit()
    shown = admin_client.get(f"/api/v1/users/{user_id}")
    assert shown.json()["has_id_number"] is True and number not in shown.text
    assert server.accounts.authenticate_id_number(number).id == user_id
    assert admin_client.put(f"/api/v1/users/{user_id}/id-number",
                            json={"id_number": "00420042"}).status_code == 204
    assert server.accounts.authenticate_id_number("00420042").id == user_id
    other = admin_client.post("/api/v1/users", json={"username": "otto"}).json()["id"]
    taken = admin_client.put(f"/api/v1/users/{other}/id-number", json={"id_number": "00420042"})
    assert taken.status_code == 409 and "already in use" in taken.json()["message"]
    assert admin_client.delete(f"/api/v1/users/{user_id}/id-number").status_code == 204
    assert admin_client.get(f"/api/v1/users/{user_id}").json()["has_id_number"] is False


@pytest.mark.parametrize("body", [
    {"id_number": "1234567"}, {"id_number": FULLWIDTH_8}, {"id_number": MATH_BOLD_8},
    {"id_number": "1234 5678"}, {"id_number": "+12345678"}, {"id_number": "9" * 100_000},
    {"id_number": 12345678}, {"id_number": None}, {}, {"id_number": "12345678", "x": 1},
])
def test_a_bad_id_number_is_a_422(admin_client: TestClient, body: dict[str, object]) -> None:
    user_id = admin_client.post("/api/v1/users", json={"username": "ivo"}).json()["id"]
    answer = admin_client.put(f"/api/v1/users/{user_id}/id-number", json=body)
    assert answer.status_code == 422 and answer.json()["error"] == "invalid"


@pytest.mark.parametrize("pin", [ARABIC_4711, "\uff14\uff17\uff11\uff11", "47 11", "471",
                                 "123456789", "4" * 100_000, 4711, "-471"])
def test_a_bad_pin_is_a_422(admin_client: TestClient, pin: object) -> None:
    user_id = admin_client.post("/api/v1/users", json={"username": "pia"}).json()["id"]
    answer = admin_client.put(f"/api/v1/users/{user_id}/pin", json={"pin": pin})
    assert answer.status_code == 422 and answer.json()["error"] == "invalid"


def test_the_length_rule_is_the_servers_setting(db: Database, tmp_path: Path) -> None:
    from printwarden.server.bootstrap import build_server
    from printwarden.web.app import create_app

    server = build_server(load_server_settings(tmp_path / "d", database_url=db.url,
                                               id_number_length=10), db=db, migrate=False)
    headers = _bearer(server, "root")
    server.accounts.update_user(server.accounts.get_user_by_username("root").id,
                                roles=("admin",), actor="test")
    user = server.accounts.create_user("lena", actor="test")
    with TestClient(create_app(server)) as client:
        short = client.put(f"/api/v1/users/{user.id}/id-number", headers=headers,
                           json={"id_number": "12345678"})
        assert short.status_code == 422 and "10 to 18 digits" in short.json()["message"]
        made = client.post(f"/api/v1/users/{user.id}/id-number", headers=headers)
        assert len(made.json()["id_number"]) == 10


def test_a_user_sets_his_pin_and_makes_his_id_number_after_confirming_his_password(
        client: TestClient, server: ServerContainer) -> None:
    headers = _bearer(server, "uma", password="uma-pass-12")
    unconfirmed = client.put("/api/v1/me/pin", headers=headers, json={"pin": "2468"})
    assert unconfirmed.status_code == 422 and "current password" in unconfirmed.json()[
        "message"]
    wrong = client.put("/api/v1/me/pin", headers=headers,
                       json={"pin": "2468", "current_password": "not-my-pass"})
    assert wrong.status_code == 401
    assert client.put("/api/v1/me/pin", headers=headers,
                      json={"pin": "2468", "current_password": "uma-pass-12"}).status_code == 204
    assert server.accounts.authenticate_username_and_pin("uma", "2468").username == "uma"
    made = client.post("/api/v1/me/id-number", headers=headers,
                       json={"current_password": "uma-pass-12"})
    assert made.status_code == 201 and made.headers["Cache-Control"] == "no-store"
    assert server.accounts.authenticate_id_number(made.json()["id_number"]).username == "uma"
    me = client.get("/api/v1/me", headers=headers).json()
    assert me["has_pin"] and me["has_id_number"]
    assert client.put("/api/v1/me/pin", headers=headers,
                      json={"pin": None, "current_password": "uma-pass-12"}).status_code == 204
    assert client.get("/api/v1/me", headers=headers).json()["has_pin"] is False
    # and he may not touch anyone else's
    other = server.accounts.create_user("vic", actor="test")
    assert client.post(f"/api/v1/users/{other.id}/id-number",
                       headers=headers).status_code == 403
    assert client.put(f"/api/v1/users/{other.id}/pin", headers=headers,
                      json={"pin": "1234"}).status_code == 403


def test_a_user_without_a_password_needs_no_confirmation(client: TestClient,
                                                         server: ServerContainer) -> None:
    headers = _bearer(server, "walt")
    assert client.put("/api/v1/me/pin", headers=headers, json={"pin": "1357"}).status_code == 204
    assert client.post("/api/v1/me/id-number", headers=headers, json={}).status_code == 201


def test_guessing_the_password_through_the_me_routes_is_throttled(
        client: TestClient, server: ServerContainer) -> None:
    headers = _bearer(server, "xena", password="xena-pass-12")
    codes = [client.post("/api/v1/me/id-number", headers=headers,
                         json={"current_password": f"guess-{i}"}).status_code
             for i in range(12)]
    assert codes[:10] == [401] * 10 and codes[10:] == [429] * 2


def test_an_import_reports_the_id_numbers_it_generated_once(admin_client: TestClient,
                                                            server: ServerContainer) -> None:
    text = "username,pin\nyan,1111\nzoe,1111\n"
    answer = admin_client.post("/api/v1/users/import?generate_id_numbers=true", content=text,
                               headers={"Content-Type": "text/csv"})
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    body = answer.json()
    assert body["created"] == 2 and [n["username"] for n in body["id_numbers"]] == ["yan", "zoe"]
    for row in body["id_numbers"]:
        assert server.accounts.authenticate_id_number(row["id_number"]).username == row[
            "username"]
    again = admin_client.post("/api/v1/users/import?generate_id_numbers=true", content=text,
                              headers={"Content-Type": "text/csv"}).json()
    assert again["id_numbers"] == [] and again["updated"] == 2
