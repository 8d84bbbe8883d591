"""Agent tests run against a real server over HTTP (SQLite) and a file:// device."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from printwarden.agent.settings import AgentSettings, load_agent_settings
from printwarden.core.settings import load_server_settings
from printwarden.server.bootstrap import build_server
from tests.agent.support import (
    AgentFactory,
    InProcessServer,
    LiveServer,
    Network,
    World,
    seed,
)
from tests.support.databases import SqliteFactory


@pytest.fixture
def live(sqlite_factory: SqliteFactory, tmp_path: Path) -> Iterator[LiveServer]:
    db = sqlite_factory.new()
    settings = load_server_settings(tmp_path / "server", database_url=db.url)
    server = LiveServer(build_server(settings, db=db, migrate=False))
    server.start()
    yield server
    server.stop()
    db.dispose()


@pytest.fixture
def network() -> Network:
    return Network()


@pytest.fixture
def app_server(sqlite_factory: SqliteFactory, tmp_path: Path,
               network: Network) -> Iterator[InProcessServer]:
    """The real server (SQLite) reached in process: agent logic tests run without sockets."""
    db = sqlite_factory.new()
    settings = load_server_settings(tmp_path / "server", database_url=db.url)
    yield InProcessServer(build_server(settings, db=db, migrate=False), network,
                          "printwarden.test")
    db.dispose()


@pytest.fixture
def backup_server(app_server: InProcessServer, network: Network) -> InProcessServer:
    """A second server instance on the same database (for failover)."""
    return InProcessServer(app_server.container, network, "backup.printwarden.test")


@pytest.fixture
def world(app_server: InProcessServer, network: Network, tmp_path: Path) -> World:
    return seed(app_server.container, tmp_path / "device.out", transport=network)


@pytest.fixture
def agent_settings(app_server: InProcessServer, tmp_path: Path) -> AgentFactory:
    """Settings of an agent in ``tmp/agent`` talking to the in-process server, fast
    back-offs (pass ``world.transport`` to ``running``/``build_agent``)."""

    def make(**overrides: Any) -> AgentSettings:
        values: dict[str, Any] = {
            "server_urls": [app_server.url], "events_wait_seconds": 1.0,
            "health_min_seconds": 0.1, "health_max_seconds": 0.5,
            "forward_delay_seconds": 0.05, "forward_max_delay_seconds": 0.2,
            "request_timeout_seconds": 5.0, "min_free_bytes": 0, "name": "ps-test",
        }
        values.update(overrides)
        return load_agent_settings(tmp_path / "agent", **values)

    return make
