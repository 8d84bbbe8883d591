"""The agent's HTTP surface around the IPP app: ``/healthz``, ``/metrics``, ``/fetch/``.

    app = AgentHttpApp(front.app, health=..., metrics=AgentMetrics(spool_dir))

A tiny ASGI dispatcher (no framework): ``GET /healthz`` answers 200 JSON, ``GET /metrics``
the Prometheus text of the agent's own registry, ``/fetch/...`` the find-me fetch endpoint
(``fetch_endpoint.py``); everything else (IPP, lifespan) goes to the IPP app.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    generate_latest,
)

from printwarden.agent.model import LocalJob

__all__ = ["AgentHttpApp", "AgentMetrics"]

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]


def _spool_bytes(directory: Path) -> float:
    try:
        return float(sum(p.stat().st_size for p in directory.iterdir() if p.is_file()))
    except OSError:
        return 0.0


class AgentMetrics:
    """Counters of jobs accepted/completed/failed and the spool size, in an own registry."""

    def __init__(self, spool_dir: Path) -> None:
        self.registry = CollectorRegistry()
        self.accepted = Counter("printwarden_agent_jobs_accepted", "Jobs spooled",
                                ["queue"], registry=self.registry)
        self.completed = Counter("printwarden_agent_jobs_completed", "Jobs printed",
                                 ["queue"], registry=self.registry)
        self.failed = Counter("printwarden_agent_jobs_failed",
                              "Jobs failed, denied or cancelled", ["queue"],
                              registry=self.registry)
        spool = Gauge("printwarden_agent_spool_bytes", "Bytes in the spool directory",
                      registry=self.registry)
        spool.set_function(lambda: _spool_bytes(spool_dir))

    def observe(self, event: str, job: LocalJob) -> None:
        counter = {"accepted": self.accepted, "completed": self.completed}.get(
            event, self.failed)
        counter.labels(queue=job.queue).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)


class AgentHttpApp:
    def __init__(self, ipp_app: Asgi, *, health: Callable[[], dict[str, Any]],
                 metrics: AgentMetrics, fetch: Asgi | None = None) -> None:
        self._ipp = ipp_app
        self._fetch = fetch
        self._health = health
        self._metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] == "http" and self._fetch is not None
                and str(scope["path"]).startswith("/fetch/")):
            await self._fetch(scope, receive, send)
            return
        if scope["type"] == "http" and scope["method"] == "GET":
            if scope["path"] == "/healthz":
                body = json.dumps(self._health()).encode()
                await _answer(send, 200, body, "application/json")
                return
            if scope["path"] == "/metrics":
                await _answer(send, 200, self._metrics.render(), CONTENT_TYPE_LATEST)
                return
        await self._ipp(scope, receive, send)


async def _answer(send: Send, status: int, body: bytes, content_type: str) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", content_type.encode()),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
