"""REST for print rules: field errors at save, hostile input, order, dry run that writes
nothing, staff-only approvals."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from printwarden.container import ServerContainer
from tests.jobs.world import MONO_PAGE, make_world

GREY = {"name": "big colour", "conditions": {"color": True, "pages_min": 51},
        "actions": [{"type": "grayscale"}, {"type": "duplex"}]}


def create(client: TestClient, body: dict[str, Any]) -> dict[str, Any]:
    answer = client.post("/api/v1/rules", json=body)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def test_a_bad_rule_is_refused_with_the_field_and_reason(admin_client: TestClient) -> None:
    cases = [
        ({"name": "x", "actions": [{"type": "deny"}], "conditions": {"cel": "job.pages >"}},
         "conditions.cel", "syntax error at line 1, column"),
        ({"name": "x", "actions": [{"type": "deny"}], "conditions": {"cel": "jb.pages > 1"}},
         "conditions.cel", "no such member"),
        ({"name": "x", "actions": [{"type": "redirect", "queue": "nowhere"}]},
         "actions[0].queue", "no queue named 'nowhere'"),
        ({"name": "x", "actions": [{"type": "deny"}], "conditions": {"pages_min": "\u0665"}},
         "conditions.pages_min", "ASCII digits"),
        ({"name": "x", "actions": [{"type": "deny"}], "conditions": {"pages_min": 10**40}},
         "conditions.pages_min", "between"),
        ({"name": "", "actions": [{"type": "deny"}]}, "name", "give the rule a name"),
        ({"name": "x", "scope": {"kind": "user_group", "value": "ghosts"},
          "actions": [{"type": "deny"}]}, "scope.value", "no user group named 'ghosts'"),
    ]
    for body, field_name, reason in cases:
        answer = admin_client.post("/api/v1/rules", json=body)
        assert answer.status_code == 422, answer.text
        [error] = answer.json()["fields"]
        assert error["field"] == field_name and reason in error["reason"], error
    assert admin_client.get("/api/v1/rules").json() == []
    not_an_object = admin_client.post("/api/v1/rules", json=["a", "list"])
    assert not_an_object.status_code == 422


def test_rules_are_ordered_moved_changed_and_deleted(admin_client: TestClient) -> None:
    first = create(admin_client, {**GREY, "name": "a"})
    second = create(admin_client, {**GREY, "name": "b"})
    third = create(admin_client, {**GREY, "name": "c", "position": 0})
    names = [r["name"] for r in admin_client.get("/api/v1/rules").json()]
    assert names == ["c", "a", "b"]
    moved = admin_client.post(f"/api/v1/rules/{third['id']}/move", json={"position": 2})
    assert moved.status_code == 200 and moved.json()["position"] == 2
    assert [r["name"] for r in admin_client.get("/api/v1/rules").json()] == ["a", "b", "c"]
    duplicate = admin_client.put(f"/api/v1/rules/{first['id']}", json={**GREY, "name": "b"})
    assert duplicate.status_code == 422 and duplicate.json()["fields"][0]["field"] == "name"
    renamed = admin_client.put(f"/api/v1/rules/{first['id']}", json={**GREY, "name": "z"})
    assert renamed.json()["name"] == "z" and renamed.json()["position"] == 0
    assert admin_client.delete(f"/api/v1/rules/{second['id']}").status_code == 204
    assert [(r["name"], r["position"]) for r in admin_client.get("/api/v1/rules").json()] == [
        ("z", 0), ("c", 1)]
    assert admin_client.get(f"/api/v1/rules/{second['id']}").status_code == 404
    bad_move = admin_client.post(f"/api/v1/rules/{third['id']}/move", json={"position": -1})
    assert bad_move.status_code == 422


def test_the_dry_run_shows_fired_rules_decision_and_cost_and_writes_nothing(
        admin_client: TestClient, server: ServerContainer) -> None:
    world = make_world(server)
    create(admin_client, GREY)
    create(admin_client, {"name": "confirm dear", "conditions": {"cost_min_minor": 100},
                          "actions": [{"type": "confirm"}]})
    answer = admin_client.post("/api/v1/rules/dry-run", json={
        "queue": world.queue.name, "username": "alice", "pages": 60, "color_pages": 60,
        "title": "report.pdf"})
    assert answer.status_code == 200, answer.text
    run = answer.json()
    assert run["fired"] == ["big colour", "confirm dear"]
    assert run["transforms"] == ["grayscale", "duplex"]
    assert run["cost"]["minor"] == 60 * MONO_PAGE
    assert run["decision"] == "hold" and run["questions"] == ["confirm"]
    assert world.balance() == (1000, 0)
    assert server.jobs.list_jobs()[1] == 0
    unknown = admin_client.post("/api/v1/rules/dry-run", json={
        "queue": "nope", "username": "alice", "pages": 1})
    assert unknown.status_code == 404


def test_only_admins_manage_rules_and_only_staff_approve(client: TestClient,
                                                         server: ServerContainer) -> None:
    world = make_world(server)
    token, _ = server.accounts.create_api_token(world.user_id, "t", actor="test")
    client.headers["Authorization"] = f"Bearer {token}"
    assert client.get("/api/v1/rules").status_code == 403
    assert client.post("/api/v1/rules", json=GREY).status_code == 403
    server.rules.create("test", {"name": "approve", "actions": [{"type": "approval"}]})
    decision = server.jobs.authorize(world.agent, world.request(pages=2))
    own = client.post(f"/api/v1/jobs/{decision.job_id}/approval", json={"approved": True})
    assert own.status_code == 403  # not even one's own job
    operator = server.accounts.create_user("op", roles=("operator",), password="op-pass-123",
                                           actor="test")
    op_token, _ = server.accounts.create_api_token(operator.id, "t", actor="test")
    client.headers["Authorization"] = f"Bearer {op_token}"
    approved = client.post(f"/api/v1/jobs/{decision.job_id}/approval",
                           json={"approved": True})
    assert approved.status_code == 200 and approved.json()["state"] == "releasing"
    again = client.post(f"/api/v1/jobs/{decision.job_id}/approval", json={"approved": True})
    assert again.status_code == 409
    garbage = client.post(f"/api/v1/jobs/{decision.job_id}/approval", json={"approved": "yes"})
    assert garbage.status_code == 422
