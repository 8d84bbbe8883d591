"""Find-me with two agents in process against the real server (SQLite): a job held on A
is released at a device of B; B fetches it straight from A (the server link carries no
document bytes), prints it once, the server charges it once; A's job ends moved and its
spool is empty. A fetch that A refuses or cannot serve leaves nothing half-done at B."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from printwarden.agent.bootstrap import enrol
from printwarden.agent.intake.fetch_endpoint import FetchEndpoint
from printwarden.agent.model import JobMeta, LocalJob, LocalState
from printwarden.agent.processing.find_me_fetch import FIND_ME_QUEUE
from printwarden.agent.service import AgentService
from printwarden.agent.settings import AgentSettings, load_agent_settings
from printwarden.core.principal import Principal
from printwarden.devices.device_model import Device
from printwarden.jobs.model import JobState
from tests.agent.colour_documents import colour_pdf, grey_pages
from tests.agent.support import (
    MONO_PAGE,
    AgentFactory,
    InProcessServer,
    World,
    chunks_of,
    enrolled,
    running,
    wait_for,
)

L = LocalState
DOCUMENT = "".join(f"find-me line {n} {'x' * 50}\n" for n in range(50)).encode()


class CountingTransport(httpx.AsyncBaseTransport):
    """Wraps the server link: counts the bytes the agents send the server."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.bodies: list[bytes] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(await request.aread())
        return await self.inner.handle_async_request(request)


class PeerTransport(httpx.AsyncBaseTransport):
    """B's way to A's listener: the fetch endpoint of the running agent A, in process."""

    def __init__(self) -> None:
        self.core: AgentService | None = None
        self.requests: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(f"{request.method} {request.url.path} (A down)"
                             if self.core is None else "")
        if self.core is None:
            raise httpx.ConnectError("agent A is down", request=request)
        self.requests[-1] = f"{request.method} {request.url.path}"
        app = FetchEndpoint(self.core.book, verifier=self.core.fetch_token_verifier,
                            agent_id=self.core.agent_id)
        return await httpx.ASGITransport(app=app).handle_async_request(request)


async def _two_agents(world: World, agent_settings: AgentFactory, b_dir: Path,
                      server_url: str, far_out: Path, transport: httpx.AsyncBaseTransport,
                      peers: dict[str, str] | None = None,
                      ) -> tuple[AgentSettings, AgentSettings, Device, Principal]:
    """Agent A (``ps-test``) hosting the ``vault`` release queue; agent B (``ps-b``)
    serving ``far-mfp`` (a file) in its release group, A's URL in B's find-me peers."""
    settings_a = agent_settings()
    await enrolled(settings_a, world)
    world.add_queue("vault", hold_for_release=True)
    settings_b = load_agent_settings(
        b_dir, server_urls=[server_url], events_wait_seconds=1.0, health_min_seconds=0.1,
        health_max_seconds=0.5, forward_delay_seconds=0.05, request_timeout_seconds=5.0,
        min_free_bytes=0, name="ps-b",
        find_me_peers={"ps-test": "http://agent-a.lan:631"} if peers is None else peers)
    code, _ = world.server.devices.create_enrolment_code(actor="test")
    await enrol(settings_b, code, transport=transport)
    agent_b = next(a for a in world.server.devices.list_agents() if a.name == "ps-b")
    device = world.server.devices.create_device("far-mfp", actor="test", agent_id=agent_b.id,
                                                device_uri=far_out.as_uri())
    queue = world.server.devices.find_queue_by_name("vault")
    assert queue is not None and queue.release_group_id is not None
    world.server.devices.add_release_group_member(queue.release_group_id, device.id,
                                                  actor="test")
    alice = world.server.principal_for_user(world.alice_id)
    assert alice is not None
    return settings_a, settings_b, device, alice


async def _held_on(core_a: AgentService, document: bytes = DOCUMENT,
                   fmt: str = "application/octet-stream") -> LocalJob:
    job = await core_a.accept("vault", JobMeta(username="alice", title="far",
                                               document_format=fmt), chunks_of(document))
    held: LocalJob = await wait_for(lambda: (j := core_a.get_job(job.local_id))
                                    and j.state is L.HELD and j.server_job_id and j,
                                    "the job to be held on A")
    return held


def test_a_job_held_on_a_is_released_at_bs_device_fetched_from_a_and_charged_once(
        world: World, agent_settings: AgentFactory, tmp_path: Path,
        app_server: InProcessServer) -> None:
    far_out = tmp_path / "far.out"
    assert world.transport is not None
    counting = CountingTransport(world.transport)
    peer = PeerTransport()

    async def scenario() -> None:
        settings_a, settings_b, device, alice = await _two_agents(
            world, agent_settings, tmp_path / "agent-b", app_server.url, far_out, counting)
        async with running(settings_a, counting) as core_a, \
                running(settings_b, counting, peer_transport=peer) as core_b:
            peer.core = core_a
            held = await _held_on(core_a)
            outcome = world.server.release.release(alice, device.id, [held.server_job_id])
            assert outcome[0].ok, outcome
            await wait_for(lambda: world.server_job(held.server_job_id).state
                           is JobState.COMPLETED, "the server job to complete")
            fetched = core_b.book.journal.find_by_server_id(held.server_job_id)
            assert fetched is not None and fetched.queue == FIND_ME_QUEUE
            await wait_for(lambda: (j := core_a.get_job(held.local_id))
                           and j.state is L.MOVED, "A's job to end moved")
            spool_a = core_a.book.spool.directory
            assert not [p for p in spool_a.rglob("*") if p.is_file()]
            assert peer.requests == [f"GET /fetch/{held.local_id}",
                                     f"POST /fetch/{held.local_id}/done"]
        assert far_out.read_bytes() == DOCUMENT
        server_job = world.server_job(held.server_job_id)
        assert server_job.device_id == device.id
        assert world.charges(held.server_job_id) == 1
        assert server_job.charged_cost_minor == MONO_PAGE
        # the document went A -> B only: no request to the server carried it
        assert counting.bodies and all(DOCUMENT[:40] not in body for body in counting.bodies)
        assert max(len(body) for body in counting.bodies) < len(DOCUMENT)

    asyncio.run(scenario())


def test_b_retries_the_fetch_while_the_token_lives_when_a_is_out_of_reach(
        world: World, agent_settings: AgentFactory, tmp_path: Path,
        app_server: InProcessServer) -> None:
    far_out = tmp_path / "far.out"
    assert world.transport is not None
    peer = PeerTransport()

    async def scenario() -> None:
        settings_a, settings_b, device, alice = await _two_agents(
            world, agent_settings, tmp_path / "agent-b", app_server.url, far_out,
            world.transport)
        async with running(settings_a, world.transport) as core_a, \
                running(settings_b, world.transport, peer_transport=peer) as core_b:
            held = await _held_on(core_a)
            assert world.server.release.release(alice, device.id,
                                                [held.server_job_id])[0].ok
            await wait_for(lambda: any("(A down)" in r for r in peer.requests),
                           "B to try A while it is out of reach")
            assert core_b.book.journal.find_by_server_id(held.server_job_id) is None
            assert core_a.get_job(held.local_id).state is L.HELD  # type: ignore[union-attr]
            peer.core = core_a  # A's listener answers again
            await wait_for(lambda: world.server_job(held.server_job_id).state
                           is JobState.COMPLETED, "the server job to complete")
            await wait_for(lambda: (j := core_a.get_job(held.local_id))
                           and j.state is L.MOVED, "A's job to end moved")
        assert far_out.read_bytes() == DOCUMENT
        assert world.charges(held.server_job_id) == 1

    asyncio.run(scenario())


def test_a_job_b_cannot_fetch_goes_back_to_held_and_can_be_released_again(
        world: World, agent_settings: AgentFactory, tmp_path: Path,
        app_server: InProcessServer) -> None:
    """B does not know where A listens (no find_me_peers entry): it gives the job back."""
    far_out = tmp_path / "far.out"
    assert world.transport is not None

    async def scenario() -> None:
        settings_a, settings_b, device, alice = await _two_agents(
            world, agent_settings, tmp_path / "agent-b", app_server.url, far_out,
            world.transport, peers={})
        async with running(settings_a, world.transport) as core_a, \
                running(settings_b, world.transport) as core_b:
            held = await _held_on(core_a)
            assert world.server.release.release(alice, device.id,
                                                [held.server_job_id])[0].ok
            await wait_for(lambda: world.server_job(held.server_job_id).state
                           is JobState.HELD, "the job to be given back")
            back = world.server_job(held.server_job_id)
            assert "find_me_peers" in back.state_reason and back.device_id is None
            assert core_b.book.journal.find_by_server_id(held.server_job_id) is None
            assert core_a.get_job(held.local_id).state is L.HELD  # type: ignore[union-attr]
            assert core_a.book.spool.path_of(held).exists()
            listed = world.server.release.held_jobs(world.alice_id)
            assert [j.job_id for j in listed] == [held.server_job_id]
        assert not far_out.exists() and world.charges(held.server_job_id) == 0

    asyncio.run(scenario())


def test_a_job_forced_grey_prints_grey_at_bs_device(
        world: World, agent_settings: AgentFactory, tmp_path: Path,
        app_server: InProcessServer) -> None:
    """The rule's transforms travel with the fetch: B makes the grey copy as A would have
    (the job was priced grey), and prints that."""
    far_out = tmp_path / "far.out"
    assert world.transport is not None
    peer = PeerTransport()
    world.server.rules.create("test", {"name": "grey", "actions": [{"type": "grayscale"}]})

    async def scenario() -> None:
        settings_a, settings_b, device, alice = await _two_agents(
            world, agent_settings, tmp_path / "agent-b", app_server.url, far_out,
            world.transport)
        async with running(settings_a, world.transport) as core_a, \
                running(settings_b, world.transport, peer_transport=peer) as core_b:
            peer.core = core_a
            held = await _held_on(core_a, colour_pdf(3), "application/pdf")
            assert held.transforms == ("grayscale",)
            assert world.server.release.release(alice, device.id,
                                                [held.server_job_id])[0].ok
            await wait_for(lambda: world.server_job(held.server_job_id).state
                           is JobState.COMPLETED, "the server job to complete")
            fetched = core_b.book.journal.find_by_server_id(held.server_job_id)
            assert fetched is not None and fetched.transforms == ("grayscale",)
        assert grey_pages(far_out) == (3, [False, False, False])  # no colour page
        assert world.charges(held.server_job_id) == 1
        assert world.server_job(held.server_job_id).charged_cost_minor == 3 * MONO_PAGE

    asyncio.run(scenario())


def test_a_fetch_naming_a_transform_b_does_not_know_fetches_nothing(tmp_path: Path) -> None:
    """Checked before any byte moves: the job goes back to held rather than print other
    than it was priced."""
    from printwarden.agent.processing.find_me_fetch import FetchFailed, FindMeFetcher

    fetcher = FindMeFetcher(None, peers=dict, own_id=lambda: "b",  # type: ignore[arg-type]
                            timeout=1.0)
    payload = {"job_id": "j1", "agent_job_key": "k1", "token": "t",
               "source_agent_name": "ps-test", "transforms": ["grayscale", "sepia"]}
    with pytest.raises(FetchFailed, match="sepia") as caught:
        asyncio.run(fetcher.handle(payload))
    assert caught.value.retry is False
