"""Ledger invariants, checked straight from the tables."""

from __future__ import annotations

import sqlalchemy as sa

from printwarden.db.engine import Database
from printwarden.ledger import reservation_store
from printwarden.ledger.tables import ledger_accounts, ledger_entries


def assert_ledger_consistent(db: Database) -> None:
    """Balance = sum of entries; reserved = open parts; no limited account past overdraft."""
    def read(conn: sa.Connection) -> None:
        sums = dict(conn.execute(sa.select(ledger_entries.c.account_id,
                                           sa.func.sum(ledger_entries.c.amount_minor))
                                 .group_by(ledger_entries.c.account_id)).all())
        holds = reservation_store.open_parts_sum(conn)
        for row in conn.execute(sa.select(ledger_accounts)).mappings():
            assert row["balance_minor"] == int(sums.get(row["id"], 0)), row
            assert row["reserved_minor"] == holds.get(row["id"], 0), row
            if row["limited"]:
                # (available may dip below zero when a quota reset lowers a balance that
                # has holds on it; settling then charges no further than the overdraft)
                assert row["balance_minor"] >= -row["overdraft_minor"], row

    db.read(read)
