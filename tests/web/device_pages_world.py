"""A world for the kiosk and mobile page tests: a server on a clock the test moves, two
release devices ("vault", "annex", each its own release group) on one agent, and alice
with a card, a held job at each."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from printwarden.container import ServerContainer
from printwarden.core.clock import FixedClock
from printwarden.core.settings import load_server_settings
from printwarden.db.engine import Database
from printwarden.devices.device_model import Device
from printwarden.server.bootstrap import build_server
from printwarden.web.app import create_app
from tests.jobs.world import World, make_world

ALICE_CARD = "04A1B2C3D4"
IDLE_SECONDS = 60


@dataclass
class DeviceWorld:
    server: ServerContainer
    clock: FixedClock
    world: World
    vault: Device
    annex: Device
    vault_job: str
    annex_job: str


def build_device_world(db: Database, tmp_path: Path, **settings: Any) -> DeviceWorld:
    clock = FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    server = build_server(load_server_settings(tmp_path / "data", database_url=db.url,
                                               kiosk_idle_seconds=IDLE_SECONDS, **settings),
                          db=db, clock=clock, migrate=False)
    world = make_world(server)
    for name in ("vault", "annex"):
        server.devices.create_printer(name, actor="t", agent_id=world.agent.id,
                                      device_uri=f"ipp://{name}.lan/ipp/print",
                                      hold_for_release=True, owner_check="release",
                                      location=f"{name} room")
    vault = server.devices.find_device_by_name("vault")
    annex = server.devices.find_device_by_name("annex")
    assert vault is not None and annex is not None
    vault_job = server.jobs.authorize(world.agent, world.request("v1", queue="vault")).job_id
    annex_job = server.jobs.authorize(world.agent, world.request("a1", queue="annex")).job_id
    server.accounts.add_card(world.user_id, ALICE_CARD, actor="t")
    return DeviceWorld(server, clock, world, vault, annex, vault_job, annex_job)


def app_client(server: ServerContainer) -> Iterator[TestClient]:
    with TestClient(create_app(server)) as client:
        yield client


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "the form carries a CSRF token"
    return match.group(1)
