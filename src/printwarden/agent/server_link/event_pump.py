"""The event loop from the server: long poll ``GET /api/v1/agent/events`` and act.

Delivery is at least once: the id of the last processed event is journaled after the
events of one answer were handled, one cursor per server URL (central and a site's
remote each number their own events; one cursor for both skipped the events one server
queued, for a job held there, before the last event handled from the other), so a crash
repeats at most that answer's events, and every handler is harmless when repeated
(cancelling a cancelled job, releasing a released one, refetching config).

The servers the link does not follow are asked too (``run_others``, every
``others_seconds``, without waiting): a job is released where it is held, so a job held
at a site's remote and released at a terminal that talks to the remote must reach the
agent after it went back to central (and a job held at central, released there while the
agent follows the remote). One lock per server keeps the two loops from handling one
answer twice: an answer asked after a cursor that moved meanwhile is dropped (the loop
that moved it handled those events).

No delay of its own: an answer's events are handled as soon as it arrives and the next
poll goes out at once (the server holds it until there is something); the journal writes
are awaited, not blocking, so a released job's queue worker starts sending while the
cursor's commit is fsynced (and shares it, the journal writer's group commit). Only a poll
that came back empty at once (``wait`` < 1 s) or was refused pauses.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from printwarden.agent.server_link.client import ServerLink, ServerRejected, ServerUnreachable
from printwarden.agent.storage.journal import Journal

log = logging.getLogger(__name__)
#: The journal key of the cursor before there was one per server: read as every server's
#: cursor until that server has its own.
LAST_EVENT_KEY = "last_event_id"
#: Pause between polls that came back empty at once (``wait`` = 0) or were refused.
IDLE_PAUSE_SECONDS = 1.0
#: How often the servers the link does not follow are asked for their events.
OTHERS_SECONDS = 3.0

EventHandler = Callable[[dict[str, Any]], Awaitable[None]]


def cursor_key(server_url: str) -> str:
    """The journal key of the event cursor of the server at ``server_url``."""
    return f"{LAST_EVENT_KEY} {server_url}"


class EventPump:
    def __init__(self, journal: Journal, link: ServerLink, server_up: asyncio.Event, *,
                 wait_seconds: float, handlers: dict[str, EventHandler],
                 others_seconds: float = OTHERS_SECONDS) -> None:
        self._journal = journal
        self._link = link
        self._server_up = server_up
        self._wait = wait_seconds
        self._handlers = handlers
        self._others_seconds = others_seconds
        self._locks: dict[str, asyncio.Lock] = {}

    @property
    def last_event_id(self) -> str | None:
        """The cursor of the link's current server."""
        return self.cursor(self._link.current_url)

    def cursor(self, server_url: str) -> str | None:
        """The id of the last event handled from ``server_url``."""
        return (self._journal.get_value(cursor_key(server_url))
                or self._journal.get_value(LAST_EVENT_KEY))

    async def run(self) -> None:
        while True:
            asked: dict[str, str | None] = {}
            try:
                server_url, events = await self._link.events(
                    partial(self._cursor_noted, asked), self._wait)
            except ServerUnreachable:
                await self._server_up.wait()
                await asyncio.sleep(0.1)
                continue
            except ServerRejected as exc:
                log.warning("event poll refused: %s", exc.message)
                await asyncio.sleep(max(self._wait, IDLE_PAUSE_SECONDS))
                continue
            await self._take(server_url, asked.get(server_url), events)
            if not events and self._wait < IDLE_PAUSE_SECONDS:
                await asyncio.sleep(IDLE_PAUSE_SECONDS)

    def _cursor_noted(self, asked: dict[str, str | None], server_url: str) -> str | None:
        """The cursor of ``server_url``, noted in ``asked`` (what an answer was asked after)."""
        asked[server_url] = self.cursor(server_url)
        return asked[server_url]

    async def run_others(self) -> None:
        """Forever: every ``others_seconds``, the events of each server the link does not
        follow (one that does not answer is asked again on the next round)."""
        if len(self._link.server_urls) < 2 or self._others_seconds <= 0:
            return
        while True:
            await asyncio.sleep(self._others_seconds)
            for url in self._link.server_urls:
                if url == self._link.current_url:
                    continue
                asked = self.cursor(url)
                events = await self._link.events_at(url, asked)
                if events:
                    await self._take(url, asked, events)

    async def _take(self, server_url: str, asked: str | None,
                    events: list[dict[str, Any]]) -> None:
        """Handle ``events``, asked from ``server_url`` after ``asked``, then journal the
        cursor; nothing if the cursor moved since (the other loop took them)."""
        async with self._locks.setdefault(server_url, asyncio.Lock()):
            if not events or self.cursor(server_url) != asked:
                return
            for event in events:
                await self.handle(event)
            await self._journal.set_value_async(cursor_key(server_url),
                                                str(events[-1]["id"]))

    async def handle(self, event: dict[str, Any]) -> None:
        """Run the event's handler (``run`` journals the cursor after an answer's events)."""
        handler = self._handlers.get(str(event.get("kind")))
        payload = event.get("payload") or {}
        if handler is None:
            log.info("ignoring event %s of kind %r", event.get("id"), event.get("kind"))
        else:
            try:
                await handler(payload if isinstance(payload, dict) else {})
            except Exception:  # one bad event must not stop the stream
                log.exception("event %s (%s) failed", event.get("id"), event.get("kind"))
