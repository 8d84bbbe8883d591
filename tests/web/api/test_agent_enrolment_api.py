"""Re-enrolling an agent needs a code made for it: a plain code cannot take one over."""

from __future__ import annotations

from fastapi.testclient import TestClient

from printwarden.container import ServerContainer
from tests.support.processes import run_cli


def _register(client: TestClient, code: str, name: str) -> tuple[int, dict[str, str]]:
    answer = client.post("/api/v1/agent/register", json={"code": code, "name": name,
                                                         "hostname": "h", "version": "1"},
                         headers={"Authorization": ""})
    return answer.status_code, answer.json()


def test_a_plain_code_under_an_enrolled_name_is_409_and_the_agent_keeps_its_token(
        admin_client: TestClient, server: ServerContainer) -> None:
    first = admin_client.post("/api/v1/agents/enrolment-codes").json()
    assert first["for_agent_id"] is None
    status, enrolled = _register(admin_client, first["code"], "ps-1")
    assert status == 201
    second = admin_client.post("/api/v1/agents/enrolment-codes").json()
    status, refused = _register(admin_client, second["code"], "ps-1")
    assert status == 409
    assert "already enrolled" in refused["message"]
    assert f"/api/v1/agents/{enrolled['agent_id']}/enrolment-codes" in refused["message"]
    old = {"Authorization": f"Bearer {enrolled['token']}"}
    assert admin_client.get("/api/v1/agent/config", headers=old).status_code == 200

    bound = admin_client.post(f"/api/v1/agents/{enrolled['agent_id']}/enrolment-codes",
                              json={"ttl_hours": 1}).json()
    assert bound["for_agent_id"] == enrolled["agent_id"]
    status, wrong = _register(admin_client, bound["code"], "ps-2")
    assert status == 409 and "made for agent 'ps-1'" in wrong["message"]
    status, again = _register(admin_client, bound["code"], "ps-1")
    assert status == 201 and again["agent_id"] == enrolled["agent_id"]
    assert admin_client.get("/api/v1/agent/config", headers=old).status_code == 401
    by_body = admin_client.post("/api/v1/agents/enrolment-codes",
                                json={"agent_id": enrolled["agent_id"]}).json()
    assert by_body["for_agent_id"] == enrolled["agent_id"]
    assert admin_client.post("/api/v1/agents/01HZZZZZZZZZZZZZZZZZZZZZZZ/enrolment-codes"
                             ).status_code == 404


def test_the_cli_makes_codes_for_new_and_for_existing_agents(server: ServerContainer) -> None:
    env = {"PRINTWARDEN_DATABASE_URL": server.db.url}
    d = ["--data-dir", str(server.settings.data_dir)]
    plain = run_cli("admin", "agent-code", *d, env=env)
    assert plain.returncode == 0, plain.stderr
    agent, _ = server.devices.register_agent(plain.stdout.strip(), name="ps-9", hostname="h",
                                             version="1")
    unknown = run_cli("admin", "agent-code", "--agent", "nope", *d, env=env)
    assert unknown.returncode == 2 and "no agent named 'nope'" in unknown.stderr
    bound = run_cli("admin", "agent-code", "--agent", "ps-9", *d, env=env)
    assert bound.returncode == 0, bound.stderr
    again, _ = server.devices.register_agent(bound.stdout.strip(), name="ps-9", hostname="h",
                                             version="2")
    assert again.id == agent.id and again.version == "2"
