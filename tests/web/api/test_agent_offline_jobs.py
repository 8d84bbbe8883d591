"""``POST /api/v1/agent/offline-jobs`` and the price lists of the agent configuration:
per-item refusals, replays, hostile numbers (tracker mode)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from printwarden.container import ServerContainer
from printwarden.core.price_list_wire import price_list_from_json, prices_version
from printwarden.core.pricing import JobSpec, price_job
from tests.jobs.world import MONO_PAGE, World
from tests.web.api.test_agent_link import bearer, enrol, linked

__all__ = ["linked"]  # the fixture, shared with the agent link's tests


def item(key: str, **changes: Any) -> dict[str, Any]:
    return {"agent_job_key": key, "queue": "hall", "username": "alice",
            "status": "completed", "pages": 2, "pages_printed": 2, "copies_printed": 1,
            "cost_minor": 2 * MONO_PAGE, "currency": "EUR", "prices_version": "v1",
            "decided_at": "2026-11-27T03:08:01Z", **changes}


def upload(client: TestClient, token: str, jobs: list[Any]) -> list[dict[str, Any]]:
    answer = client.post("/api/v1/agent/offline-jobs", json={"jobs": jobs},
                         headers=bearer(token))
    assert answer.status_code == 200, answer.text
    return list(answer.json()["results"])


def test_the_configuration_carries_each_queue_s_price_lists_with_a_version(
        admin_client: TestClient, linked: tuple[World, str]) -> None:
    _, token = linked
    queue = admin_client.get("/api/v1/agent/config", headers=bearer(token)).json()["queues"][0]

    assert queue["prices_version"] == prices_version(queue["price_lists"])
    [wire] = queue["price_lists"]
    cost = price_job(price_list_from_json(wire), JobSpec(media="iso_a4_210x297mm", pages=3))
    assert cost.total.minor == 3 * MONO_PAGE  # the agent prices as the server does


def test_bad_items_are_refused_one_by_one_and_the_others_applied(
        admin_client: TestClient, linked: tuple[World, str],
        server: ServerContainer) -> None:
    world, token = linked
    _, other_token = enrol(admin_client, "ps-other")
    server.devices.create_printer("annex", actor="test", device_uri="ipp://annex.lan/ipp")
    results = upload(admin_client, token, [
        item("ok-1"),
        item("other", queue="annex"),                     # no agent's... not this one's
        item("nowhere", queue="nowhere"),
        item("huge", cost_minor=10**30),
        item("negative", pages_printed=-1),
        item("digits", pages="\u0661\u0662"),             # Arabic-Indic "12"
        item("extra", charge_me=False),
        item("colour", color_pages=3),                    # more colour pages than pages
        "not an object",
        item("ok-2", cost_minor=0, status="failed", pages_printed=0),
    ])

    outcomes = [(r["agent_job_key"], r["outcome"], r["status"]) for r in results]
    assert outcomes == [("ok-1", "recorded", 200), ("other", "refused", 403),
                        ("nowhere", "refused", 404), ("huge", "refused", 422),
                        ("negative", "refused", 422), ("digits", "refused", 422),
                        ("extra", "refused", 422), ("colour", "refused", 422),
                        ("", "refused", 422),
                        ("ok-2", "recorded", 200)]
    assert "not served by agent" in results[1]["message"]
    assert results[3]["message"].startswith("cost_minor")
    assert results[0]["charged"]["minor"] == 2 * MONO_PAGE
    assert results[0]["flag"] == "offline (tracker)"
    assert world.balance() == (1000 - 2 * MONO_PAGE, 0)
    refused = upload(admin_client, other_token, [item("ok-1")])  # another agent's key
    assert (refused[0]["outcome"], refused[0]["status"]) == ("refused", 403)


def test_a_replayed_batch_changes_nothing(admin_client: TestClient,
                                          linked: tuple[World, str]) -> None:
    world, token = linked
    batch = [item("r-1"), item("r-2", cost_minor=1500)]
    first = upload(admin_client, token, batch)
    second = upload(admin_client, token, batch)

    assert [r["outcome"] for r in first] == ["recorded", "recorded"]
    assert [r["outcome"] for r in second] == ["duplicate", "duplicate"]
    assert [r["job_id"] for r in first] == [r["job_id"] for r in second]
    assert world.balance() == (1000 - 10 - 1500, 0)  # past the limit: it printed
    assert "charged past the account's limit" in second[1]["flag"]
    jobs = admin_client.get("/api/v1/jobs", params={"offline": "true"}).json()
    assert jobs["total"] == 2 and all(job["offline"] for job in jobs["items"])
    flagged = admin_client.get("/api/v1/jobs", params={"past_limit": "true"}).json()
    assert [job["agent_job_key"] for job in flagged["items"]] == ["r-2"]


def test_a_too_large_batch_and_a_user_token_are_refused(
        admin_client: TestClient, linked: tuple[World, str]) -> None:
    _, token = linked
    big = admin_client.post("/api/v1/agent/offline-jobs",
                            json={"jobs": [item(str(n)) for n in range(201)]},
                            headers=bearer(token))
    assert big.status_code == 422
    as_admin = admin_client.post("/api/v1/agent/offline-jobs", json={"jobs": [item("x")]})
    assert as_admin.status_code == 403


def test_a_price_change_tells_the_agents_of_tracker_queues_to_read_the_prices_again(
        admin_client: TestClient, linked: tuple[World, str],
        server: ServerContainer) -> None:
    world, token = linked
    server.devices.update_queue(world.queue.id, {"failure_policy": "tracker"}, actor="test")
    config = admin_client.get("/api/v1/agent/config", headers=bearer(token)).json()
    before = config["queues"][0]["prices_version"]
    events = admin_client.get("/api/v1/agent/events", headers=bearer(token)).json()
    after = events[-1]["id"] if events else None
    [standard] = server.ledger.list_price_lists()

    changed = admin_client.put(f"/api/v1/price-lists/{standard.id}", json={
        "name": "Standard", "default": True,
        "rules": [{"color": "mono", "per_page": "0.07"}, {"color": "color", "per_page": "0.25"}]})
    assert changed.status_code == 200, changed.text

    params = {"after": after} if after else {}
    told = admin_client.get("/api/v1/agent/events", params=params,
                            headers=bearer(token)).json()
    assert [(e["kind"], e["payload"]["reason"]) for e in told] == [
        ("config", "price list updated")]
    queue = admin_client.get("/api/v1/agent/config", headers=bearer(token)).json()["queues"][0]
    assert queue["prices_version"] != before
    assert queue["price_lists"][0]["rules"][0]["per_page_minor"] == 7
