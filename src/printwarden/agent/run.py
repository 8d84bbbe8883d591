"""Running the agent: core + IPP front end + ``/healthz`` + ``/metrics`` on one uvicorn port.

    run_agent(load_agent_settings(Path("/var/lib/printwarden-agent")))
    python -m printwarden.agent.run --data-dir D [--enrol CODE] [--server URL] ...

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
from printwarden.agent.core import AgentCore
from printwarden.agent.ipp_front import IppFront
from printwarden.agent.ipp_http import AgentHttpApp, AgentMetrics
from printwarden.agent.settings import AgentSettings
from printwarden.core.logging import configure_logging

__all__ = ["build_http_app", "run_agent", "serve_agent"]

log = logging.getLogger("printwarden.agent")


def _health(core: AgentCore, front: IppFront) -> dict[str, Any]:
    return {"status": "ok", "server_reachable": core.link.reachable,
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


def build_http_app(core: AgentCore, front: IppFront, metrics: AgentMetrics) -> AgentHttpApp:
    return AgentHttpApp(front.app, health=lambda: _health(core, front), metrics=metrics)


async def serve_agent(settings: AgentSettings) -> None:
    """Start the core, serve until SIGTERM/SIGINT, stop everything."""
    core = build_agent(settings)
    await core.start()
    metrics = AgentMetrics(settings.spool_dir)
    front = IppFront(core, listener=metrics.observe)
    await front.start()
    log.info("agent serving queues %s on ipp://%s:%s/ipp/print/", core.queue_names(),
             settings.host, settings.port)
    config = uvicorn.Config(build_http_app(core, front, metrics), host=settings.host,
                            port=settings.port, log_config=None, access_log=False,
                            lifespan="on")
    server = _AgentServer(config)
    with _stopping_on_signals(server):
        try:
            await server.serve()
        finally:
            await front.stop()
            await core.stop()
            log.info("agent stopped")


def run_agent(settings: AgentSettings) -> None:
    """Run the agent in the foreground until SIGTERM/SIGINT."""
    configure_logging("info")
    asyncio.run(serve_agent(settings))


if __name__ == "__main__":
    from printwarden.agent.cli import main

    main()
