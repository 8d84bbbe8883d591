"""Running an IPP server app on uvicorn."""

from __future__ import annotations

import uvicorn

from .app import IppServerApp

__all__ = ["serve_forever"]


def serve_forever(app: IppServerApp, host: str, port: int, *,
                  log_level: str = "warning") -> None:
    """Serve ``app`` on ``host:port`` until interrupted (SIGINT/SIGTERM)."""
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False,
                lifespan="on")
