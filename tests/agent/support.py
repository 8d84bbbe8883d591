"""A real printwarden server over HTTP for agent tests, a seeded world, and wait helpers."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from printwarden.agent.bootstrap import build_agent, enrol
from printwarden.agent.service import AgentService
from printwarden.agent.settings import AgentSettings
from printwarden.container import ServerContainer
from printwarden.core.money import Money
from printwarden.core.pricing import PriceRule
from printwarden.web.app import create_app
from tests.support.postgres import free_port

MONO_PAGE = 5
WAIT_SECONDS = 20.0
#: Makes the settings of a test agent (the ``agent_settings`` fixture).
AgentFactory = Callable[..., AgentSettings]


class Network(httpx.AsyncBaseTransport):
    """Loopback for agent logic tests: each host is a real server app, reached through
    httpx's ASGI transport (no sockets, no server thread). ``cut(host)`` makes requests to
    it fail as a refused connection does, ``restore(host)`` brings it back."""

    def __init__(self) -> None:
        self._apps: dict[str, httpx.ASGITransport] = {}
        self._cut: set[str] = set()

    def add(self, host: str, container: ServerContainer) -> None:
        self._apps[host] = httpx.ASGITransport(app=create_app(container))

    def cut(self, host: str) -> None:
        self._cut.add(host)

    def restore(self, host: str) -> None:
        self._cut.discard(host)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        if host in self._cut or host not in self._apps:
            raise httpx.ConnectError(f"connection refused by {host}", request=request)
        return await self._apps[host].handle_async_request(request)


class InProcessServer:
    """The real server app on the test ``Network``; ``stop``/``start`` cut and restore it."""

    def __init__(self, container: ServerContainer, network: Network, host: str) -> None:
        self.container = container
        self.network = network
        self.host = host
        self.url = f"http://{host}"
        network.add(host, container)

    def stop(self) -> None:
        self.network.cut(self.host)

    def start(self) -> None:
        self.network.restore(self.host)


class LiveServer:
    """The server app served by uvicorn in a thread; ``stop``/``start`` keep the port.
    ``app``: another app of ``container`` (a remote's, ``create_app(..., role="remote")``)."""

    def __init__(self, container: ServerContainer, app: FastAPI | None = None) -> None:
        self.container = container
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._app = app or create_app(container)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        config = uvicorn.Config(self._app, host="127.0.0.1", port=self.port,
                                log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/readyz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.05)
        raise RuntimeError("the test server did not start")

    def stop(self) -> None:
        if self._server is None or self._thread is None:
            return
        self._server.should_exit = True
        self._thread.join(timeout=WAIT_SECONDS)
        self._server = None
        self._thread = None


@dataclass
class World:
    """An agent name, an enrolment code, priced printing and two users (rich, poor)."""

    server: ServerContainer
    code: str
    alice_id: str
    bob_id: str
    device: Path
    keys: list[str] = field(default_factory=list)
    #: How agents reach the server: a test ``Network`` (in process), None for sockets.
    transport: httpx.AsyncBaseTransport | None = None

    def top_up(self, user_id: str, minor: int) -> None:
        account = self.server.ledger.credit_account(user_id)
        key = f"test:top-up:{user_id}:{len(self.keys)}"
        self.keys.append(key)
        self.server.ledger.post_entry(account.id, Money(minor, "EUR"), "top-up",
                                      idempotency_key=key, actor="test", note="test credit")

    def agent_id(self) -> str:
        agents = self.server.devices.list_agents()
        assert len(agents) == 1
        return agents[0].id

    def add_queue(self, name: str, *, device: Path | None = None,
                  hold_for_release: bool = False, failure_policy: str = "refuse",
                  **options: Any) -> None:
        device_uri = (device or self.device).as_uri()
        self.server.devices.create_printer(
            name, actor="test", agent_id=self.agent_id(), device_uri=device_uri,
            hold_for_release=hold_for_release, failure_policy=failure_policy, **options)

    def charges(self, server_job_id: str) -> int:
        entries, _ = self.server.ledger.list_entries(kind="charge", job_id=server_job_id)
        return len(entries)

    def server_job(self, server_job_id: str) -> Any:
        return self.server.jobs.get_job(server_job_id)


def seed(server: ServerContainer, device: Path,
         transport: httpx.AsyncBaseTransport | None = None) -> World:
    server.ledger.create_price_list(
        "Standard", kind="print", currency="EUR", default=True, actor="test",
        rules=(PriceRule(color="mono", per_page_minor=MONO_PAGE),
               PriceRule(color="color", per_page_minor=4 * MONO_PAGE)))
    alice = server.accounts.create_user("alice", full_name="Alice", actor="test")
    bob = server.accounts.create_user("bob", full_name="Bob", actor="test")
    code, _ = server.devices.create_enrolment_code(actor="test")
    world = World(server=server, code=code, alice_id=alice.id, bob_id=bob.id, device=device,
                  transport=transport)
    world.top_up(alice.id, 1000)
    return world


async def chunks_of(data: bytes, size: int = 4096) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start:start + size]


async def wait_for(condition: Callable[[], Any], what: str,
                   timeout: float = WAIT_SECONDS) -> Any:
    """Poll ``condition`` until it answers something truthy; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def text_document(lines: int = 3) -> bytes:
    return "".join(f"line {n} of a test document\n" for n in range(lines)).encode()


@asynccontextmanager
async def running(settings: AgentSettings, transport: httpx.AsyncBaseTransport | None = None,
                  **seams: Any) -> AsyncIterator[AgentService]:
    """A started agent; ``transport`` and ``seams`` (send, clock) go to ``build_agent``."""
    core = build_agent(settings, transport=transport, **seams)
    await core.start()
    try:
        yield core
    finally:
        await core.stop()


async def enrolled(settings: AgentSettings, world: World) -> str:
    return await enrol(settings, world.code, transport=world.transport)
