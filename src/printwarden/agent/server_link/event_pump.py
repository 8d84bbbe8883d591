"""The event loop from the server: long poll ``GET /api/v1/agent/events`` and act.

Delivery is at least once: the id of the last processed event is journaled after the
events of one answer were handled, one cursor per server URL (central and a site's
remote each number their own events; one cursor for both skipped the events one server
queued, for a job held there, before the last event handled from the other), so a crash
repeats at most that answer's events, and every handler is harmless when repeated
(cancelling a cancelled job, releasing a released one, refetching config).

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
from typing import Any

from printwarden.agent.server_link.client import ServerLink, ServerRejected, ServerUnreachable
from printwarden.agent.storage.journal import Journal

log = logging.getLogger(__name__)
#: The journal key of the cursor before there was one per server: read as every server's
#: cursor until that server has its own.
LAST_EVENT_KEY = "last_event_id"
#: Pause between polls that came back empty at once (``wait`` = 0) or were refused.
IDLE_PAUSE_SECONDS = 1.0

EventHandler = Callable[[dict[str, Any]], Awaitable[None]]


def cursor_key(server_url: str) -> str:
    """The journal key of the event cursor of the server at ``server_url``."""
    return f"{LAST_EVENT_KEY} {server_url}"


class EventPump:
    def __init__(self, journal: Journal, link: ServerLink, server_up: asyncio.Event, *,
                 wait_seconds: float, handlers: dict[str, EventHandler]) -> None:
        self._journal = journal
        self._link = link
        self._server_up = server_up
        self._wait = wait_seconds
        self._handlers = handlers

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
            try:
                server_url, events = await self._link.events(self.cursor, self._wait)
            except ServerUnreachable:
                await self._server_up.wait()
                await asyncio.sleep(0.1)
                continue
            except ServerRejected as exc:
                log.warning("event poll refused: %s", exc.message)
                await asyncio.sleep(max(self._wait, IDLE_PAUSE_SECONDS))
                continue
            for event in events:
                await self.handle(event)
            if events:
                await self._journal.set_value_async(cursor_key(server_url),
                                                    str(events[-1]["id"]))
            if not events and self._wait < IDLE_PAUSE_SECONDS:
                await asyncio.sleep(IDLE_PAUSE_SECONDS)

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
