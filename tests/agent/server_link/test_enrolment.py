"""Enrolment: a one-time code becomes a token the agent keeps privately."""

from __future__ import annotations

import asyncio
import os
import stat

import pytest

from printwarden.agent.bootstrap import build_agent, enrol
from printwarden.agent.server_link.client import ServerRejected
from printwarden.agent.settings import read_token
from printwarden.core.errors import ConfigurationError
from tests.agent.support import AgentFactory, World


def test_an_agent_enrols_with_a_code_and_keeps_its_token_private(
        world: World, agent_settings: AgentFactory) -> None:
    settings = agent_settings()
    with pytest.raises(ConfigurationError, match="not enrolled"):
        build_agent(settings)

    agent_id = asyncio.run(enrol(settings, world.code, transport=world.transport))

    token = read_token(settings)
    assert token is not None and token.startswith("pwa_")
    assert world.server.devices.principal_for_agent_token(token).id == agent_id
    if os.name == "posix":
        assert stat.S_IMODE(settings.token_path.stat().st_mode) == 0o600


def test_a_used_code_is_refused_with_the_servers_message(
        world: World, agent_settings: AgentFactory) -> None:
    settings = agent_settings()
    asyncio.run(enrol(settings, world.code, transport=world.transport))

    with pytest.raises(ServerRejected) as refused:
        asyncio.run(enrol(settings, world.code, transport=world.transport))

    assert refused.value.status == 401
    assert "already used" in refused.value.message
