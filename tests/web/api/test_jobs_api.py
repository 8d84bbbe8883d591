from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from printwarden.container import ServerContainer
from tests.jobs.world import World, make_world


@pytest.fixture
def world(server: ServerContainer) -> World:
    return make_world(server)


def user_headers(server: ServerContainer, user_id: str) -> dict[str, str]:
    token, _ = server.accounts.create_api_token(user_id, "tests", actor="test")
    return {"Authorization": f"Bearer {token}"}


def test_staff_list_jobs_with_filters_and_paging(admin_client: TestClient,
                                                 world: World) -> None:
    allowed = world.server.jobs.authorize(world.agent, world.request("1"))
    world.server.jobs.authorize(world.agent, world.request("2", username="ghost"))
    listed = admin_client.get("/api/v1/jobs", params={"limit": 1}).json()
    assert (listed["total"], len(listed["items"])) == (2, 1)
    denied = admin_client.get("/api/v1/jobs", params={"state": "denied"}).json()
    assert [j["username"] for j in denied["items"]] == ["ghost"]
    mine = admin_client.get("/api/v1/jobs", params={"user_id": world.user_id}).json()
    assert [j["id"] for j in mine["items"]] == [allowed.job_id]
    assert mine["items"][0]["estimated_cost"]["display"] == "0.15 EUR"


def test_a_bad_state_filter_is_a_422(admin_client: TestClient) -> None:
    answer = admin_client.get("/api/v1/jobs", params={"state": "lost"})
    assert answer.status_code == 422
    assert answer.json()["fields"][0]["field"] == "query.state"


def test_a_job_is_shown_with_its_log_and_ipp_state(admin_client: TestClient,
                                                   world: World) -> None:
    decision = world.server.jobs.authorize(world.agent, world.request())
    job = admin_client.get(f"/api/v1/jobs/{decision.job_id}").json()
    assert [e["to_state"] for e in job["events"]] == ["received", "analysed", "authorized"]
    assert (job["ipp_job_state"], job["ipp_job_state_reasons"]) == (3, "job-queued")
    assert admin_client.get("/api/v1/jobs/NOPE").status_code == 404


def test_a_user_sees_only_his_own_jobs(client: TestClient, world: World) -> None:
    mine = world.server.jobs.authorize(world.agent, world.request("1"))
    bob = world.server.accounts.create_user("bob", password="bob-pass-12", actor="test")
    world.top_up(1000, bob.id)
    bobs = world.server.jobs.authorize(world.agent, world.request("2", username="bob"))
    headers = user_headers(world.server, world.user_id)
    listed = client.get("/api/v1/jobs", params={"user_id": bob.id}, headers=headers).json()
    assert [j["id"] for j in listed["items"]] == [mine.job_id]
    assert client.get(f"/api/v1/jobs/{bobs.job_id}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/jobs/{mine.job_id}", headers=headers).status_code == 200
    cancel = client.post(f"/api/v1/jobs/{mine.job_id}/cancel", headers=headers)
    assert cancel.status_code == 403


def test_staff_cancel_a_job_once(admin_client: TestClient, world: World) -> None:
    decision = world.server.jobs.authorize(world.agent, world.request())
    cancelled = admin_client.post(f"/api/v1/jobs/{decision.job_id}/cancel",
                                  json={"reason": "wrong tray"})
    assert cancelled.status_code == 200
    assert cancelled.json()["state"] == "cancelled"
    assert cancelled.json()["events"][-1]["reason"] == "cancelled by root: wrong tray"
    assert world.balance() == (1000, 0)
    again = admin_client.post(f"/api/v1/jobs/{decision.job_id}/cancel")
    assert again.status_code == 409
