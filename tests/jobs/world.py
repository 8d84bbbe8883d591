"""A small world for job and agent-link tests: an agent with a queue, a priced user with credit."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from printwarden.container import ServerContainer
from printwarden.core.money import Money
from printwarden.core.pricing import PriceRule
from printwarden.core.principal import Principal
from printwarden.devices.queue_model import Queue
from printwarden.jobs.messages import Analysis, AuthorizeRequest

MONO_PAGE = 5
COLOR_PAGE = 20


@dataclass
class World:
    server: ServerContainer
    agent: Principal
    token: str
    queue: Queue
    user_id: str
    keys: list[str] = field(default_factory=list)

    def request(self, key: str = "job-1", *, pages: int | None = 3, color_pages: int = 0,
                copies: int = 1, username: str = "alice", queue: str | None = None,
                **extra: Any) -> AuthorizeRequest:
        return AuthorizeRequest(
            agent_job_key=key, queue=queue or self.queue.name, username=username,
            title="thesis.pdf", document_format="application/pdf", size_bytes=12345,
            copies=copies, analysis=Analysis(pages=pages, color_pages=color_pages,
                                             sizes={"iso_a4_210x297mm": pages or 1}),
            **extra)

    def top_up(self, minor: int, user_id: str | None = None) -> None:
        ledger = self.server.ledger
        account = ledger.personal_account(user_id or self.user_id)
        key = f"test:top-up:{len(self.keys)}"
        self.keys.append(key)
        ledger.post_entry(account.id, Money(minor, "EUR"), "top-up", idempotency_key=key,
                          actor="test", note="test credit")

    def balance(self, user_id: str | None = None) -> tuple[int, int]:
        """(balance, reserved) of the user's personal account, in minor units."""
        ledger = self.server.ledger
        account = ledger.get_account(ledger.personal_account(user_id or self.user_id).id)
        return account.balance_minor, account.reserved_minor


def make_agent(server: ServerContainer, name: str) -> tuple[Principal, str]:
    code, _ = server.devices.create_enrolment_code(actor="test")
    _, token = server.devices.register_agent(code, name=name, hostname="h", version="1")
    return server.devices.principal_for_agent_token(token), token


def make_world(server: ServerContainer) -> World:
    server.ledger.create_price_list(
        "Standard", kind="print", currency="EUR", default=True, actor="test",
        rules=(PriceRule(color="mono", per_page_minor=MONO_PAGE),
               PriceRule(color="color", per_page_minor=COLOR_PAGE)))
    agent, token = make_agent(server, "ps-1")
    queue = server.devices.create_printer("hall", actor="test", agent_id=agent.id,
                                          device_uri="ipp://mfp.lan/ipp/print")
    user = server.accounts.create_user("alice", full_name="Alice", password="alice-pass-1",
                                       actor="test")
    world = World(server=server, agent=agent, token=token, queue=queue, user_id=user.id)
    world.top_up(1000)
    return world
