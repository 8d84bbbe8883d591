"""A world for terminal tests: the job world, a release queue ``vault`` on device
``vault``, a copy price list, alice with card 12345678 and PIN 4321, and helpers that
enrol a terminal at a device and sign alice in there."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi.testclient import TestClient

from printwarden.container import ServerContainer
from printwarden.core.pricing import PriceRule
from printwarden.devices.device_model import Device
from tests.jobs.world import World, make_world

CARD = "12345678"
PIN = "4321"
COPY_MONO = 4
COPY_COLOR = 15


@dataclass
class TerminalWorld:
    world: World
    vault: Device

    @property
    def server(self) -> ServerContainer:
        return self.world.server

    def hold(self, key: str) -> str:
        decision = self.server.jobs.authorize(self.world.agent, self.world.request(
            key, queue="vault"))
        assert decision.decision == "hold", decision
        return decision.job_id

    def enrol(self, device_id: str) -> dict[str, str]:
        code, _ = self.server.terminals.create_code(device_id, actor="test")
        _, token = self.server.terminals.register(code, hostname="t", version="1")
        return {"Authorization": f"Bearer {token}"}


def make_terminal_world(server: ServerContainer) -> TerminalWorld:
    world = make_world(server)
    server.devices.create_printer(
        "vault", actor="test", agent_id=world.agent.id, device_uri="ipp://mfp.lan/ipp/print",
        hold_for_release=True, owner_check="release")
    vault = server.devices.find_device_by_name("vault")
    assert vault is not None
    server.ledger.create_price_list(
        "Copies", kind="copy", currency="EUR", default=True, actor="test",
        rules=(PriceRule(color="mono", per_page_minor=COPY_MONO),
               PriceRule(color="color", per_page_minor=COPY_COLOR)))
    server.accounts.add_card(world.user_id, CARD, actor="test")
    server.accounts.set_pin(world.user_id, PIN, actor="test")
    return TerminalWorld(world, vault)


def sign_in(client: TestClient, headers: dict[str, str], **body: str) -> str:
    answer = client.post("/api/v1/terminal/sessions", headers=headers,
                         json=body or {"method": "card_pin", "card": CARD, "pin": PIN})
    assert answer.status_code == 201, answer.text
    return str(answer.json()["session_id"])
