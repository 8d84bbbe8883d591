"""POST /api/v1/agent/authenticate: an agent checks a print user's password."""

from __future__ import annotations

from fastapi.testclient import TestClient

from printwarden.container import ServerContainer

URL = "/api/v1/agent/authenticate"


def _agent_token(server: ServerContainer) -> str:
    code, _ = server.devices.create_enrolment_code(actor="test")
    _, token = server.devices.register_agent(code, name="auth-agent", hostname="h",
                                             version="test")
    return token


def test_an_agent_checks_a_users_password(client: TestClient,
                                          server: ServerContainer) -> None:
    user = server.accounts.create_user("carol", full_name="Carol", password="carol-pass-1",
                                       actor="test")
    headers = {"Authorization": f"Bearer {_agent_token(server)}"}

    ok = client.post(URL, json={"username": "carol", "password": "carol-pass-1"},
                     headers=headers)
    assert ok.status_code == 200, ok.text
    assert ok.json() == {"user_id": user.id, "username": "carol", "roles": ["user"]}

    wrong = client.post(URL, json={"username": "carol", "password": "not-hers-1"},
                        headers=headers)
    assert wrong.status_code == 401
    assert "error" in wrong.json()
    unknown = client.post(URL, json={"username": "nobody", "password": "carol-pass-1"},
                          headers=headers)
    assert unknown.status_code == 401


def test_the_answer_names_the_users_roles_so_the_agent_knows_its_operators(
        client: TestClient, server: ServerContainer) -> None:
    server.accounts.create_user("olga", password="olga-pass-1", roles=["operator"],
                                actor="test")
    headers = {"Authorization": f"Bearer {_agent_token(server)}"}
    ok = client.post(URL, json={"username": "olga", "password": "olga-pass-1"},
                     headers=headers)
    assert ok.status_code == 200, ok.text
    assert ok.json()["roles"] == ["operator", "user"]


def test_only_agents_may_check_passwords(client: TestClient, server: ServerContainer,
                                         admin_token: str) -> None:
    server.accounts.create_user("dave", password="dave-pass-1", actor="test")
    body = {"username": "dave", "password": "dave-pass-1"}
    assert client.post(URL, json=body).status_code == 401
    as_admin = client.post(URL, json=body, headers={"Authorization": f"Bearer {admin_token}"})
    assert as_admin.status_code == 403


def test_repeated_failures_are_rate_limited(client: TestClient,
                                           server: ServerContainer) -> None:
    server.accounts.create_user("erin", password="erin-pass-1", actor="test")
    headers = {"Authorization": f"Bearer {_agent_token(server)}"}
    statuses = [client.post(URL, json={"username": "erin", "password": f"guess-{i:04d}"},
                            headers=headers).status_code for i in range(12)]
    assert statuses == [401] * 10 + [429] * 2
    # while this agent's client is slowed down, it waits (429, Retry-After); nothing locks
    # the account: a sign-in through another client address goes through
    right = client.post(URL, json={"username": "erin", "password": "erin-pass-1"},
                        headers=headers)
    assert right.status_code == 429 and int(right.headers["Retry-After"]) >= 1
    assert "too many failed attempts" in right.text
    other = client.post(URL, json={"username": "erin", "password": "erin-pass-1",
                                   "client_address": "10.0.0.2"}, headers=headers)
    assert other.status_code == 200
