"""A world for kiosk copy sessions: the job world on a clock the test moves, a copy price
list (mono 4, colour 15), and device ``copier`` (a release queue of its own) read over
real SNMP from the test's agent on 127.0.0.1."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from printwarden.container import ServerContainer
from printwarden.core.clock import FixedClock
from printwarden.core.pricing import PriceRule
from printwarden.core.settings import load_server_settings
from printwarden.db.engine import Database
from printwarden.devices.device_model import Device
from printwarden.server.bootstrap import build_server
from tests.jobs.world import World, make_world
from tests.support.snmp_agent import SnmpAgent, SnmpPrinter

COPY_MONO = 4
COPY_COLOR = 15
IDLE_SECONDS = 60
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass
class CopyWorld:
    server: ServerContainer
    clock: FixedClock
    world: World
    copier: Device
    printer: SnmpPrinter

    @property
    def user_id(self) -> str:
        return self.world.user_id

    def device(self) -> Device:
        return self.server.devices.get_device(self.copier.id)

    def copies(self, pages: int, *, colour: int = 0, seconds: int = 60) -> None:
        """The device makes ``pages`` while ``seconds`` pass, on its uptime and our clock."""
        self.printer.advance(pages, colour=colour, seconds=seconds)
        self.clock.advance(timedelta(seconds=seconds))

    def charges(self, user_id: str | None = None) -> list[int]:
        ledger = self.server.ledger
        account = ledger.personal_account(user_id or self.user_id)
        entries, _ = ledger.list_entries(account_id=account.id, kind="charge")
        return [entry.amount.minor for entry in entries]


def build_copy_world(db: Database, tmp_path: Path, agent: SnmpAgent,
                     **settings: Any) -> CopyWorld:
    clock = FixedClock(START)
    options: dict[str, Any] = {"kiosk_idle_seconds": IDLE_SECONDS,
                               "copy_snmp_timeout_seconds": 1.0, "copy_snmp_retries": 1,
                               **settings}
    server = build_server(load_server_settings(tmp_path / "data", database_url=db.url,
                                               **options),
                          db=db, clock=clock, migrate=False)
    world = make_world(server)
    server.ledger.create_price_list(
        "Copies", kind="copy", currency="EUR", default=True, actor="test",
        rules=(PriceRule(color="mono", per_page_minor=COPY_MONO),
               PriceRule(color="color", per_page_minor=COPY_COLOR)))
    server.devices.create_printer(
        "copier", actor="test", agent_id=world.agent.id,
        device_uri="ipp://127.0.0.1:9/ipp/print", hold_for_release=True,
        owner_check="release")
    found = server.devices.find_device_by_name("copier")
    assert found is not None
    copier = server.devices.update_device(found.id, {
        "snmp_enabled": True, "snmp_port": agent.port}, actor="test")
    printer = SnmpPrinter(agent)
    printer.total(10_000)
    printer.uptime(8_640_000)
    return CopyWorld(server, clock, world, copier, printer)
