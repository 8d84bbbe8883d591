"""Running the agent: core + IPP front end + ``/healthz`` + ``/metrics`` on one uvicorn port.

    run_agent(load_agent_settings(Path("/var/lib/printwarden-agent")))
    printwarden agent --data-dir D [--enrol CODE] [--server URL] ...

uvicorn handles SIGTERM/SIGINT: the listener stops, then the front end and the core stop
(journal closed). Log lines are structured (``printwarden.core.logging``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any

import uvicorn

from printwarden.agent.bootstrap import build_agent
from printwarden.agent.intake.basic_auth import AuthGate, ServerAuthenticator
from printwarden.agent.intake.dnssd import Advertiser
from printwarden.agent.intake.fetch_endpoint import FetchEndpoint
from printwarden.agent.intake.front import IppFront
from printwarden.agent.intake.http_app import AgentHttpApp, AgentMetrics
from printwarden.agent.intake.tls import tls_files
from printwarden.agent.service import AgentService
from printwarden.agent.settings import AgentSettings
from printwarden.core.logging import configure_logging

__all__ = ["build_http_app", "run_agent", "serve_agent"]

log = logging.getLogger("printwarden.agent")


def _health(core: AgentService, front: IppFront) -> dict[str, Any]:
    return {"status": "ok", "server_reachable": core.link.reachable,
            "server": core.link.current_url,
            "queues": {name: {"accepting": core.accepting(name)[0]}
                       for name in sorted(front.printers)}}


class _AgentServer(uvicorn.Server):
    """uvicorn without its signal capture: ``_stopping_on_signals`` owns the signals, so
    the core is stopped before the process ends (uvicorn re-raises a captured SIGTERM)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@contextlib.contextmanager
def _stopping_on_signals(server: uvicorn.Server) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handle(signum: int, frame: FrameType | None) -> None:
        log.info("signal %s: stopping", signal.Signals(signum).name)
        if server.should_exit and signum == signal.SIGINT:
            server.force_exit = True
        server.should_exit = True

    wanted = [signal.SIGINT, signal.SIGTERM]
    if hasattr(signal, "SIGBREAK"):  # Windows
        wanted.append(signal.SIGBREAK)
    original = {sig: signal.signal(sig, handle) for sig in wanted}
    try:
        yield
    finally:
        for sig, previous in original.items():
            signal.signal(sig, previous)


def _requires_auth(core: AgentService, queue: str) -> bool:
    config = core.queue_config(queue)
    return config is not None and config.require_auth


def build_http_app(core: AgentService, front: IppFront, metrics: AgentMetrics) -> AgentHttpApp:
    gate = AuthGate(front.app, requires_auth=lambda queue: _requires_auth(core, queue),
                    default_queue=lambda: front.app.default,
                    authenticator=ServerAuthenticator(
                        core.link, ttl_seconds=core.settings.auth_cache_seconds))
    fetch = FetchEndpoint(core.book, verifier=core.fetch_token_verifier,
                          agent_id=core.agent_id)
    return AgentHttpApp(gate, health=lambda: _health(core, front), metrics=metrics,
                        fetch=fetch)


def _advertiser(core: AgentService, settings: AgentSettings) -> Advertiser | None:
    if not settings.dnssd:
        return None
    return Advertiser(queues=lambda: [] if core.revoked else [
                          c for n in core.queue_names() if (c := core.queue_config(n))
                          is not None],
                      data_dir=settings.data_dir, host=settings.host, port=settings.port,
                      tls=settings.tls)


async def serve_agent(settings: AgentSettings) -> None:
    """Start the core, serve until SIGTERM/SIGINT, stop everything."""
    tls = tls_files(settings)  # before anything starts: a bad TLS setting stops the agent
    core = build_agent(settings)
    await core.start()
    metrics = AgentMetrics(settings.spool_dir)
    front = IppFront(core, listener=metrics.observe)
    await front.start()
    log.info("agent serving queues %s on %s://%s:%s/ipp/print/", core.queue_names(),
             "ipps" if tls else "ipp", settings.host, settings.port)
    config = uvicorn.Config(build_http_app(core, front, metrics), host=settings.host,
                            port=settings.port, log_config=None, access_log=False,
                            lifespan="on",
                            ssl_certfile=str(tls.cert) if tls else None,
                            ssl_keyfile=str(tls.key) if tls else None)
    server = _AgentServer(config)
    advertiser = _advertiser(core, settings)
    if advertiser is not None:
        await advertiser.start()
    with _stopping_on_signals(server):
        try:
            await server.serve()
        finally:
            if advertiser is not None:
                await advertiser.stop()
            await front.stop()
            await core.stop()
            log.info("agent stopped")


def run_agent(settings: AgentSettings) -> None:
    """Run the agent in the foreground until SIGTERM/SIGINT."""
    configure_logging("info")
    asyncio.run(serve_agent(settings))

