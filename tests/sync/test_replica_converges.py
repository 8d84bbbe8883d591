"""A remote's replica converges to central after inserts, updates and deletes, whatever
the batch size, on SQLite and PostgreSQL; every replicated table compared row by row."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from printwarden.accounts.tables import users
from printwarden.core.clock import FixedClock
from printwarden.core.money import Money
from printwarden.ledger.model import PriceRule
from printwarden.sync.replicated import DECLARATIONS
from tests.sync.support import Pair, assert_converged, pair, seed, table_rows

__all__ = ["pair"]


def _change_everything(p: Pair, ids: dict[str, str]) -> None:
    central = p.central
    central.accounts.update_user(ids["alice"], full_name="Alice Changed", actor="t")
    central.accounts.remove_member(ids["group"], ids["bob"], actor="t")
    central.accounts.remove_card(ids["card"], actor="t")
    central.accounts.add_card(ids["bob"], "7777000011", actor="t")
    central.ledger.post_entry(ids["credit"], Money(250), "top-up", idempotency_key="more",
                              actor="t")
    central.ledger.update_price_list(ids["prices"], rules=[
        PriceRule(media="*", color="mono", per_page_minor=7)], actor="t")
    central.devices.delete_queue(ids["queue"], actor="t")
    # a writer outside the services (an admin in psql): the triggers see it all the same;
    # a unique value swapped between two rows within one transaction
    def swap(conn: sa.Connection) -> None:
        for user_id, key in ((ids["alice"], "tmp-swap"), (ids["bob"], "alice"),
                             (ids["alice"], "bob")):
            conn.execute(users.update().where(users.c.id == user_id).values(username_key=key))

    central.db.write(swap)


def test_the_replica_converges_after_inserts_updates_and_deletes(pair: Pair) -> None:
    ids = seed(pair.central)
    seeded = table_rows(pair.central.db)
    assert [d.name for d in DECLARATIONS if not seeded[d.name]] == [], "compare them all"
    remote = pair.remote()
    remote.puller.catch_up()
    assert_converged(pair.central.db, pair.remote_db)
    _change_everything(pair, ids)
    seed(pair.central, tag="2")
    remote.puller.catch_up()
    assert_converged(pair.central.db, pair.remote_db)
    assert remote.puller.status.lag_versions == 0
    rows = table_rows(pair.remote_db)
    assert {r["username_key"] for r in rows["users"]} >= {"alice", "bob", "alice2"}
    assert [r["balance_minor"] for r in rows["ledger_accounts"] if r["id"] == ids["credit"]
            ] == [750]


def test_one_change_per_batch_still_converges_through_swaps_and_parents(pair: Pair) -> None:
    """Batches of one cut between a parent and its child and through a unique swap."""
    remote = pair.remote(batch_limit=1)
    remote.puller.catch_up()  # the empty snapshot
    ids = seed(pair.central)
    _change_everything(pair, ids)
    version = remote.puller.catch_up()
    assert version == pair.central.feed.head() > 30  # as many batches
    assert_converged(pair.central.db, pair.remote_db)


@pytest.mark.parametrize("pair", ["sqlite"], indirect=True)  # no database takes part
def test_a_remote_clock_hours_off_converges_all_the_same(pair: Pair) -> None:
    """Versions order everything; the remote's clock (hours ahead, then behind) only
    stamps its last contact."""
    clock = FixedClock(datetime.now(UTC) + timedelta(hours=5))
    remote = pair.remote(clock=clock)
    ids = seed(pair.central)
    remote.puller.catch_up()
    clock.set(datetime.now(UTC) - timedelta(hours=7))
    _change_everything(pair, ids)
    remote.puller.catch_up()
    assert_converged(pair.central.db, pair.remote_db)
    assert remote.puller.status.last_contact == clock.now()
