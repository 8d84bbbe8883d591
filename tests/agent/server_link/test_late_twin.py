"""A twin made after the agent's drop-twin: the authorize the agent gave up on (it timed
out there, the agent followed another server's answer) may still be on its way through
that server when the drop arrives, which then answers "no such job". The agent asks again
for a while, so the late twin is cancelled and its reservation released; a server that
never makes one is not asked for ever. Real server over HTTP (uvicorn), real ledger."""

from __future__ import annotations

import asyncio

import pytest

from printwarden.agent.server_link import twin_dropper
from printwarden.agent.server_link.client import ServerLink
from printwarden.agent.server_link.twin_dropper import TwinDropper
from printwarden.container import ServerContainer
from printwarden.jobs.model import JobState
from tests.agent.support import LiveServer
from tests.jobs.world import make_world
from tests.support.postgres import free_port

FOLLOWED = "01HZX0000000000000000000T1"  # the job the agent follows at the other server


async def _until_idle(dropper: TwinDropper, seconds: float = 20.0) -> None:
    for _ in range(int(seconds / 0.02)):
        if not dropper.busy:
            return
        await asyncio.sleep(0.02)


def test_a_twin_made_after_the_first_drop_answer_is_dropped_when_asked_again(
        server: ServerContainer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(twin_dropper, "FIRST_RETRY_SECONDS", 0.05)
    monkeypatch.setattr(twin_dropper, "MAX_RETRY_SECONDS", 0.2)
    world = make_world(server)
    before = world.balance()
    live = LiveServer(server)
    live.start()
    other = f"http://127.0.0.1:{free_port()}"  # the server that decided (gone now)
    twin_ids: list[str] = []

    async def scenario() -> None:
        link = ServerLink([other, live.url], token=world.token)
        dropper = TwinDropper(link)
        try:
            await dropper.drop_elsewhere("late-1", FOLLOWED, decided_at=other)
            await asyncio.sleep(0.3)  # answered "no such job" by now, more than once
            assert dropper.busy
            decision = await asyncio.to_thread(  # the late authorize lands
                server.jobs.authorize, world.agent, world.request("late-1", pages=2))
            twin_ids.append(decision.job_id)
            await _until_idle(dropper)
            assert not dropper.busy
        finally:
            await dropper.aclose()
            await link.aclose()

    try:
        asyncio.run(scenario())
    finally:
        live.stop()
    twin = server.jobs.get_job(twin_ids[0])
    assert twin.state is JobState.CANCELLED and FOLLOWED in twin.state_reason
    assert world.balance() == before  # its reservation released, nothing charged


def test_a_server_with_no_twin_is_asked_only_for_a_while(
        server: ServerContainer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(twin_dropper, "FIRST_RETRY_SECONDS", 0.05)
    monkeypatch.setattr(twin_dropper, "MAX_RETRY_SECONDS", 0.1)
    monkeypatch.setattr(twin_dropper, "LATE_TWIN_SECONDS", 0.5)
    world = make_world(server)
    live = LiveServer(server)
    live.start()

    async def scenario() -> bool:
        link = ServerLink([f"http://127.0.0.1:{free_port()}", live.url], token=world.token)
        dropper = TwinDropper(link)
        try:
            await dropper.drop_elsewhere("never-1", FOLLOWED, decided_at=link.server_urls[0])
            await asyncio.sleep(0.1)
            asked_again = dropper.busy  # still asking: a twin may yet come
            await _until_idle(dropper, seconds=10)
            return asked_again and not dropper.busy
        finally:
            await dropper.aclose()
            await link.aclose()

    try:
        assert asyncio.run(scenario())
    finally:
        live.stop()
