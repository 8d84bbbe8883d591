"""Run the server role: wire it, start the scheduler, serve HTTP with uvicorn."""

from __future__ import annotations

from types import FrameType
from typing import TYPE_CHECKING

import structlog
import uvicorn

from printwarden.container import ServerContainer
from printwarden.core.logging import configure_logging
from printwarden.core.settings import ServerSettings
from printwarden.server.bootstrap import build_server
from printwarden.server.scheduler import Scheduler

if TYPE_CHECKING:
    from printwarden.web.shutdown import Stopping

log = structlog.get_logger("printwarden.server")


class _StoppingServer(uvicorn.Server):
    """uvicorn's server that tells the app it is stopping as soon as a signal arrives, so
    agent long polls and WebSockets end before uvicorn waits for open connections."""

    def __init__(self, config: uvicorn.Config, stopping: Stopping) -> None:
        super().__init__(config)
        self._stopping = stopping

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self._stopping.set()
        super().handle_exit(sig, frame)


def serve(container: ServerContainer) -> None:
    """Serve ``container`` until interrupted."""
    from printwarden.web.app import create_app

    settings = container.settings
    app = create_app(container)
    scheduler = Scheduler(container, settings.scheduler_interval_seconds)
    scheduler.start()
    log.info("server_started", url=settings.effective_public_url, database=container.db.dialect,
             data_dir=str(settings.data_dir))
    config = uvicorn.Config(app, host=settings.host, port=settings.port, log_config=None,
                            access_log=False, proxy_headers=True)
    try:
        _StoppingServer(config, app.state.stopping).run()
    finally:
        scheduler.stop()
        container.db.dispose()
        log.info("server_stopped")


def run_server(settings: ServerSettings) -> None:
    configure_logging(settings.log_level, json_lines=settings.log_json)
    serve(build_server(settings))
