"""REST + WebSocket: the agent link (protocol in docs/protocols/agent-link.md).

Event delivery: a long poll or a WebSocket waits on the agent's event bell
(``devices/event_bell.py``), rung after every commit of this process that queued an event
for that agent, so a release is read and sent at once. The database is still read every
``POLL_SECONDS`` whatever the bell says: that is how an event written by ANOTHER server
instance arrives (at most ``POLL_SECONDS`` late), and the bell is only a hint to read now.
When the server stops, both end within ``POLL_SECONDS`` (``web.shutdown``): a long poll
answers, a WebSocket closes 1012.

The hot routes (authorize, complete) are ``async`` and run the token check and the use
case in ONE worker-thread hop (``_as_agent``), with the same checks as the ``AgentOnly``
dependency: sync dependencies would cost a threadpool round trip each (container,
principal, role check, then the route).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Query, Request, WebSocket
from starlette.concurrency import run_in_threadpool

from printwarden.container import ServerContainer
from printwarden.core.errors import AuthenticationFailed, PrintwardenError
from printwarden.core.principal import Principal
from printwarden.web.api.agent_link_schemas import (
    AuthorizeIn,
    CompleteIn,
    CompletionOut,
    ConfigOut,
    DecisionOut,
    DropTwinIn,
    DropTwinOut,
    EventOut,
    FetchFailedIn,
    JobStateOut,
    QueueOut,
    RegisterIn,
    RegisterOut,
)
from printwarden.web.deps import (
    AgentOnly,
    Container,
    client_source,
    current_principal,
    require_roles,
    ws_bearer_token,
)
from printwarden.web.shutdown import WS_SERVICE_RESTART, Stopping
from printwarden.web.ws_tasks import run_until_one_ends

T = TypeVar("T")
_require_agent = require_roles("agent")

router = APIRouter(prefix="/api/v1/agent", tags=["agent link"])

#: The fallback database poll of a waiting long poll or WebSocket (the bell wakes them
#: at once for this process's events); an app may set ``app.state.event_poll_seconds``.
POLL_SECONDS = 0.5
MAX_WAIT_SECONDS = 30.0
#: WebSocket close code for a refused token (RFC 6455 "policy violation").
WS_POLICY_VIOLATION = 1008


@router.post("/register", status_code=201, response_model=RegisterOut,
             summary="Exchange a one-time enrolment code for an agent token")
def register(body: RegisterIn, container: Container, request: Request) -> RegisterOut:
    agent, token = container.devices.register_agent(
        body.code, name=body.name, hostname=body.hostname, version=body.version,
        source=client_source(request))
    return RegisterOut(agent_id=agent.id, token=token, server_time=container.clock.now())


@router.get("/config", response_model=ConfigOut, summary="The queues this agent serves")
def config(agent: AgentOnly, container: Container) -> ConfigOut:
    queues = container.devices.queues_for_agent(agent.id)
    prices = container.jobs.offline_prices([served.queue for served in queues])
    return ConfigOut(agent_id=agent.id, name=agent.name, server_time=container.clock.now(),
                     queues=[QueueOut.of(served, prices.get(served.queue.id))
                             for served in queues],
                     fetch_token_public_key=container.fetch_token_public_key)


async def _as_agent(request: Request,
                    work: Callable[[ServerContainer, Principal], T]) -> T:
    """Authenticate the agent (as ``AgentOnly`` does) and run ``work`` in one thread hop."""
    container: ServerContainer = request.app.state.container

    def run() -> T:
        return work(container, _require_agent(current_principal(request)))

    return await run_in_threadpool(run)


@router.post("/authorize", response_model=DecisionOut,
             summary="Decide a received job: allow, hold or deny (idempotent per job key)")
async def authorize(body: AuthorizeIn, request: Request) -> DecisionOut:
    def work(container: ServerContainer, agent: Principal) -> DecisionOut:
        return DecisionOut.of(container.jobs.authorize(agent, body.to_request()))

    return await _as_agent(request, work)


@router.post("/jobs/{job_id}/complete", response_model=CompletionOut,
             summary="Report the end of a job: charge what was printed (idempotent)")
async def complete(job_id: str, body: CompleteIn, request: Request) -> CompletionOut:
    def work(container: ServerContainer, agent: Principal) -> CompletionOut:
        return CompletionOut.of(container.jobs.complete(
            agent, job_id, status=body.status, pages_printed=body.pages_printed,
            color_pages_printed=body.color_pages_printed,
            copies_printed=body.copies_printed, reason=body.reason, flag=body.flag))

    return await _as_agent(request, work)


@router.post("/jobs/{job_id}/printing", response_model=JobStateOut,
             summary="Report that the job is being sent to the printer")
def printing(job_id: str, agent: AgentOnly, container: Container) -> JobStateOut:
    job = container.jobs.mark_printing(agent, job_id)
    return JobStateOut(job_id=job.id, state=job.state.value)


@router.post("/jobs/{job_id}/fetch-failed", response_model=JobStateOut,
             summary="Find-me: the job could not be fetched from its holder; back to held")
def fetch_failed(job_id: str, body: FetchFailedIn, agent: AgentOnly,
                 container: Container) -> JobStateOut:
    job = container.jobs.fetch_failed(agent, job_id, body.reason)
    return JobStateOut(job_id=job.id, state=job.state.value)


@router.post("/drop-twin", response_model=DropTwinOut,
             summary="The agent prints this job key through another server: drop ours")
def drop_twin(body: DropTwinIn, agent: AgentOnly, container: Container) -> DropTwinOut:
    job = container.jobs.drop_twin(agent, body.agent_job_key, body.followed_job_id)
    return DropTwinOut(job_id=None if job is None else job.id,
                       state=None if job is None else job.state.value)


@router.get("/events", response_model=list[EventOut],
            summary="Events after ID; waits up to `wait` seconds for one (long poll)")
async def events(
    request: Request,
    agent: AgentOnly,
    container: Container,
    after: Annotated[str | None, Query(max_length=26)] = None,
    wait: Annotated[float, Query(ge=0, le=MAX_WAIT_SECONDS)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[EventOut]:
    deadline = time.monotonic() + wait
    stopping: Stopping = request.app.state.stopping
    with container.devices.event_bell.listen(agent.id) as rung:
        while True:
            rung.clear()  # before the read: a commit after it rings again
            found = await run_in_threadpool(container.devices.events_after, agent.id, after,
                                            limit)
            if found or time.monotonic() >= deadline or stopping.is_set():
                return [EventOut.of(event) for event in found]  # a stopping server answers
            await _rung_or_timeout(rung, min(_poll_seconds(request.app),
                                             max(deadline - time.monotonic(), 0)))


def _poll_seconds(app: Any) -> float:
    return float(getattr(app.state, "event_poll_seconds", POLL_SECONDS))


async def _rung_or_timeout(rung: asyncio.Event, seconds: float) -> None:
    """Wait until ``rung`` is set or ``seconds`` have passed, whichever comes first."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(rung.wait(), seconds)


async def _ws_agent(websocket: WebSocket, container: ServerContainer) -> Principal:
    token = ws_bearer_token(websocket)
    if not token:
        raise AuthenticationFailed("send 'Authorization: Bearer pwa_...' or ?token=")
    principal = await run_in_threadpool(container.authenticate_bearer, token)
    if principal.kind != "agent":
        raise AuthenticationFailed("the event stream is for agents")
    return principal


@router.websocket("/events/ws")
async def events_ws(websocket: WebSocket) -> None:
    """Push events as JSON as they appear; the agent acks with ``{"ack": ID}``."""
    container: ServerContainer = websocket.app.state.container
    try:
        agent = await _ws_agent(websocket, container)
    except PrintwardenError as exc:
        await websocket.close(code=WS_POLICY_VIOLATION, reason=exc.message[:120])
        return
    await websocket.accept()
    stream = _EventStream(websocket, container, agent, websocket.query_params.get("after"))
    await stream.run()


class _EventStream:
    """One agent's WebSocket: a sender (woken by the event bell, polling the database as
    the fallback) and a receiver of acks."""

    def __init__(self, websocket: WebSocket, container: ServerContainer, agent: Principal,
                 after: str | None) -> None:
        self._ws = websocket
        self._container = container
        self._agent = agent
        self._sent = after or None
        self.acked = after or None

    async def run(self) -> None:
        await run_until_one_ends(self._send_loop(), self._receive_loop())

    async def _send_loop(self) -> None:
        stopping: Stopping = self._ws.app.state.stopping
        with self._container.devices.event_bell.listen(self._agent.id) as rung:
            while True:
                if stopping.is_set():
                    await self._ws.close(code=WS_SERVICE_RESTART, reason="server stopping")
                    return
                rung.clear()  # before the read: a commit after it rings again
                found = await run_in_threadpool(
                    self._container.devices.events_after, self._agent.id, self._sent, 100)
                for event in found:
                    await self._ws.send_text(EventOut.of(event).model_dump_json())
                    self._sent = event.id
                if not found:
                    await _rung_or_timeout(rung, _poll_seconds(self._ws.app))

    async def _receive_loop(self) -> None:
        while True:
            text = await self._ws.receive_text()
            try:
                message: Any = json.loads(text)
            except ValueError:
                message = None
            if isinstance(message, dict) and isinstance(message.get("ack"), str):
                self.acked = max(self.acked or "", message["ack"])
            else:
                await self._ws.send_text(json.dumps(
                    {"error": "invalid", "message": 'expected {"ack": "EVENT_ID"}'}))
