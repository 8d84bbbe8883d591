"""Run the remote role: keep the replica in a background thread, run the site's own
scheduled work (sweeps of its jobs and sessions, the quota allocations central delegated
to it) and notifications, serve the web app."""

from __future__ import annotations

import structlog

from printwarden.remote.bootstrap import RemoteRole
from printwarden.server.run import background_work, run_http

log = structlog.get_logger("printwarden.remote")


def serve_remote(role: RemoteRole) -> None:
    """Serve ``role`` until interrupted; the replica is pulled meanwhile (/readyz answers
    once the first snapshot is in)."""
    from printwarden.web.app import create_app

    container = role.container
    app = create_app(container, role="remote", replica=role.watch)
    role.puller.start()
    log.info("remote_started", url=container.settings.effective_public_url,
             central=role.enrolment.central, name=role.enrolment.name,
             database=container.db.dialect)
    try:
        with background_work(container):
            run_http(app, container.settings)
    finally:
        role.puller.stop()
        container.db.dispose()
        log.info("remote_stopped")
