from __future__ import annotations

from fastapi.testclient import TestClient


def test_an_enrolment_code_is_shown_once(admin_client: TestClient) -> None:
    created = admin_client.post("/api/v1/agents/enrolment-codes", json={"ttl_hours": 2})
    assert created.status_code == 201
    assert len(created.json()["code"]) == 9
    listed = admin_client.get("/api/v1/agents/enrolment-codes").json()
    assert listed["total"] == 1
    assert listed["items"][0]["id"] == created.json()["id"]
    assert "code" not in listed["items"][0]


def test_a_code_lifetime_is_bounded(admin_client: TestClient) -> None:
    answer = admin_client.post("/api/v1/agents/enrolment-codes", json={"ttl_hours": 0})
    assert answer.status_code == 422
    assert answer.json()["fields"][0]["field"] == "body.ttl_hours"


def test_agents_are_listed_read_and_revoked(admin_client: TestClient) -> None:
    code = admin_client.post("/api/v1/agents/enrolment-codes").json()["code"]
    registered = admin_client.post("/api/v1/agent/register", json={
        "code": code, "name": "ps-1", "hostname": "ps1.lan", "version": "0.1"}).json()
    agent_id, token = registered["agent_id"], registered["token"]
    listed = admin_client.get("/api/v1/agents").json()
    assert [a["name"] for a in listed["items"]] == ["ps-1"]
    assert admin_client.get(f"/api/v1/agents/{agent_id}").json()["hostname"] == "ps1.lan"
    revoked = admin_client.post(f"/api/v1/agents/{agent_id}/revoke")
    assert revoked.json()["status"] == "revoked"
    refused = admin_client.get("/api/v1/agent/config",
                               headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 401


def test_an_unknown_agent_is_a_404(admin_client: TestClient) -> None:
    assert admin_client.get("/api/v1/agents/NOPE").status_code == 404
    assert admin_client.post("/api/v1/agents/NOPE/revoke").status_code == 404


def test_agents_are_for_admins(client: TestClient) -> None:
    assert client.get("/api/v1/agents").status_code == 401
    assert client.post("/api/v1/agents/enrolment-codes").status_code == 401
