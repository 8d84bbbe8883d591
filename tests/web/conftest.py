"""Fixtures of the device page tests (kiosk, mobile, device status): see
``device_pages_world.py``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from printwarden.db.engine import Database
from tests.web.device_pages_world import DeviceWorld, app_client, build_device_world


@pytest.fixture
def dw(db: Database, tmp_path: Path) -> DeviceWorld:
    """Two release devices, alice with a card and a held job at each, a movable clock."""
    return build_device_world(db, tmp_path)


@pytest.fixture
def device_client(dw: DeviceWorld) -> Iterator[TestClient]:
    """An anonymous client of the app over ``dw``'s server."""
    yield from app_client(dw.server)
