"""``one_of``: the same rows as an IN on both databases, whatever the number of values
(PostgreSQL gets them as one array parameter), and ``new_ids`` for rows written in bulk."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from printwarden.core.ids import is_id, new_ids
from printwarden.db.engine import Database, one_of
from printwarden.ledger.tables import ledger_accounts as accounts


def _insert_accounts(db: Database, ids: list[str]) -> None:
    now = datetime.now(UTC)
    db.write(lambda conn: conn.execute(accounts.insert(), [
        {"id": account_id, "kind": "shared", "name": f"a {n}", "currency": "EUR",
         "limited": True, "overdraft_minor": 0, "balance_minor": 0, "reserved_minor": 0,
         "owner_user_id": None, "group_id": None, "owner_key": None, "active": True,
         "created_at": now} for n, account_id in enumerate(ids)]))


def test_one_of_finds_exactly_the_rows_named_on_both_databases(db: Database) -> None:
    ids = new_ids(1200)
    _insert_accounts(db, ids)
    wanted = set(ids[::3]) | {"no-such-account", "x' OR '1'='1"}

    def found(values: set[str]) -> set[str]:
        def read(conn: Connection) -> set[str]:
            return {str(r[0]) for r in conn.execute(
                sa.select(accounts.c.id).where(one_of(conn, accounts.c.id, values)))}
        return db.read(read)

    assert found(wanted) == set(ids[::3])
    assert found(set()) == set()
    assert found({ids[7]}) == {ids[7]}


def test_new_ids_are_valid_distinct_and_ascending() -> None:
    first, second = new_ids(1000), new_ids(1000)
    assert all(is_id(value) and len(value) == 26 for value in first)
    assert first == sorted(first) and second == sorted(second)
    assert len(set(first) | set(second)) == 2000
    assert new_ids(0) == []
