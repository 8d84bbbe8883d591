"""The agent's event pump adds no wait of its own: an answer's events are handled at once,
the cursor is journaled once per answer (at least once: a restart resumes after it), and
the next long poll goes out at once, asking after the last event handled, from that server:
each server (central, a site's remote) has its own cursor."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from printwarden.agent.server_link.client import ServerLink
from printwarden.agent.server_link.event_pump import LAST_EVENT_KEY, EventPump, cursor_key
from printwarden.agent.storage.journal import Journal

CENTRAL = "http://central.test"


class ScriptedEvents:
    """The servers' side of ``GET /events``: answers its script (each answer from the
    server named with it, central by default), then waits for ever."""

    def __init__(self, answers: list[list[dict[str, Any]] | tuple[str, list[dict[str, Any]]]]
                 ) -> None:
        self._answers = answers
        self.asked_after: list[str | None] = []
        self.idle = asyncio.Event()

    async def events(self, after: Callable[[str], str | None],
                     wait: float) -> tuple[str, list[dict[str, Any]]]:
        if self._answers:
            answer = self._answers.pop(0)
            url, events = answer if isinstance(answer, tuple) else (CENTRAL, answer)
            self.asked_after.append(after(url))
            return url, events
        self.asked_after.append(after(CENTRAL))
        self.idle.set()
        await asyncio.Event().wait()
        return CENTRAL, []


def _event(n: int, kind: str = "release") -> dict[str, Any]:
    return {"id": f"01EVENT{n:019d}", "kind": kind, "payload": {"job_id": f"J{n}"}}


def test_an_answers_events_are_handled_in_order_and_the_next_poll_asks_after_the_last(
        tmp_path: Path) -> None:
    journal = Journal(tmp_path / "agent.db")
    handled: list[str] = []

    async def on_release(payload: dict[str, Any]) -> None:
        handled.append(payload["job_id"])

    async def boom(payload: dict[str, Any]) -> None:
        raise RuntimeError("a handler bug")

    async def scenario() -> list[str | None]:
        link = ScriptedEvents([[_event(1), _event(2, "cancel"), _event(3)], [_event(4)]])
        pump = EventPump(journal, link, asyncio.Event(), wait_seconds=25,  # type: ignore[arg-type]
                         handlers={"release": on_release, "cancel": boom})
        task = asyncio.create_task(pump.run())
        await asyncio.wait_for(link.idle.wait(), 30)
        task.cancel()
        return link.asked_after

    asked = asyncio.run(scenario())
    assert handled == ["J1", "J3", "J4"]  # the failing handler stopped nothing
    assert asked == [None, _event(3)["id"], _event(4)["id"]]
    journal.close()
    reopened = Journal(tmp_path / "agent.db")  # a restart resumes after the last answer
    assert reopened.get_value(cursor_key(CENTRAL)) == _event(4)["id"]
    reopened.close()


def _run_pump(journal: Journal, link: ScriptedEvents, handled: list[str]) -> None:
    async def on_release(payload: dict[str, Any]) -> None:
        handled.append(payload["job_id"])

    async def scenario() -> None:
        pump = EventPump(journal, link, asyncio.Event(), wait_seconds=25,  # type: ignore[arg-type]
                         handlers={"release": on_release})
        task = asyncio.create_task(pump.run())
        await asyncio.wait_for(link.idle.wait(), 30)
        task.cancel()

    asyncio.run(scenario())


def test_each_server_has_its_own_cursor_so_an_event_queued_at_one_is_not_skipped(
        tmp_path: Path) -> None:
    """Central queues a release (event 5) while the agent's poll is at the site's remote,
    which then answers a later event of its own (9); back at central, the agent asks after
    central's last event, not the remote's, and gets 5."""
    remote = "http://remote.test"
    journal = Journal(tmp_path / "agent.db")
    handled: list[str] = []
    link = ScriptedEvents([[_event(1)], (remote, [_event(9)]), [_event(5)]])
    _run_pump(journal, link, handled)
    assert handled == ["J1", "J9", "J5"]
    assert link.asked_after == [None, None, _event(1)["id"], _event(5)["id"]]
    assert journal.get_value(cursor_key(remote)) == _event(9)["id"]
    assert journal.get_value(cursor_key(CENTRAL)) == _event(5)["id"]
    journal.close()


def test_the_cursor_kept_before_there_was_one_per_server_is_each_servers_start(
        tmp_path: Path) -> None:
    journal = Journal(tmp_path / "agent.db")
    journal.set_value(LAST_EVENT_KEY, _event(3)["id"])
    link = ScriptedEvents([[_event(4)]])
    _run_pump(journal, link, [])
    assert link.asked_after == [_event(3)["id"], _event(4)["id"]]
    journal.close()


def test_the_link_asks_each_server_it_tries_after_that_servers_cursor() -> None:
    """The current server does not answer: the poll fails over with the next server's
    cursor, and the answer names the server that gave it."""
    asked: list[tuple[str, str | None]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append((request.url.host, request.url.params.get("after")))
        if request.url.host == "central.test":
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, json=[_event(7)])

    cursors = {CENTRAL: "C1", "http://remote.test": "R1"}

    async def scenario() -> tuple[str, list[dict[str, Any]]]:
        link = ServerLink([CENTRAL, "http://remote.test"], token="t",
                          transport=httpx.MockTransport(answer))
        try:
            return await link.events(cursors.get, 0)
        finally:
            await link.aclose()

    url, events = asyncio.run(scenario())
    assert (url, events) == ("http://remote.test", [_event(7)])
    assert asked == [("central.test", "C1"), ("remote.test", "R1")]


@pytest.mark.parametrize("cursor", [None, ""])
def test_a_server_with_no_cursor_is_asked_from_the_start(cursor: str | None) -> None:
    asked: list[str | None] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.params.get("after"))
        return httpx.Response(200, json=[])

    async def scenario() -> None:
        link = ServerLink([CENTRAL], transport=httpx.MockTransport(answer))
        try:
            await link.events(lambda _url: cursor, 0)
        finally:
            await link.aclose()

    asyncio.run(scenario())
    assert asked == [None]
