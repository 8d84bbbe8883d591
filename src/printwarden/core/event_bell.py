"""An event bell: wakes this process's waiters for a key (an agent, a user) once an event for it
has been committed, so a release reaches a waiting long poll or WebSocket at once instead
of at the next database poll.

Events are written in worker threads (``Database.write`` runs in the threadpool) while the
waiters are asyncio tasks, possibly on several event loops: ``ring`` may be called from any
thread and sets each waiter's ``asyncio.Event`` through its own loop
(``call_soon_threadsafe``). A ring is only a hint to read the database again, never the
event itself: a waiter that misses one (another server process wrote the event) still
finds it at its next poll, and a spurious ring costs one read.

No lost wake-up: a waiter registers (``listen``) and clears its flag BEFORE it reads, so an
event committed after that read rings a flag that is already registered.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator

__all__ = ["EventBell"]


class EventBell:
    """Per-agent wake-ups for this process, safe to ring from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: dict[str, set[tuple[asyncio.AbstractEventLoop, asyncio.Event]]] = {}

    @contextlib.contextmanager
    def listen(self, agent_id: str) -> Iterator[asyncio.Event]:
        """An ``asyncio.Event`` set whenever an event for ``agent_id`` is committed while
        the block runs; call inside a running event loop. Clear it before each read."""
        rung = asyncio.Event()
        entry = (asyncio.get_running_loop(), rung)
        with self._lock:
            self._waiters.setdefault(agent_id, set()).add(entry)
        try:
            yield rung
        finally:
            with self._lock:
                waiters = self._waiters.get(agent_id)
                if waiters is not None:
                    waiters.discard(entry)
                    if not waiters:
                        del self._waiters[agent_id]

    def ring(self, agent_id: str) -> None:
        """Wake every waiter for ``agent_id`` (from any thread; after the commit)."""
        with self._lock:
            waiters = list(self._waiters.get(agent_id, ()))
        for loop, rung in waiters:
            with contextlib.suppress(RuntimeError):  # that loop has closed meanwhile
                loop.call_soon_threadsafe(rung.set)

    def listening(self, agent_id: str) -> int:
        """How many waiters ``agent_id`` has now (for tests and metrics)."""
        with self._lock:
            return len(self._waiters.get(agent_id, ()))
