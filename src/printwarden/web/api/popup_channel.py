"""One pop-up's WebSocket (``docs/protocols/popup.md``): a sender that pushes the user's
open questions and new notices, and a receiver of answers and pings.

The sender reads the database whenever the user's bell rings (``container.questions.bell``:
a question asked, answered, defaulted or withdrawn, a notice posted, in this process) and
every ``POLL_SECONDS`` whatever the bell says (what another server process wrote). Each
read also checks the token again, so a revoked token closes the socket 1008 within a poll.

Invariants on one connection: a question is sent once while it stays open, and ``closed``
once when it stops being open (answered here or elsewhere, defaulted at its deadline,
withdrawn); notices go out in id order from the client's cursor (``?after=``), each once,
so a client that reconnects with the last id it saw misses none and sees none twice.
Sends from both tasks go through one lock: frames never interleave.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from fastapi import WebSocket
from starlette.concurrency import run_in_threadpool

from printwarden.container import ServerContainer
from printwarden.core.errors import (
    AuthenticationFailed,
    ConflictError,
    NotFoundError,
    PermissionDenied,
    PrintwardenError,
    TokenNotReplicated,
    TooManyAttempts,
    ValidationError,
)
from printwarden.core.principal import Principal
from printwarden.jobs.question_model import Question
from printwarden.notify.notices import MAX_NOTICES_PER_READ
from printwarden.web.api.agent_link import WS_POLICY_VIOLATION
from printwarden.web.api.popup_schemas import NoticeOut, QuestionOut
from printwarden.web.shutdown import WS_SERVICE_RESTART, Stopping
from printwarden.web.ws_tasks import run_until_one_ends

__all__ = ["MAX_MESSAGE_CHARS", "WS_BAD_REQUEST", "WS_POLICY_VIOLATION", "WS_TOO_BIG",
           "WS_TRY_AGAIN_LATER", "PopupChannel"]

#: The fallback database poll (the bell wakes the sender at once for this process's
#: changes); an app may set ``app.state.popup_poll_seconds``.
POLL_SECONDS = 1.0
#: The largest client message taken; a longer one is answered ``too-large`` and closes 1009.
MAX_MESSAGE_CHARS = 4096
#: RFC 6455: the message is too big to process.
WS_TOO_BIG = 1009
#: RFC 6455 "try again later": token checks from this address are throttled for now.
WS_TRY_AGAIN_LATER = 1013
#: Private-use close code: the connect request itself is malformed (a bad ``?after=``).
WS_BAD_REQUEST = 4400
MAX_ID_CHARS = 64
MAX_CHOICE_CHARS = 200


class PopupChannel:
    def __init__(self, websocket: WebSocket, container: ServerContainer, user: Principal,
                 token: str, after: int | None) -> None:
        self._ws = websocket
        self._container = container
        self._user = user
        self._token = token
        self._after = after
        self._shown: set[str] = set()
        self._send_lock = asyncio.Lock()

    async def run(self) -> None:
        if self._after is None:  # a first connect starts after the latest notice
            self._after = await run_in_threadpool(self._container.notices.last_id,
                                                  self._user.id)
        await self._send({"type": "hello", "user_id": self._user.id,
                          "username": self._user.name, "notice_cursor": self._after,
                          "server_time": self._container.clock.now().isoformat(),
                          "poll_seconds": self._poll_seconds,
                          "max_message_chars": MAX_MESSAGE_CHARS})
        await run_until_one_ends(self._send_loop(), self._receive_loop())

    @property
    def _poll_seconds(self) -> float:
        return float(getattr(self._ws.app.state, "popup_poll_seconds", POLL_SECONDS))

    async def _send(self, message: dict[str, Any]) -> None:
        async with self._send_lock:
            await self._ws.send_text(json.dumps(message, default=str))

    async def _close(self, code: int, reason: str) -> None:
        async with self._send_lock:
            with contextlib.suppress(RuntimeError):
                await self._ws.close(code=code, reason=reason[:120])

    # --- server -> pop-up --------------------------------------------------------------

    async def _send_loop(self) -> None:
        stopping: Stopping = self._ws.app.state.stopping
        with self._container.questions.bell.listen(self._user.id) as rung:
            while True:
                if stopping.is_set():
                    await self._close(WS_SERVICE_RESTART, "server stopping")
                    return
                rung.clear()  # before the read: a commit after it rings again
                if not await self._token_still_valid():
                    await self._close(WS_POLICY_VIOLATION, "token revoked or user disabled")
                    return
                more = await self._push_changes()
                if not more:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(rung.wait(), self._poll_seconds)

    async def _token_still_valid(self) -> bool:
        """False once the token is revoked or its user disabled. The check's throttle key
        is this user's own (a revoked token fails once, then the socket closes), and a
        throttle saying wait is no revocation."""
        try:
            await run_in_threadpool(self._container.authenticate_bearer, self._token,
                                    source=f"popup-ws:{self._user.id}")
        except TooManyAttempts:
            return True
        except (AuthenticationFailed, TokenNotReplicated):  # a remote that knew the token
            return False  # and knows it no more: central deleted it
        return True

    async def _push_changes(self) -> bool:
        """Send what changed since the last read; True when a full page of notices came
        (read again at once)."""
        questions = self._container.questions
        open_now = await run_in_threadpool(questions.open_for, self._user.id)
        open_ids = {q.id for q in open_now}
        for question in open_now:
            if question.id not in self._shown:
                self._shown.add(question.id)
                await self._send({"type": "question",
                                  "question": QuestionOut.of(question).model_dump(mode="json")})
        for gone in sorted(self._shown - open_ids):
            self._shown.discard(gone)
            ended = await run_in_threadpool(questions.get, self._user, gone)
            await self._send(_closed(ended))
        found = await run_in_threadpool(self._container.notices.since, self._user.id,
                                        self._after or 0)
        for notice in found:
            await self._send({"type": "notice",
                              "notice": NoticeOut.of(notice).model_dump(mode="json")})
            self._after = notice.id
        return len(found) >= MAX_NOTICES_PER_READ

    # --- pop-up -> server --------------------------------------------------------------

    async def _receive_loop(self) -> None:
        while True:
            message = await self._ws.receive()
            if message["type"] == "websocket.disconnect":
                return
            text = message.get("text")
            if text is None:
                await self._error("malformed", "send JSON text frames, not binary ones")
                continue
            if len(text) > MAX_MESSAGE_CHARS:
                await self._error("too-large", f"a message is at most {MAX_MESSAGE_CHARS} "
                                               "characters")
                await self._close(WS_TOO_BIG, "message too large")
                return
            await self._handle(text)

    async def _handle(self, text: str) -> None:
        try:
            message: Any = json.loads(text)
        except ValueError:
            await self._error("malformed", "a message is a JSON object with a \"type\"")
            return
        kind = message.get("type") if isinstance(message, dict) else None
        if kind == "ping":
            await self._send({"type": "pong", "data": _short(message.get("data"))})
        elif kind == "answer":
            await self._answer(message)
        else:
            await self._error("unknown-type", "type must be \"answer\" or \"ping\"")

    async def _answer(self, message: dict[str, Any]) -> None:
        question_id, choice = message.get("question_id"), message.get("choice")
        if not (isinstance(question_id, str) and 0 < len(question_id) <= MAX_ID_CHARS
                and isinstance(choice, str) and 0 < len(choice) <= MAX_CHOICE_CHARS):
            await self._error("malformed", "answer needs question_id and choice (strings)",
                              question_id=question_id if isinstance(question_id, str) else None)
            return
        try:
            done = await run_in_threadpool(self._container.questions.answer, self._user,
                                           question_id, choice)
        except (PermissionDenied, NotFoundError):
            await self._error("not-yours", "no such question was asked of you",
                              question_id=question_id)
        except ConflictError as exc:
            await self._error("already-answered", exc.message, question_id=question_id)
        except ValidationError as exc:
            await self._error("not-an-option", exc.message, question_id=question_id)
        except PrintwardenError as exc:
            await self._error("refused", exc.message, question_id=question_id)
        else:
            self._shown.discard(done.id)
            await self._send({"type": "answered", "question_id": done.id,
                              "answer": done.answer, "state": done.state})

    async def _error(self, code: str, message: str, **extra: Any) -> None:
        await self._send({"type": "error", "code": code, "message": message, **extra})


def _closed(question: Question) -> dict[str, Any]:
    return {"type": "closed", "question_id": question.id, "state": question.state,
            "answer": question.answer, "answered_by": question.answered_by}


def _short(value: Any) -> Any:
    """A ping's ``data`` echoed back when it is a short string or a number, else None."""
    if isinstance(value, str):
        return value[:64]
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None
