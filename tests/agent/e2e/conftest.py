"""A real server (SQLite, uvicorn thread), the agent as a process, a virtual printer."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.agent.conftest import live  # noqa: F401  (the real server fixture)
from tests.agent.e2e.support import AgentProcess, add_root_user
from tests.agent.support import LiveServer, World, seed
from tests.ipp.server.support import RunningVirtualPrinter

AgentFactory = Callable[..., AgentProcess]


@pytest.fixture
def world(live: LiveServer, tmp_path: Path) -> World:  # noqa: F811
    world = seed(live.container, tmp_path / "unused.out")
    add_root_user(world)
    return world


@pytest.fixture
def downstream(tmp_path: Path) -> Iterator[RunningVirtualPrinter]:
    received = tmp_path / "received"
    received.mkdir()
    with RunningVirtualPrinter(received) as printer:
        yield printer


@pytest.fixture
def agent_factory(live: LiveServer, tmp_path: Path) -> Iterator[AgentFactory]:  # noqa: F811
    made: list[AgentProcess] = []

    def make(extra_settings: str = "", name: str = "agent") -> AgentProcess:
        agent = AgentProcess(tmp_path / name, live.url, extra_settings=extra_settings)
        made.append(agent)
        return agent

    try:
        yield make
    finally:
        for agent in made:
            agent.kill()
