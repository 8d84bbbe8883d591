"""The pop-up's WebSocket, kept in a background thread (its own asyncio loop) and
reconnected with exponential back-off and jitter; what arrives is handed to the windows
as ``Event`` values on a thread-safe queue, and answers go the other way.

Rules: a connect carries the last notice id seen (``?after=``), so a reconnect misses no
notice and repeats none; answers given while disconnected wait in the outbox and go out
on the next connection (the server refuses one that came too late: ``already-answered``);
a close 1008 (token refused or revoked) stops the channel for good: the person signs in
again; after a connection that reached ``hello`` the back-off starts again from its base.

Failover (``docs/protocols/popup.md``): the channel holds an ordered list of servers of
one database, preferred first (``ServerList``). A connection that fails or ends goes to
the next server at once; only when every server has failed in a row does the back-off
wait. On a server other than the preferred one, the channel probes the preferred one's
``/readyz`` every ``recheck_seconds`` and, once it is healthy, closes the connection and
connects there (the cursor and the outbox carry over, so nothing is missed or repeated).
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import random
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from printwarden.core.server_list import DEFAULT_RECHECK_SECONDS, ServerList
from printwarden.popup import protocol
from printwarden.popup.sign_in import server_ready

#: The largest server message taken (a question has at most 20 options).
MAX_SERVER_MESSAGE = 1 << 20
OPEN_TIMEOUT_SECONDS = 10.0
#: The reason of a connection the channel closed to go back to the preferred server.
RETURNED = "back to the preferred server"
PING_SECONDS = 20.0


@dataclass(frozen=True)
class Event:
    """What the channel tells the windows: ``kind`` is connected, disconnected,
    signed-out, question, closed, notice, answered or error."""

    kind: str
    question: protocol.Question | None = None
    notice: protocol.Notice | None = None
    question_id: str = ""
    detail: dict[str, Any] = field(default_factory=dict)


def ws_url(server: str, cursor: int | None) -> str:
    base = server.rstrip("/")
    base = "wss://" + base[8:] if base.startswith("https://") else "ws://" + base[7:]
    query = f"?{urlencode({'after': cursor})}" if cursor is not None else ""
    return f"{base}/api/v1/popup/ws{query}"


class Channel:
    def __init__(self, servers: str | Sequence[str], token: str, cursor: int | None,
                 events: queue.Queue[Event], *, rng: random.Random | None = None,
                 recheck_seconds: float = DEFAULT_RECHECK_SECONDS,
                 healthy: Callable[[str], bool] = server_ready) -> None:
        """``servers``: one URL or several, preferred first; ``healthy(url)`` probes a
        server (blocking: it runs in a worker thread)."""
        self.servers = ServerList(servers, recheck_seconds=recheck_seconds)
        self._healthy = healthy
        self._token = token
        self.cursor = cursor
        self._events = events
        self._rng = rng or random.Random()
        #: What the server's clock is ahead of ours, in seconds (from ``hello``).
        self.skew_seconds = 0.0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._outbox: asyncio.Queue[str] | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="popup-channel", daemon=True)

    # --- the windows' side (any thread) ---------------------------------------------------

    def start(self) -> None:
        self._thread.start()
        self._ready.wait(timeout=10)

    def answer(self, question_id: str, choice: str) -> None:
        self._call(lambda: self._outbox.put_nowait(protocol.answer(question_id, choice))
                   if self._outbox else None)

    def stop(self) -> None:
        self._call(lambda: self._stop.set() if self._stop else None)
        self._thread.join(timeout=10)

    def _call(self, action: Any) -> None:
        if self._loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop has ended
                self._loop.call_soon_threadsafe(action)

    # --- the channel's thread -------------------------------------------------------------

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._outbox = asyncio.Queue()
        self._stop = asyncio.Event()
        self._ready.set()
        attempt = 0
        failed = 0  #: servers that failed in a row since the last greeting
        while not self._stop.is_set():
            code, reason, greeted = await self._connect_once()
            if self._stop.is_set():
                return
            if code == protocol.CLOSE_POLICY_VIOLATION:
                self._emit(Event("signed-out", detail={"reason": reason}))
                return
            if code == protocol.CLOSE_BAD_REQUEST:
                self.cursor = None
            if greeted:
                attempt = failed = 0
            if reason == RETURNED:  # the preferred server is healthy again: go there now
                self._emit(Event("disconnected", detail={"code": code, "reason": reason,
                                                         "retry_seconds": 0.0}))
                continue
            failed += 1
            if failed < len(self.servers.urls):  # the next server, at once
                self.servers.use(self.servers.attempts()[1])
                self._emit(Event("disconnected", detail={"code": code, "reason": reason,
                                                         "retry_seconds": 0.0}))
                continue
            failed = 0
            self.servers.use(0)  # every server failed: the next round starts at the first
            delay = protocol.backoff_delay(attempt, self._rng)
            attempt += 1
            self._emit(Event("disconnected", detail={"code": code, "reason": reason,
                                                     "retry_seconds": round(delay, 1)}))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), delay)

    async def _connect_once(self) -> tuple[int | None, str, bool]:
        """One connection, until it ends: (close code, reason, whether hello came)."""
        greeted = False
        server = self.servers.current_url
        try:
            async with connect(ws_url(server, self.cursor),
                               additional_headers={"Authorization": f"Bearer {self._token}"},
                               open_timeout=OPEN_TIMEOUT_SECONDS, ping_interval=PING_SECONDS,
                               ping_timeout=PING_SECONDS, max_size=MAX_SERVER_MESSAGE) as ws:
                hello = protocol.parse(await ws.recv())
                if hello["type"] != "hello":
                    raise protocol.ProtocolError(f"expected hello, got {hello['type']}")
                greeted = True
                self._greeted(hello, server)
                if await self._session(ws):
                    return None, RETURNED, greeted
        except ConnectionClosed as exc:
            closed = exc.rcvd
            return (closed.code if closed else None), (closed.reason if closed else ""), greeted
        except (OSError, TimeoutError, InvalidHandshake, InvalidURI,
                protocol.ProtocolError) as exc:
            return None, str(exc) or type(exc).__name__, greeted
        return None, "closed", greeted

    def _greeted(self, hello: dict[str, Any], server: str) -> None:
        with contextlib.suppress(KeyError, TypeError, ValueError):
            server_now = datetime.fromisoformat(str(hello["server_time"]))
            self.skew_seconds = (server_now - datetime.now(UTC)).total_seconds()
        cursor = hello.get("notice_cursor")
        if isinstance(cursor, int) and self.cursor is None:
            self.cursor = cursor
        self._emit(Event("connected", detail={**hello, "server": server}))

    async def _session(self, ws: ClientConnection) -> bool:
        """Until the connection ends or the channel stops; True when it was closed to go
        back to the preferred server."""
        assert self._stop is not None
        tasks = [asyncio.ensure_future(self._read(ws)), asyncio.ensure_future(self._write(ws)),
                 asyncio.ensure_future(self._stop.wait())]
        back = asyncio.ensure_future(self._preferred_healthy_again())
        done, pending = await asyncio.wait([*tasks, back],
                                           return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
                await task
        returning = back in done and not self._stop.is_set()
        if self._stop.is_set() or returning:
            await ws.close()
        for task in done:
            task.result()  # a ConnectionClosed goes up to _connect_once
        if returning:
            self.servers.use(0)
        return returning

    async def _preferred_healthy_again(self) -> None:
        """Returns once the preferred server answers its health check (never while the
        channel is on it): the probe runs every ``recheck_seconds`` in a worker thread."""
        if self.servers.on_preferred:
            await asyncio.Event().wait()  # forever (cancelled with the session)
        preferred = self.servers.preferred_url
        while True:
            await asyncio.sleep(self.servers.recheck_seconds)
            if await asyncio.to_thread(self._healthy, preferred):
                return

    async def _read(self, ws: ClientConnection) -> None:
        async for frame in ws:
            try:
                self._dispatch(protocol.parse(frame))
            except protocol.ProtocolError as exc:
                self._emit(Event("error", detail={"code": "client", "message": str(exc)}))

    async def _write(self, ws: ClientConnection) -> None:
        assert self._outbox is not None
        while True:
            text = await self._outbox.get()
            try:
                await ws.send(text)
            except ConnectionClosed:
                self._outbox.put_nowait(text)  # for the next connection
                raise

    def _dispatch(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "question":
            self._emit(Event("question", question=protocol.question_of(message["question"])))
        elif kind == "notice":
            notice = protocol.notice_of(message["notice"])
            self.cursor = max(self.cursor or 0, notice.id)
            self._emit(Event("notice", notice=notice))
        elif kind in ("closed", "answered", "error"):
            self._emit(Event(kind, question_id=str(message.get("question_id") or ""),
                             detail=message))
        # pong and types of a later protocol version: nothing to show

    def _emit(self, event: Event) -> None:
        self._events.put(event)
