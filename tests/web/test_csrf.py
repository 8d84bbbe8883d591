"""CSRF on the REST API: a session cookie alone never authorises an unsafe call; bearer
tokens are unchanged."""

from __future__ import annotations

from fastapi.testclient import TestClient

from printwarden.container import ServerContainer

SITE = "http://testserver"


def _signed_in(client: TestClient, server: ServerContainer) -> str:
    """Sign in through the form (session cookie); answer the session's CSRF token."""
    server.accounts.create_user("ann", roles=("admin",), password="ann-pass-12", actor="t")
    page = client.get("/login").text
    token = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    answer = client.post("/login", data={"username": "ann", "password": "ann-pass-12",
                                         "csrf": token}, follow_redirects=False)
    assert answer.status_code == 303
    home = client.get("/").text  # signing in starts a new session with a new token
    return home.split('name="csrf" value="', 1)[1].split('"', 1)[0]


def test_a_cookie_alone_does_not_authorise_unsafe_rest_calls(
        client: TestClient, server: ServerContainer) -> None:
    token = _signed_in(client, server)
    assert client.get("/api/v1/me").status_code == 200  # reads need no token
    forged = [
        client.post("/api/v1/tokens", json={"name": "stolen"},
                    headers={"Origin": "http://evil.example"}),
        client.post("/api/v1/tokens", json={"name": "stolen"},
                    headers={"Origin": "http://evil.example", "X-CSRF-Token": token}),
        client.post("/api/v1/agents/enrolment-codes", content=b"",
                    headers={"Content-Type": "application/x-www-form-urlencoded"}),
        client.post("/api/v1/agents/enrolment-codes", headers={"Origin": SITE}),
        client.post("/api/v1/agents/enrolment-codes",
                    headers={"Origin": SITE, "X-CSRF-Token": "forged"}),
        client.post("/api/v1/agents/enrolment-codes",
                    headers={"Referer": "http://evil.example/page", "X-CSRF-Token": token}),
    ]
    assert [answer.status_code for answer in forged] == [403] * len(forged)
    assert all(answer.json()["error"] == "forbidden" for answer in forged)
    assert server.devices.list_enrolment_codes() == []
    user = server.accounts.get_user_by_username("ann")
    assert server.accounts.list_api_tokens(user.id) == []

    made = client.post("/api/v1/tokens", json={"name": "mine"},
                       headers={"Origin": SITE, "X-CSRF-Token": token})
    assert made.status_code == 201
    by_referer = client.post("/api/v1/agents/enrolment-codes",
                             headers={"Referer": f"{SITE}/", "X-CSRF-Token": token})
    assert by_referer.status_code == 201


def test_bearer_calls_need_no_csrf_token(admin_client: TestClient) -> None:
    answer = admin_client.post("/api/v1/tokens", json={"name": "ci"},
                               headers={"Origin": "http://evil.example"})
    assert answer.status_code == 201
    assert admin_client.post("/api/v1/agents/enrolment-codes").status_code == 201
