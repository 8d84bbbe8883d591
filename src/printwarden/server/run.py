"""Run the server role: wire it, start the scheduler, serve HTTP with uvicorn."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TYPE_CHECKING, Any

import structlog
import uvicorn

from printwarden.container import ServerContainer
from printwarden.core.logging import configure_logging
from printwarden.core.settings import ServerSettings
from printwarden.server.bootstrap import build_server
from printwarden.server.notify_task import NotifyTask
from printwarden.server.scheduler import Scheduler

if TYPE_CHECKING:
    from printwarden.web.shutdown import Stopping

log = structlog.get_logger("printwarden.server")
#: How long a stopping server lets open requests finish once it told them to end (a
#: request that does not end by then is cut; agents reconnect and lose nothing).
SHUTDOWN_GRACE_SECONDS = 2


class _StoppingServer(uvicorn.Server):
    """uvicorn's server that tells the app it is stopping as soon as a signal arrives, so
    agent long polls and WebSockets end before uvicorn waits for open connections, and
    ``on_exit_signal`` too (a demo stops its agent and printer then)."""

    def __init__(self, config: uvicorn.Config, stopping: Stopping,
                 on_exit_signal: Callable[[], None] | None = None) -> None:
        super().__init__(config)
        self._stopping = stopping
        self._on_exit_signal = on_exit_signal

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self._stopping.set()
        if self._on_exit_signal is not None and not self.should_exit:
            threading.Thread(target=self._on_exit_signal, name="pw-exit-signal",
                             daemon=True).start()
        super().handle_exit(sig, frame)


def serve(container: ServerContainer, *,
          on_exit_signal: Callable[[], None] | None = None) -> None:
    """Serve ``container`` until interrupted."""
    from printwarden.web.app import create_app

    settings = container.settings
    app = create_app(container)
    try:
        with background_work(container):
            log.info("server_started", url=settings.effective_public_url,
                     database=container.db.dialect, data_dir=str(settings.data_dir))
            run_http(app, settings, on_exit_signal)
    finally:  # the background work has stopped: nothing uses the database any more
        container.db.dispose()
        log.info("server_stopped")


@contextmanager
def background_work(container: ServerContainer) -> Iterator[None]:
    """The scheduler (allocations this site runs, sweeps, purges) and the notification
    sender, for as long as the block runs: central and a remote both run them, each on
    its own database."""
    settings = container.settings
    scheduler = Scheduler(container, settings.scheduler_interval_seconds)
    scheduler.start()
    notify_task = NotifyTask(container.notify, settings.notify_send_interval_seconds)
    notify_task.start()
    try:
        yield
    finally:
        scheduler.stop()
        notify_task.stop()


def run_http(app: Any, settings: ServerSettings,
             on_exit_signal: Callable[[], None] | None = None) -> None:
    """Serve ``app`` (``web.app.create_app``'s) with uvicorn on the settings' address until
    a signal stops it."""
    config = uvicorn.Config(app, host=settings.host, port=settings.port, log_config=None,
                            access_log=False, proxy_headers=True,
                            timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS)
    _StoppingServer(config, app.state.stopping, on_exit_signal).run()


def run_server(settings: ServerSettings) -> None:
    configure_logging(settings.log_level, json_lines=settings.log_json)
    serve(build_server(settings))
