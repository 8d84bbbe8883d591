from __future__ import annotations

import pytest

from printwarden.container import ServerContainer
from tests.jobs.world import World, make_world


@pytest.fixture
def world(server: ServerContainer) -> World:
    return make_world(server)
