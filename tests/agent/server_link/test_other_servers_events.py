"""The events of the servers the agent does not follow reach it: a job is released where
it is held, so a job held at a site's remote and released at a terminal that talks to the
remote reaches the agent after it went back to central (the chaos run's seed 557: the
agent followed central again before it read the remote's release, and the job stayed held
on its disk). Real server over HTTP (uvicorn), real journal."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from printwarden.agent.server_link.client import ServerLink
from printwarden.agent.server_link.event_pump import EventPump, cursor_key
from printwarden.agent.storage.journal import Journal
from printwarden.container import ServerContainer
from tests.agent.support import LiveServer
from tests.jobs.world import make_world
from tests.support.postgres import free_port


async def _until(check: Any, seconds: float = 20.0) -> None:
    for _ in range(int(seconds / 0.02)):
        if check():
            return
        await asyncio.sleep(0.02)


def test_a_server_the_link_does_not_follow_is_asked_for_its_events_each_once(
        server: ServerContainer, tmp_path: Path) -> None:
    world = make_world(server)
    world.top_up(1000)
    live = LiveServer(server)  # the server the agent does not follow (a site's remote)
    live.start()
    journal = Journal(tmp_path / "agent.db")
    handled: list[str] = []

    async def on_cancel(payload: dict[str, Any]) -> None:
        handled.append(str(payload["job_id"]))

    def cancelled_there(key: str) -> str:
        decision = server.jobs.authorize(world.agent, world.request(key))
        server.jobs.cancel(decision.job_id, actor="staff", reason="test")
        return decision.job_id

    async def scenario() -> list[str]:
        followed = f"http://127.0.0.1:{free_port()}"  # the one it follows (down: no matter)
        link = ServerLink([followed, live.url], token=world.token)
        pump = EventPump(journal, link, asyncio.Event(), wait_seconds=25,
                         handlers={"cancel": on_cancel}, others_seconds=0.05)
        task = asyncio.create_task(pump.run_others())
        try:
            first = await asyncio.to_thread(cancelled_there, "other-1")
            await _until(lambda: first in handled)
            second = await asyncio.to_thread(cancelled_there, "other-2")
            await _until(lambda: second in handled)
            await asyncio.sleep(0.3)  # a few more rounds: nothing handled again
            return [first, second]
        finally:
            task.cancel()
            await link.aclose()

    try:
        expected = asyncio.run(scenario())
    finally:
        live.stop()
    assert handled == expected
    assert journal.get_value(cursor_key(live.url))  # journaled: a restart resumes after it
    journal.close()


def test_an_answer_asked_after_a_cursor_that_moved_meanwhile_is_not_handled_again(
        tmp_path: Path) -> None:
    """Both loops may ask one server at a switch (the link moved to it during a round):
    what one loop handled, the other's answer, asked after the old cursor, does not
    repeat."""
    journal = Journal(tmp_path / "agent.db")
    handled: list[str] = []

    async def on_release(payload: dict[str, Any]) -> None:
        handled.append(str(payload["job_id"]))

    events = [{"id": f"01EVENT{n:019d}", "kind": "release", "payload": {"job_id": f"J{n}"}}
              for n in (1, 2)]

    async def scenario() -> None:
        link = ServerLink(["http://central.test", "http://remote.test"])
        pump = EventPump(journal, link, asyncio.Event(), wait_seconds=25,
                         handlers={"release": on_release})
        await pump._take("http://remote.test", None, events)
        await pump._take("http://remote.test", None, events)  # the other loop's answer
        await link.aclose()

    asyncio.run(scenario())
    assert handled == ["J1", "J2"]
    journal.close()
