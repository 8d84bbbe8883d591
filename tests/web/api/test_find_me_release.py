"""Find-me at the server, on SQLite and PostgreSQL: a held job released at a device of
another agent gets a signed fetch token bound to the job, both agents and the device; the
releasing agent gets a ``fetch`` event, the holding one a ``move`` event; a holding agent
that is gone keeps the job held and the answer says so."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from printwarden.container import ServerContainer
from printwarden.core.errors import PermissionDenied
from printwarden.core.fetch_token import FetchTokenRefused, FetchTokenVerifier
from printwarden.devices.device_model import Device
from printwarden.devices.tables import agents
from tests.jobs.world import World, make_agent, make_world
from tests.web.api.test_jobs_api import user_headers

_TOKENS: dict[tuple[int, str], str] = {}


def _token_of(world: World, name: str) -> str:
    return _TOKENS[(id(world), name)]


@pytest.fixture
def world(server: ServerContainer) -> World:
    return make_world(server)


@pytest.fixture
def far(world: World) -> tuple[Device, str]:
    """The ``vault`` release queue on agent A (the world's), its group holding a device of
    agent B; answers B's device and B's id."""
    server = world.server
    server.devices.create_printer(
        "vault", actor="test", agent_id=world.agent.id, device_uri="ipp://near.lan/ipp/print",
        hold_for_release=True, owner_check="release")
    queue = server.devices.find_queue_by_name("vault")
    assert queue is not None and queue.release_group_id is not None
    agent_b, token_b = make_agent(server, "ps-2")
    _TOKENS[(id(world), "ps-2")] = token_b
    device = server.devices.create_device("far-mfp", actor="test", agent_id=agent_b.id,
                                          device_uri="ipp://far.lan/ipp/print")
    server.devices.add_release_group_member(queue.release_group_id, device.id, actor="test")
    return device, agent_b.id


def test_the_releasing_agent_reports_the_completion_and_it_is_charged_once(
        client: TestClient, world: World, far: tuple[Device, str]) -> None:
    device, _ = far
    job_id = _hold(world, "19")
    before = world.balance()
    b = world.server.devices.principal_for_agent_token(_token_of(world, "ps-2"))
    with pytest.raises(PermissionDenied):  # B may not report a job still held at A
        world.server.jobs.complete(b, job_id, status="completed")
    client.post("/api/v1/release/release", headers=user_headers(world.server, world.user_id),
                json={"device_id": device.id, "job_ids": [job_id]})
    third, _ = make_agent(world.server, "ps-3")
    with pytest.raises(PermissionDenied):
        world.server.jobs.complete(third, job_id, status="completed")
    assert world.server.jobs.mark_printing(b, job_id).state.value == "printing"
    first = world.server.jobs.complete(b, job_id, status="completed", pages_printed=3,
                                       copies_printed=1)
    again = world.server.jobs.complete(b, job_id, status="completed", pages_printed=3,
                                       copies_printed=1)
    assert first.state.value == "completed" and again.charged == first.charged
    assert first.charged.minor > 0
    assert world.balance()[0] == before[0] - first.charged.minor


def _hold(world: World, key: str) -> str:
    decision = world.server.jobs.authorize(world.agent, world.request(key, queue="vault"))
    assert decision.decision == "hold", decision
    return decision.job_id


def _events(world: World, agent_id: str, kind: str) -> list[dict[str, object]]:
    return [e.payload for e in world.server.devices.events_after(agent_id, None)
            if e.kind == kind]


def _last_seen(world: World, agent_id: str, when: datetime) -> None:
    world.server.db.write(lambda conn: conn.execute(
        agents.update().where(agents.c.id == agent_id).values(last_seen_at=when)))


def test_a_release_at_another_agents_device_hands_the_job_over_with_a_token(
        client: TestClient, world: World, far: tuple[Device, str]) -> None:
    device, agent_b = far
    job_id = _hold(world, "17")
    answer = client.post("/api/v1/release/release", headers=user_headers(
        world.server, world.user_id), json={"device_id": device.id, "job_ids": [job_id]})
    assert answer.status_code == 200, answer.text
    assert answer.json()[0]["ok"] is True, answer.json()
    job = world.server.jobs.get_job(job_id)
    assert (job.state.value, job.device_id) == ("releasing", device.id)

    assert _events(world, world.agent.id, "release") == []  # no local release at A
    (fetch,) = _events(world, agent_b, "fetch")
    (move,) = _events(world, world.agent.id, "move")
    assert fetch["source_agent_id"] == world.agent.id
    assert fetch["agent_job_key"] == "17" and fetch["device_uri"] == "ipp://far.lan/ipp/print"
    assert move["token_id"] == fetch["token_id"] and move["target_agent_id"] == agent_b

    verifier = FetchTokenVerifier(world.server.fetch_token_public_key)
    claims = verifier.verify(str(fetch["token"]), now=time.time(), job_key="17",
                             src=world.agent.id)
    assert (claims.job_id, claims.dst, claims.device_id) == (job_id, agent_b, device.id)
    assert 0 < claims.exp - time.time() <= world.server.settings.fetch_token_seconds + 1
    with pytest.raises(FetchTokenRefused):  # not A's token to hand out as B's
        verifier.verify(str(fetch["token"]), now=time.time(), job_key="17", src=agent_b)
    # the agents learn the key from their configuration
    config = client.get("/api/v1/agent/config",
                        headers={"Authorization": f"Bearer {world.token}"}).json()
    assert config["fetch_token_public_key"] == world.server.fetch_token_public_key


def test_a_holding_agent_out_of_reach_keeps_the_job_held_until_it_is_back(
        client: TestClient, world: World, far: tuple[Device, str]) -> None:
    device, agent_b = far
    job_id = _hold(world, "18")
    headers = user_headers(world.server, world.user_id)
    _last_seen(world, world.agent.id, datetime.now(UTC) - timedelta(hours=1))
    refused = client.post("/api/v1/release/release", headers=headers,
                          json={"device_id": device.id, "job_ids": [job_id]}).json()
    assert refused[0]["ok"] is False
    assert "cannot be reached" in refused[0]["message"]
    assert "stays held" in refused[0]["message"]
    assert world.server.jobs.get_job(job_id).state.value == "held"
    assert _events(world, agent_b, "fetch") == []

    _last_seen(world, world.agent.id, datetime.now(UTC))  # A is back
    again = client.post("/api/v1/release/release", headers=headers,
                        json={"device_id": device.id, "job_ids": [job_id]}).json()
    assert again[0]["ok"] is True, again
    assert len(_events(world, agent_b, "fetch")) == 1


def test_the_signing_key_is_private_and_survives_a_restart(
        server: ServerContainer) -> None:
    key_file = server.settings.data_dir / "fetch-token.key"
    assert key_file.stat().st_mode & 0o077 == 0
    from printwarden.server.bootstrap import build_server

    again = build_server(server.settings, db=server.db, migrate=False)
    assert again.fetch_token_public_key == server.fetch_token_public_key


def test_tokens_are_refused_when_forged_tampered_or_malformed(
        server: ServerContainer) -> None:
    from printwarden.core.fetch_token import FetchClaims, load_or_create_signer

    verifier = FetchTokenVerifier(server.fetch_token_public_key)
    other = load_or_create_signer(server.settings.data_dir.parent)  # another server's key
    claims = FetchClaims(tid="t", job_id="j", job_key="1", src="A", dst="B", device_id="d",
                         exp=int(time.time()) + 60)
    forged = other.sign(claims)
    body, signature = forged.split(".")
    for token, status in ((forged, 401), ("", 401), ("a.b.c", 401), ("\u0665.\uff15", 401),
                          ("x" * 5000, 401), (body + ".", 401), ("." + signature, 401)):
        with pytest.raises(FetchTokenRefused) as refused:
            verifier.verify(token, now=time.time(), job_key="1", src="A")
        assert refused.value.status == status, token[:20]
    genuine = FetchTokenVerifier(other.public_key)
    assert genuine.verify(forged, now=time.time(), job_key="1", src="A").dst == "B"
    with pytest.raises(FetchTokenRefused, match="expired"):
        genuine.verify(forged, now=claims.exp + 1, job_key="1", src="A")
    with pytest.raises(FetchTokenRefused, match="another job"):
        genuine.verify(forged, now=time.time(), job_key="2", src="A")


def test_only_the_releasing_agent_gives_a_job_back_to_held(
        client: TestClient, world: World, far: tuple[Device, str]) -> None:
    device, _ = far
    job_id = _hold(world, "20")
    b = world.server.devices.principal_for_agent_token(_token_of(world, "ps-2"))
    client.post("/api/v1/release/release", headers=user_headers(world.server, world.user_id),
                json={"device_id": device.id, "job_ids": [job_id]})
    _, third_token = make_agent(world.server, "ps-3")
    refused = client.post(f"/api/v1/agent/jobs/{job_id}/fetch-failed", json={"reason": "x"},
                          headers={"Authorization": f"Bearer {third_token}"})
    assert refused.status_code == 403
    bad = client.post(f"/api/v1/agent/jobs/{job_id}/fetch-failed",
                      json={"reason": "x" * 501},
                      headers={"Authorization": f"Bearer {_token_of(world, 'ps-2')}"})
    assert bad.status_code == 422 and "Traceback" not in bad.text
    # the holding agent cannot push it back: its word is not the releasing agent's
    assert world.server.jobs.fetch_failed(world.agent, job_id, "x").state.value == "releasing"
    back = client.post(f"/api/v1/agent/jobs/{job_id}/fetch-failed",
                       json={"reason": "agent ps-1 unreachable"},
                       headers={"Authorization": f"Bearer {_token_of(world, 'ps-2')}"})
    assert back.status_code == 200 and back.json()["state"] == "held"
    assert world.server.jobs.get_job(job_id).device_id is None
    with pytest.raises(PermissionDenied):  # held again: B has no say on it any more
        world.server.jobs.fetch_failed(b, job_id, "twice")
    with pytest.raises(PermissionDenied):
        world.server.jobs.complete(b, job_id, status="completed")
