"""A live server for pop-up tests: uvicorn on a loopback port serving the real app, users
with tokens, jobs to ask about, questions and notices put in as the server's producers do."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from websockets.sync.client import ClientConnection, connect

from printwarden.container import ServerContainer
from printwarden.core.ids import new_id
from printwarden.jobs.question_model import Question, QuestionOption
from tests.agent.support import LiveServer
from tests.jobs.world import World

#: How long a test waits for a message it expects (never asserted on).
WAIT = 10.0
CONFIRM = (QuestionOption("print", "Print", 15), QuestionOption("cancel", "Cancel"))


@dataclass
class PopupWorld:
    jobs_world: World
    live: LiveServer
    _count: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def server(self) -> ServerContainer:
        return self.jobs_world.server

    @property
    def url(self) -> str:
        return self.live.url

    def _next(self) -> int:
        with self._lock:
            self._count += 1
            return self._count

    def new_user(self, password: str | None = None) -> tuple[str, str]:
        """A fresh user (so tests sharing the server do not see each other's questions)
        and a user token: (user id, token)."""
        n = self._next()
        user = self.server.accounts.create_user(f"user{n}", full_name=f"User {n}",
                                                password=password, actor="test")
        token, _ = self.server.accounts.create_api_token(user.id, "test", actor="test")
        return user.id, token

    def new_job(self) -> str:
        world = self.jobs_world
        decision = self.server.jobs.authorize(world.agent, world.request(f"job-{new_id()}"))
        return decision.job_id

    def ask(self, user_id: str, *, options: tuple[QuestionOption, ...] = CONFIRM,
            default: str = "cancel", deadline_in: float = 300.0, kind: str = "confirm",
            text: str = "Print thesis.pdf for 0.15 EUR?") -> Question:
        now = self.server.clock.now()
        question = Question(
            id=new_id(), job_id=self.new_job(), user_id=user_id, kind=kind, text=text,
            title="thesis.pdf", options=options, default=default,
            deadline=now + timedelta(seconds=deadline_in), created_at=now, currency="EUR",
            cost_minor=15, balance_minor=1000, rule="confirm colour")
        self.server.db.write(lambda conn: self.server.questions.ask_in(conn, question))
        return question

    def notice(self, user_id: str, text: str, kind: str = "info") -> int:
        return self.server.notices.post(user_id=user_id, kind=kind, text=text)

    def ws(self, token: str | None, after: int | str | None = None, *,
           query_token: str | None = None) -> ClientConnection:
        """A WebSocket to the channel: ``token`` in the Authorization header,
        ``query_token`` as ``?token=`` (what a header cannot carry)."""
        query = {} if after is None else {"after": str(after)}
        if query_token is not None:
            query["token"] = query_token
        url = self.url.replace("http://", "ws://") + "/api/v1/popup/ws"
        if query:
            url += "?" + urlencode(query)
        headers = {"Authorization": f"Bearer {token}"} if token else None
        return connect(url, additional_headers=headers, open_timeout=WAIT,
                       max_size=2**20)


def receive(ws: ClientConnection) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(ws.recv(timeout=WAIT))
    return message


def receive_type(ws: ClientConnection, kind: str) -> dict[str, Any]:
    """The next message of ``kind``; a message of another type first fails the test."""
    message = receive(ws)
    assert message["type"] == kind, message
    return message


def send(ws: ClientConnection, message: Any) -> None:
    ws.send(json.dumps(message))
