"""REST secure release, on SQLite and PostgreSQL: a user releases or deletes only his own
held jobs; hostile bodies get a 4xx with a message; concurrent releases send one event."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from printwarden.container import ServerContainer
from printwarden.devices.device_model import Device
from tests.jobs.world import MONO_PAGE, World, make_world
from tests.web.api.test_jobs_api import user_headers


@pytest.fixture
def world(server: ServerContainer) -> World:
    return make_world(server)


@pytest.fixture
def vault(world: World) -> Device:
    """The device of the ``vault`` release queue's group."""
    world.server.devices.create_printer(
        "vault", actor="test", agent_id=world.agent.id, device_uri="ipp://mfp.lan/ipp/print",
        hold_for_release=True, owner_check="release")
    device = world.server.devices.find_device_by_name("vault")
    assert device is not None
    return device


def _hold(world: World, key: str, username: str = "alice") -> str:
    decision = world.server.jobs.authorize(world.agent, world.request(key, queue="vault",
                                                                      username=username))
    assert decision.decision == "hold", decision
    return decision.job_id


def _release_events(world: World) -> list[dict[str, object]]:
    return [e.payload for e in world.server.devices.events_after(world.agent.id, None)
            if e.kind == "release"]


def test_a_user_lists_his_held_jobs_priced_and_releases_one(
        client: TestClient, world: World, vault: Device) -> None:
    first, second = _hold(world, "1"), _hold(world, "2")
    headers = user_headers(world.server, world.user_id)
    listed = client.get("/api/v1/release/held-jobs", params={"device_id": vault.id},
                        headers=headers)
    assert listed.status_code == 200, listed.text
    assert [(j["job_id"], j["cost"]["minor"], j["releasable"]) for j in listed.json()] == [
        (first, 3 * MONO_PAGE, True), (second, 3 * MONO_PAGE, True)]

    answer = client.post("/api/v1/release/release", headers=headers,
                         json={"device_id": vault.id, "job_ids": [second]})
    assert answer.status_code == 200, answer.text
    assert [(o["job_id"], o["ok"]) for o in answer.json()] == [(second, True)]
    assert [e["job_id"] for e in _release_events(world)] == [second]
    assert _release_events(world)[0]["device_uri"] == "ipp://mfp.lan/ipp/print"
    left = client.get("/api/v1/release/held-jobs", headers=headers).json()
    assert [j["job_id"] for j in left] == [first]
    assert left[0]["cost"] is None  # no device named: no price


def test_a_spoofed_owner_is_refused_and_bodies_are_checked(
        client: TestClient, world: World, vault: Device) -> None:
    alices = _hold(world, "1")
    bob = world.server.accounts.create_user("bob", password="bob-pass-12", actor="test")
    bob_headers = user_headers(world.server, bob.id)
    # bob names alice's job, or asks for "all of alice's": nothing of hers moves
    named = client.post("/api/v1/release/release", headers=bob_headers,
                        json={"device_id": vault.id, "job_ids": [alices]})
    assert named.json() == [{"job_id": alices, "ok": False, "cost": None,
                             "message": "no such held job of yours"}]
    as_her = client.post("/api/v1/release/release", headers=bob_headers,
                         json={"device_id": vault.id, "user_id": world.user_id})
    assert as_her.status_code == 403 and "operator" in as_her.json()["message"]
    listing = client.get("/api/v1/release/held-jobs", headers=bob_headers,
                         params={"user_id": world.user_id})
    assert listing.status_code == 403
    deleted = client.post("/api/v1/release/delete", headers=bob_headers,
                          json={"job_ids": [alices]})
    assert deleted.json()[0]["ok"] is False
    assert world.server.jobs.get_job(alices).state.value == "held"
    assert _release_events(world) == []

    for body in ({"device_id": vault.id, "job_ids": ["x" * 27]},      # too long an id
                 {"device_id": "../../etc", "job_ids": [alices]},    # not an id
                 {"device_id": vault.id, "job_ids": [alices] * 501},  # too many
                 {"device_id": vault.id, "extra": 1},                # unknown field
                 {"job_ids": [alices]}):                              # no device
        answer = client.post("/api/v1/release/release", headers=bob_headers, json=body)
        assert answer.status_code == 422, body
        assert "Traceback" not in answer.text
    anonymous = client.post("/api/v1/release/release",
                            json={"device_id": vault.id, "job_ids": [alices]})
    assert anonymous.status_code == 401


def test_a_job_of_a_direct_queue_or_at_a_device_outside_the_group_stays_put(
        client: TestClient, world: World, vault: Device) -> None:
    held = _hold(world, "1")
    direct = world.server.jobs.authorize(world.agent, world.request("2")).job_id
    headers = user_headers(world.server, world.user_id)
    hall = world.server.devices.find_device_by_name("hall")  # not in the vault's group
    assert hall is not None
    answer = client.post("/api/v1/release/release", headers=headers,
                         json={"device_id": hall.id, "job_ids": [held, direct]})
    outcomes = answer.json()
    assert [o["ok"] for o in outcomes] == [False, False]
    assert "release group" in outcomes[0]["message"]
    assert "not held" in outcomes[1]["message"]
    priced = client.get("/api/v1/release/held-jobs", params={"device_id": hall.id},
                        headers=headers).json()
    assert [(j["releasable"], j["cost"]) for j in priced] == [(False, None)]


def test_concurrent_releases_of_one_job_release_it_once(
        client: TestClient, world: World, vault: Device) -> None:
    held = _hold(world, "1")
    headers = user_headers(world.server, world.user_id)

    def release() -> bool:
        answer = client.post("/api/v1/release/release", headers=headers,
                             json={"device_id": vault.id, "job_ids": [held]})
        return bool(answer.json()[0]["ok"])

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda _: release(), range(6)))
    assert results.count(True) == 1
    assert len(_release_events(world)) == 1


def test_deleting_a_held_job_releases_its_reservation(
        client: TestClient, world: World, vault: Device) -> None:
    held = _hold(world, "1")
    assert world.balance() == (1000, 3 * MONO_PAGE)
    headers = user_headers(world.server, world.user_id)
    answer = client.post("/api/v1/release/delete", headers=headers, json={})
    assert [(o["job_id"], o["ok"]) for o in answer.json()] == [(held, True)]
    assert world.balance() == (1000, 0)
    assert world.server.jobs.get_job(held).state.value == "cancelled"
