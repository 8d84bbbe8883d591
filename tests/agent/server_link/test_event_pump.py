"""The agent's event pump adds no wait of its own: an answer's events are handled at once,
the cursor is journaled once per answer (at least once: a restart resumes after it), and
the next long poll goes out at once, asking after the last event handled."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from printwarden.agent.server_link.event_pump import EventPump
from printwarden.agent.storage.journal import Journal


class ScriptedEvents:
    """The server's side of ``GET /events``: answers its script, then waits for ever."""

    def __init__(self, answers: list[list[dict[str, Any]]]) -> None:
        self._answers = answers
        self.asked_after: list[str | None] = []
        self.idle = asyncio.Event()

    async def events(self, after: str | None, wait: float) -> list[dict[str, Any]]:
        self.asked_after.append(after)
        if self._answers:
            return self._answers.pop(0)
        self.idle.set()
        await asyncio.Event().wait()
        return []


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
    assert reopened.get_value("last_event_id") == _event(4)["id"]
    reopened.close()
