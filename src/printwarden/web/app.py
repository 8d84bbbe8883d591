"""The FastAPI app factory of the server role."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from fastapi import Depends, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.engine import Connection
from starlette.middleware.sessions import SessionMiddleware

from printwarden import __version__
from printwarden.container import ServerContainer
from printwarden.db.migrate import current_revision, head_revision
from printwarden.web.body_limit import BodySizeLimit
from printwarden.web.central_only import refuse_central_only
from printwarden.web.errors import error_body, install_error_handlers
from printwarden.web.metrics import ReplicaStatus, WebMetrics
from printwarden.web.shutdown import Stopping

STATIC_DIR = Path(__file__).parent / "static"

#: REST routers, one module per resource family; each exposes ``router``.
API_MODULES = (
    "users", "pins_and_id_numbers", "groups", "tokens",
    "accounts", "ledger", "pricing", "quotas",
    "queues", "devices", "release_groups", "agents", "jobs", "release", "agent_link",
    "agent_auth", "agent_device_status", "agent_offline_jobs", "terminals", "terminal_link",
    "terminal_sessions", "copy_flags", "rules", "notify", "popup", "sync",
    "sync_outbox", "sync_jobs",
)
#: The admin pages (``web/admin_*_pages.py``), mounted after the other pages.
ADMIN_PAGE_MODULES = ("admin_device_pages", "admin_release_group_pages",
                      "admin_terminal_pages", "admin_rule_pages", "admin_notify_pages",
                      "admin_remote_pages")


def create_app(container: ServerContainer, *, role: str = "server",
               replica: ReplicaStatus | None = None) -> FastAPI:
    """Build the server's web app: REST API, web UI, health and metrics. A remote
    (``role="remote"``) passes its ``replica`` status: /readyz waits for its first
    snapshot and /metrics shows its lag."""
    app = FastAPI(
        title="printwarden",
        version=__version__,
        description="Print and copy management server: REST API v1.",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(refuse_central_only)],  # at a remote: web/central_only.py
    )
    app.state.container = container
    app.state.stopping = Stopping()
    metrics = WebMetrics()
    metrics.info.labels(__version__, role).set(1)
    if replica is not None:
        metrics.watch_replica(replica)
    metrics.rule_errors.set_function(lambda: container.jobs.rule_errors)
    app.state.metrics = metrics
    app.middleware("http")(metrics.middleware)
    app.add_middleware(
        SessionMiddleware, secret_key=container.settings.secret_key,
        session_cookie="printwarden_session", same_site="lax", max_age=12 * 3600,
        https_only=container.settings.effective_public_url.startswith("https://"),
    )
    install_error_handlers(app)
    app.add_middleware(  # outermost: nothing reads a body past the cap
        BodySizeLimit, limit=container.settings.max_request_body_bytes,
        per_path={"/api/v1/users/import": container.settings.max_import_body_bytes})
    for name in API_MODULES:
        module = importlib.import_module(f"printwarden.web.api.{name}")
        app.include_router(module.router)
        if hasattr(module, "approvals"):
            app.include_router(module.approvals)
    from printwarden.web import kiosk_pages, me_sign_in, mobile_pages, release_pages, ui

    app.include_router(ui.router)
    app.include_router(me_sign_in.router)
    app.include_router(release_pages.router)
    app.include_router(kiosk_pages.router)
    app.include_router(mobile_pages.router)
    # after mobile_pages: its /admin/devices/qr-codes comes before /admin/devices/{id}
    for name in ADMIN_PAGE_MODULES:
        app.include_router(importlib.import_module(f"printwarden.web.{name}").router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    _add_health_routes(app, container, metrics, replica)
    return app


def _add_health_routes(app: FastAPI, container: ServerContainer, metrics: WebMetrics,
                       replica: ReplicaStatus | None) -> None:
    @app.get("/healthz", tags=["health"], summary="Liveness: the process answers")
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    @app.get("/readyz", tags=["health"], summary="Readiness: database reachable, schema current")
    def readyz() -> Any:
        def probe(conn: Connection) -> None:
            conn.execute(sa.text("SELECT 1"))

        try:
            container.db.read(probe)
            current, head = current_revision(container.db), head_revision(container.db)
        except Exception as exc:  # readiness reports, never raises
            return JSONResponse(error_body("not_ready", f"database unreachable: {exc}"), 503)
        if current != head:
            return JSONResponse(
                error_body("not_ready", f"schema at {current}, expected {head}"), 503
            )
        if replica is not None and replica.applied is None:
            return JSONResponse(error_body("not_ready", "no snapshot of central loaded yet"),
                                503)
        ready: dict[str, Any] = {"status": "ready", "database": container.db.dialect,
                                 "schema": current}
        if replica is not None:
            ready |= {"replica_version": replica.applied, "lag_versions": replica.lag_versions,
                      "offline": replica.offline}
        return ready

    @app.get("/api/docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/api/v1/openapi.json", title="printwarden API",
            swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/vendor/swagger-ui/favicon-32x32.png",
        )

    @app.get("/metrics", tags=["health"], summary="Prometheus metrics")
    def prometheus() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)
