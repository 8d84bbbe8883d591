"""The holding agent's find-me fetch endpoint, in process against the real server
(SQLite): a genuine token streams the held document once and ``done`` hands the job over
(A's job ends moved, its spool is empty); expired, replayed, forged, other-job and
other-agent tokens get clear HTTP errors, also after A restarts."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from typing import Any

import httpx

from printwarden.agent.intake.fetch_endpoint import FetchEndpoint
from printwarden.agent.model import JobMeta, LocalJob, LocalState
from printwarden.agent.service import AgentService
from printwarden.agent.settings import AgentSettings
from printwarden.core.fetch_token import FetchClaims, FetchTokenSigner
from printwarden.core.principal import Principal
from tests.agent.support import (
    AgentFactory,
    World,
    chunks_of,
    enrolled,
    running,
    text_document,
    wait_for,
)

L = LocalState


def _far_device(world: World) -> tuple[str, str]:
    """Agent B and its device in the vault queue's release group: (B's id, device id)."""
    server = world.server
    code, _ = server.devices.create_enrolment_code(actor="test")
    agent_b, _ = server.devices.register_agent(code, name="ps-far", hostname="far",
                                               version="1")
    device = server.devices.create_device("far-mfp", actor="test", agent_id=agent_b.id,
                                          device_uri="ipp://far.lan/ipp/print")
    queue = server.devices.find_queue_by_name("vault")
    assert queue is not None and queue.release_group_id is not None
    server.devices.add_release_group_member(queue.release_group_id, device.id, actor="test")
    return agent_b.id, device.id


async def _set_up(world: World, agent_settings: AgentFactory,
                  ) -> tuple[AgentSettings, str, str, Principal]:
    """Agent A enrolled with the vault release queue, agent B's device in its group:
    (A's settings, B's id, B's device id, alice)."""
    settings = agent_settings()
    await enrolled(settings, world)
    world.add_queue("vault", hold_for_release=True)
    agent_b, device_id = _far_device(world)
    alice = world.server.principal_for_user(world.alice_id)
    assert alice is not None
    return settings, agent_b, device_id, alice


async def _held(core: AgentService) -> LocalJob:
    job = await core.accept("vault", JobMeta(username="alice", title="thesis"),
                            chunks_of(text_document(200)))
    await wait_for(lambda: (j := core.get_job(job.local_id)) and j.state is L.HELD
                   and j.server_job_id, "the job to be held")
    held = core.get_job(job.local_id)
    assert held is not None
    return held


def _fetch_event(world: World, agent_b: str) -> dict[str, Any]:
    (event,) = [e.payload for e in world.server.devices.events_after(agent_b, None)
                if e.kind == "fetch"]
    return event


def _client(core: AgentService, now: float | None = None) -> httpx.AsyncClient:
    endpoint = FetchEndpoint(core.book, verifier=core.fetch_token_verifier,
                             agent_id=core.agent_id,
                             now=(lambda: now) if now is not None else time.time)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=endpoint),
                             base_url="http://agent-a")


def _headers(token: str, agent: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "X-Printwarden-Agent": agent}


def test_a_genuine_token_fetches_the_document_once_and_done_ends_the_job_moved(
        world: World, agent_settings: AgentFactory) -> None:
    async def scenario() -> None:
        settings, agent_b, device_id, alice = await _set_up(world, agent_settings)
        async with running(settings, world.transport) as core:
            held = await _held(core)
            outcome = world.server.release.release(alice, device_id,
                                                   [held.server_job_id or ""])
            assert outcome[0].ok, outcome
            event = _fetch_event(world, agent_b)
            token, key = str(event["token"]), str(event["agent_job_key"])
            assert key == held.local_id
            async with _client(core) as client:
                url = f"/fetch/{key}"
                # A cut-off fetch loses nothing: the GET may be repeated until done
                for _ in range(2):
                    got = await client.get(url, headers=_headers(token, agent_b))
                    assert got.status_code == 200, got.text
                    assert got.content == text_document(200)
                    assert got.headers["x-printwarden-sha256"] == hashlib.sha256(
                        got.content).hexdigest()
                meta = json.loads(got.headers["x-printwarden-job"])
                assert (meta["server_job_id"], meta["title"], meta["pages"]) == (
                    held.server_job_id, "thesis", held.pages)
                assert core.get_job(key).state is L.HELD  # type: ignore[union-attr]

                done = await client.post(f"{url}/done", headers=_headers(token, agent_b))
                assert done.status_code == 200, done.text
                moved = core.get_job(key)
                assert moved is not None and moved.state is L.MOVED
                assert not core.book.spool.path_of(moved).exists()
                assert not [p for p in core.book.spool.directory.rglob("*") if p.is_file()]
                replay = await client.get(url, headers=_headers(token, agent_b))
                assert replay.status_code == 409
                assert "already used" in replay.json()["message"]
        async with running(settings, world.transport) as core, _client(core) as client:
            replay = await client.get(f"/fetch/{key}", headers=_headers(token, agent_b))
            assert replay.status_code == 409, replay.text  # A restarted: still spent

    asyncio.run(scenario())


def test_expired_forged_other_job_and_other_agent_tokens_are_refused(
        world: World, agent_settings: AgentFactory) -> None:
    async def scenario() -> None:
        settings, agent_b, device_id, alice = await _set_up(world, agent_settings)
        async with running(settings, world.transport) as core:
            held, other = await _held(core), await _held(core)
            world.server.release.release(alice, device_id, [held.server_job_id or ""])
            event = _fetch_event(world, agent_b)
            token, key = str(event["token"]), held.local_id
            async with _client(core) as client:
                cases: list[tuple[str, dict[str, Any], int, str]] = [
                    (f"/fetch/{key}", _headers(token, "01SOMEONEELSE0000000000000"), 403,
                     "another agent"),
                    (f"/fetch/{other.local_id}", _headers(token, agent_b), 403,
                     "another job"),
                    (f"/fetch/{key}", _headers(token[:-4] + "AAAA", agent_b), 401,
                     "signature"),
                    (f"/fetch/{key}", {"X-Printwarden-Agent": agent_b}, 401, "Bearer"),
                    (f"/fetch/{key}", {"Authorization": "Bearer \u0665.\uff15".encode(),
                                       "X-Printwarden-Agent": agent_b}, 401, "malformed"),
                    (f"/fetch/{key}", _headers("x" * 10_000, agent_b), 401, "malformed"),
                ]
                forged = FetchTokenSigner.generated().sign(FetchClaims(
                    tid="t", job_id=held.server_job_id or "", job_key=key,
                    src=core.agent_id() or "", dst=agent_b, device_id=device_id,
                    exp=int(time.time()) + 60))
                cases.append((f"/fetch/{key}", _headers(forged, agent_b), 401, "signature"))
                for url, headers, status, words in cases:
                    answer = await client.get(url, headers=headers)
                    assert answer.status_code == status, (url, answer.text)
                    assert words in answer.json()["message"], answer.text
                    assert "Traceback" not in answer.text
                put = await client.put(f"/fetch/{key}", headers=_headers(token, agent_b))
                assert put.status_code == 405
            async with _client(core, now=time.time() + 3600) as late:
                expired = await late.get(f"/fetch/{key}", headers=_headers(token, agent_b))
                assert expired.status_code == 401 and "expired" in expired.json()["message"]
            assert core.get_job(key).state is L.HELD  # type: ignore[union-attr]
            assert core.book.spool.path_of(held).exists()

    asyncio.run(scenario())
