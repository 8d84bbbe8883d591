"""REST: quota schedules and running due allocations."""

from __future__ import annotations

from fastapi.testclient import TestClient

from printwarden.container import ServerContainer


def test_an_admin_schedules_a_group_quota_and_runs_it_once(admin_client: TestClient,
                                                           server: ServerContainer) -> None:
    group = server.accounts.create_group("students", actor="t")
    user = server.accounts.create_user("ivy", actor="t")
    server.accounts.add_member(group.id, user.id, actor="t")
    created = admin_client.post("/api/v1/quota-schedules", json={
        "name": "Weekly", "target_kind": "group_members", "target_id": group.id,
        "amount": "2.00", "mode": "reset", "period": "weekly", "weekday": 0})
    assert created.status_code == 201
    schedule = created.json()
    assert schedule["amount"]["minor"] == 200 and schedule["cap"] is None
    first = admin_client.post("/api/v1/quota-schedules/run").json()
    assert first["applied"][0]["accounts"] == 1 and first["applied"][0]["total_minor"] == 200
    second = admin_client.post("/api/v1/quota-schedules/run").json()
    assert second == {"applied": [], "already_done": 1}
    assert server.ledger.personal_account(user.id).balance_minor == 200


def test_schedules_are_listed_changed_and_validated(admin_client: TestClient,
                                                    server: ServerContainer) -> None:
    created = admin_client.post("/api/v1/quota-schedules", json={
        "name": "Daily", "target_kind": "all_users", "amount": "1", "mode": "topup",
        "cap": "5", "period": "daily"}).json()
    path = f"/api/v1/quota-schedules/{created['id']}"
    patched = admin_client.patch(path, json={"amount": "1.50", "active": False})
    assert patched.json()["amount"]["minor"] == 150 and patched.json()["active"] is False
    assert patched.json()["cap"]["minor"] == 500
    assert admin_client.get(path).json()["name"] == "Daily"
    assert [s["id"] for s in admin_client.get("/api/v1/quota-schedules").json()] \
        == [created["id"]]
    missing_target = admin_client.post("/api/v1/quota-schedules", json={
        "name": "x", "target_kind": "account", "amount": "1"})
    assert missing_target.status_code == 422
    bad_period = admin_client.post("/api/v1/quota-schedules", json={
        "name": "x", "target_kind": "all_users", "amount": "1", "period": "hourly"})
    assert bad_period.status_code == 422
    assert admin_client.get("/api/v1/quota-schedules/01HZZZZZZZZZZZZZZZZZZZZZZZ"
                            ).status_code == 404


def test_plain_users_cannot_manage_quotas(client: TestClient, server: ServerContainer) -> None:
    user = server.accounts.create_user("jo", actor="t")
    token, _ = server.accounts.create_api_token(user.id, "t", actor="t")
    response = client.post("/api/v1/quota-schedules/run",
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403


def test_a_schedule_is_delegated_to_a_known_remote_and_taken_back(
        admin_client: TestClient, server: ServerContainer) -> None:
    server.remotes.create("site-north", actor="t")
    body = {"name": "North", "target_kind": "all_users", "amount": "1", "period": "daily"}
    unknown = admin_client.post("/api/v1/quota-schedules",
                                json={**body, "delegated_to": "site-nrth"})
    assert unknown.status_code == 422 and "no remote named 'site-nrth'" in unknown.text
    created = admin_client.post("/api/v1/quota-schedules",
                                json={**body, "delegated_to": "site-north"})
    assert created.status_code == 201 and created.json()["delegated_to"] == "site-north"
    path = f"/api/v1/quota-schedules/{created.json()['id']}"

    assert admin_client.post("/api/v1/quota-schedules/run").json() == {
        "applied": [], "already_done": 0}  # central does not run it
    assert admin_client.patch(path, json={"delegated_to": "x" * 101}).status_code == 422
    back = admin_client.patch(path, json={"delegated_to": None})
    assert back.status_code == 200 and back.json()["delegated_to"] is None
    assert len(admin_client.post("/api/v1/quota-schedules/run").json()["applied"]) == 1
