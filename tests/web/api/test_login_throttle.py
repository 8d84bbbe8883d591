"""Sign-in throttling over HTTP: the web form, API bearer tokens, the agent's password
check and agent registration answer 429 with Retry-After, and never lock an owner out."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from printwarden.container import ServerContainer
from printwarden.core.settings import load_server_settings
from printwarden.db.engine import Database


def _client(db: Database, tmp_path: Path, **settings: object) -> tuple[ServerContainer,
                                                                        TestClient]:
    from printwarden.server.bootstrap import build_server
    from printwarden.web.app import create_app

    server = build_server(load_server_settings(tmp_path / "d", database_url=db.url,
                                               **settings), db=db, migrate=False)
    return server, TestClient(create_app(server))


def _form_login(client: TestClient, username: str, password: str) -> int:
    page = client.get("/login").text
    csrf = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    answer = client.post("/login", data={"username": username, "password": password,
                                         "csrf": csrf}, follow_redirects=False)
    return answer.status_code


def test_the_sign_in_form_honours_the_setting_and_answers_429(db: Database,
                                                              tmp_path: Path) -> None:
    server, client = _client(db, tmp_path, login_rate_limit_per_minute=3)
    server.accounts.create_user("ann", roles=("admin",), password="ann-pass-12", actor="t")
    with client:
        assert [_form_login(client, "ann", "guess-1234") for _ in range(3)] == [401] * 3
        page = client.get("/login").text
        csrf = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        slowed = client.post("/login", data={"username": "ann", "password": "ann-pass-12",
                                             "csrf": csrf}, follow_redirects=False)
        assert slowed.status_code == 429
        assert int(slowed.headers["Retry-After"]) >= 1
        assert "try again in" in slowed.text
    # the same user from another address (another throttle key) signs in at once
    assert server.accounts.authenticate_password("ann", "ann-pass-12",
                                                 source="10.9.9.9").username == "ann"


def test_guessed_bearer_tokens_are_slowed_per_source(db: Database, tmp_path: Path) -> None:
    _, client = _client(db, tmp_path, login_rate_limit_per_minute=5)
    with client:
        answers = [client.get("/api/v1/me", headers={"Authorization": f"Bearer pwu_guess{i}"})
                   for i in range(7)]
    assert [a.status_code for a in answers] == [401] * 5 + [429] * 2
    assert answers[-1].json()["error"] == "too_many_attempts"
    assert int(answers[-1].headers["Retry-After"]) >= 1


def test_the_agents_password_check_is_throttled_per_agent_and_client(
        db: Database, tmp_path: Path) -> None:
    server, client = _client(db, tmp_path, login_rate_limit_per_minute=3)
    server.accounts.create_user("carol", password="carol-pass-1", actor="t")
    code, _ = server.devices.create_enrolment_code(actor="t")
    _, token = server.devices.register_agent(code, name="a1", hostname="h", version="1")
    headers = {"Authorization": f"Bearer {token}"}
    url = "/api/v1/agent/authenticate"
    with client:
        for _ in range(3):
            assert client.post(url, json={"username": "carol", "password": "nope-nope",
                                          "client_address": "10.6.6.6"},
                               headers=headers).status_code == 401
        slowed = client.post(url, json={"username": "carol", "password": "carol-pass-1",
                                        "client_address": "10.6.6.6"}, headers=headers)
        assert slowed.status_code == 429 and "Retry-After" in slowed.headers
        other = client.post(url, json={"username": "carol", "password": "carol-pass-1",
                                       "client_address": "10.1.1.1"}, headers=headers)
        assert other.status_code == 200


def test_agent_registration_is_rate_limited(db: Database, tmp_path: Path) -> None:
    server, client = _client(db, tmp_path, enrolment_rate_limit_per_minute=4)
    with client:
        tries = [client.post("/api/v1/agent/register",
                             json={"code": f"ABCD-EFG{c}", "name": "x"}).status_code
                 for c in "ABCDEF"]
        assert tries == [401] * 4 + [429] * 2
        code, _ = server.devices.create_enrolment_code(actor="t")
        still = client.post("/api/v1/agent/register", json={"code": code, "name": "x"})
        assert still.status_code == 429  # even a good code waits: the source is slowed
    assert server.devices.list_agents() == []
