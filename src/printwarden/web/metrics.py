"""Prometheus metrics for the web app: a registry per app, request counters and latencies."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Protocol

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.requests import Request
from starlette.responses import Response


class ReplicaStatus(Protocol):
    """What a remote's web app shows of its replica and its link with central
    (``remote/offline.py`` ``OfflineWatch`` over the puller's ``SyncStatus``)."""

    @property
    def applied(self) -> int | None: ...

    @property
    def lag_versions(self) -> int | None: ...

    @property
    def last_contact(self) -> datetime | None: ...

    @property
    def offline(self) -> bool:
        """Cut off from central (``remote/offline.py``): offline credit policies apply."""


class WebMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "printwarden_http_requests_total", "HTTP requests handled",
            ["method", "route", "status"], registry=self.registry,
        )
        self.latency = Histogram(
            "printwarden_http_request_seconds", "HTTP request latency",
            ["method", "route"], registry=self.registry,
        )
        self.rule_errors = Gauge(
            "printwarden_rule_errors_total", "Print rules that failed on a job since the "
            "server started (the fail-safe applied)", registry=self.registry,
        )
        self.info = Gauge(
            "printwarden_info", "Build information", ["version", "role"], registry=self.registry,
        )

    def watch_replica(self, replica: ReplicaStatus) -> None:
        """A remote's replication gauges (NaN until known)."""
        nan = float("nan")
        lag = Gauge("printwarden_sync_lag_versions", "Versions of central's change feed this "
                    "remote has not applied yet", registry=self.registry)
        lag.set_function(lambda: nan if replica.lag_versions is None
                         else float(replica.lag_versions))
        applied = Gauge("printwarden_sync_applied_version", "The version of central's "
                        "change feed this remote's replica is at", registry=self.registry)
        applied.set_function(lambda: nan if replica.applied is None else float(replica.applied))
        contact = Gauge("printwarden_sync_last_contact_timestamp_seconds", "When this remote "
                        "last heard from central (Unix time, by the remote's clock)",
                        registry=self.registry)
        contact.set_function(lambda: nan if replica.last_contact is None
                             else replica.last_contact.timestamp())
        offline = Gauge("printwarden_remote_offline", "1 while this remote is cut off from "
                        "central (offline credit policies apply), else 0",
                        registry=self.registry)
        offline.set_function(lambda: float(replica.offline))

    async def middleware(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            return response
        finally:
            route = _route_template(request)
            self.requests.labels(request.method, route, str(status)).inc()
            self.latency.labels(request.method, route).observe(time.perf_counter() - started)


def _route_template(request: Request) -> str:
    """The matched route's path template (set by the router on the shared scope)."""
    route = request.scope.get("route")
    return str(getattr(route, "path", "unmatched")) if route is not None else "unmatched"
