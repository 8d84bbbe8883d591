"""A central server and a remote on two real databases, the remote pulling from central's
real app over in-process HTTP, and a row-by-row comparison of every replicated table."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from printwarden.container import ServerContainer
from printwarden.core.clock import Clock
from printwarden.core.money import Money
from printwarden.core.settings import load_server_settings
from printwarden.db.engine import Database
from printwarden.ledger.model import PriceRule
from printwarden.remote.bootstrap import RemoteRole, build_remote, enrolled
from printwarden.server.bootstrap import build_server
from printwarden.sync.replicated import DECLARATIONS
from printwarden.web.app import create_app
from tests.support.databases import PostgresFactory, SqliteFactory

CENTRAL = "http://testserver"


@dataclass
class Pair:
    central: ServerContainer
    http: TestClient
    remote_db: Database
    tmp: Path
    #: Another fresh migrated database of the same kind (dropped with the pair).
    new_db: Callable[[], Database]

    def remote(self, name: str = "site-a", *, clock: Clock | None = None,
               batch_limit: int = 1000, db: Database | None = None,
               http: httpx.Client | None = None) -> RemoteRole:
        """A remote enrolled at central, on ``db`` (the pair's remote database by
        default), speaking to central through ``http`` (the pair's client by default)."""
        _, code = self.central.remotes.create(name, actor="test")
        data_dir = self.tmp / f"remote-{name}"
        enrolment = enrolled(data_dir if data_dir.exists() else _made(data_dir),
                             central=CENTRAL, code=code, http=self.http)
        database = db or self.remote_db
        settings = load_server_settings(data_dir, database_url=database.url,
                                        sync_batch_limit=batch_limit)
        return build_remote(settings, enrolment, db=database, clock=clock,
                            http=http or self.http)


def _made(path: Path) -> Path:
    path.mkdir(parents=True)
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def pair(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Pair]:
    """Central on one fresh database, an empty migrated one for the remote, same kind."""
    factory: SqliteFactory | PostgresFactory = request.getfixturevalue(
        "sqlite_factory" if request.param == "sqlite" else "postgres_factory")
    made: list[Database] = []

    def new_db() -> Database:
        made.append(factory.new())
        return made[-1]

    central_db, remote_db = new_db(), new_db()
    settings = load_server_settings(tmp_path / "central", database_url=central_db.url)
    central = build_server(settings, db=central_db, migrate=False)
    with TestClient(create_app(central)) as http:
        yield Pair(central, http, remote_db, tmp_path, new_db)
    for database in made:
        if isinstance(factory, SqliteFactory):
            database.dispose()
        else:
            factory.drop(database)


def table_rows(db: Database) -> dict[str, list[dict[str, Any]]]:
    """Every replicated table's travelling columns, ordered by primary key."""
    def read(conn: sa.Connection) -> dict[str, list[dict[str, Any]]]:
        found = {}
        for declared in DECLARATIONS:
            table = declared.table
            stmt = sa.select(*(table.c[n] for n in declared.column_names)).order_by(
                *(table.c[n] for n in declared.key_names))
            found[declared.name] = [dict(row) for row in conn.execute(stmt).mappings()]
        return found

    return db.read(read)


def assert_converged(central: Database, remote: Database) -> None:
    want, got = table_rows(central), table_rows(remote)
    for name in want:
        assert got[name] == want[name], name


def seed(central: ServerContainer, tag: str = "") -> dict[str, str]:
    """Rows in every replicated table (users, groups, cards, accounts, prices, fleet...)."""
    accounts, ledger, devices = central.accounts, central.ledger, central.devices
    alice = accounts.create_user(f"alice{tag}", full_name="Alice", password="alice-pass-1",
                                 actor="t")
    bob = accounts.create_user(f"bob{tag}", actor="t")
    group = accounts.create_group(f"staff{tag}", actor="t")
    accounts.add_member(group.id, alice.id, actor="t")
    accounts.add_member(group.id, bob.id, actor="t")
    card = accounts.add_card(alice.id, f"0451{tag}0099", actor="t")
    accounts.create_api_token(alice.id, f"api{tag}", actor="t")
    credit = ledger.credit_account(alice.id)
    ledger.post_entry(credit.id, Money(500), "top-up", idempotency_key=f"seed{tag}",
                      actor="t")
    prices = ledger.create_price_list(f"prices{tag}", rules=[
        PriceRule(media="*", color="mono", per_page_minor=5)], actor="t")
    printer_group = devices.create_group(f"pg{tag}", actor="t", price_list_id=prices.id)
    device = devices.create_device(f"mfp{tag}", actor="t", group_id=printer_group.id)
    release_group = devices.create_release_group(f"rg{tag}", actor="t")
    devices.add_release_group_member(release_group.id, device.id, actor="t")
    queue = devices.create_queue(f"q{tag}", actor="t", kind="release",
                                 release_group_id=release_group.id)
    central.rules.create("t", {"name": f"rule{tag}", "actions": [{"type": "deny"}]})
    shared = ledger.open_account("shared", f"project{tag}", actor="t")
    ledger.add_account_member(shared.id, bob.id, actor="t")
    ledger.set_charge_policy(["shared", "credit", "personal"], actor="t")
    ledger.create_quota_schedule(f"weekly{tag}", target_kind="group_members",
                                 target_id=group.id, amount=Money(100), period="weekly",
                                 actor="t")
    agent_code, _ = devices.create_enrolment_code(actor="t")
    agent, _ = devices.register_agent(agent_code, name=f"agent{tag}", hostname="h", version="1")
    devices.update_device(device.id, {"agent_id": agent.id}, actor="t")
    terminal_code, _ = central.terminals.create_code(device.id, actor="t")
    central.terminals.register(terminal_code, hostname="kiosk", version="1")
    return {"alice": alice.id, "bob": bob.id, "group": group.id, "card": card.id,
            "prices": prices.id, "device": device.id, "queue": queue.id,
            "credit": credit.id, "release_group": release_group.id, "agent": agent.id}
