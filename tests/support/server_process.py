"""``printwarden server`` as a real process, and this process's own view of its database.

For tests and benchmarks that load the system hard: a server in its own process does not
share the caller's interpreter lock with the caller's clients, sinks and checks. The
caller seeds and inspects through ``container``, the same composition root wired to the
same database (SQLite file in WAL mode, or PostgreSQL); it starts no scheduler and serves
nothing, so what the agents talk to is only the server process.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from printwarden.container import ServerContainer
from printwarden.core.settings import load_server_settings
from printwarden.server.bootstrap import build_server
from tests.support.postgres import free_port
from tests.support.processes import Service

__all__ = ["ServerProcess"]


class ServerProcess:
    """Migrates and wires ``data_dir`` at construction; ``start``/``stop`` the process.

    ``settings`` are server settings (``max_top_up_minor=...``); the process gets them as
    ``PRINTWARDEN_*`` environment variables, so both sides run with the same ones."""

    def __init__(self, data_dir: Path, *, database_url: str = "", **settings: Any) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        values: dict[str, Any] = {"port": self.port, "log_level": "warning", **settings}
        if database_url:
            values["database_url"] = database_url
        self._env = {f"PRINTWARDEN_{key.upper()}": str(value) for key, value in values.items()}
        self.container: ServerContainer = build_server(load_server_settings(data_dir, **values))
        self._service: Service | None = None

    @property
    def log(self) -> Path:
        return self.data_dir.parent / f"{self.data_dir.name}-server.log"

    @property
    def pid(self) -> int:
        assert self._service is not None, "the server process is not started"
        return self._service.proc.pid

    def start(self) -> ServerProcess:
        self._service = Service(["server", "--data-dir", str(self.data_dir),
                                 "--port", str(self.port)], self.log, env=self._env)
        self._service.wait_http(self.url + "/readyz")
        return self

    def stop(self) -> None:
        if self._service is not None:
            self._service.stop()
            self._service = None

    def close(self) -> None:
        self.stop()
        self.container.db.dispose()
