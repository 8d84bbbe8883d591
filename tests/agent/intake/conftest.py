"""Fixtures of the agent end-to-end tests: a live server, a world, agents, a printer."""

from __future__ import annotations

from tests.agent.conftest import live  # noqa: F401
from tests.agent.e2e.conftest import agent_factory, downstream, world  # noqa: F401
