"""The replica a remote keeps: a snapshot loaded whole, then central's changes applied
in version order, one transaction per batch, with the version reached recorded in the
same transaction (``sync_state`` ``applied``): a crash between batches loses nothing and
a batch applied twice changes nothing (every change is the row's value, not a delta).

Constraints while applying. Between two batches a replica may hold rows newer than their
parents (a change answers the row as it is now, and its parent's own change may come in
the next batch) or a unique value that another row still holds here (the other row's
change is on its way). Foreign keys are therefore not enforced while a batch applies (on
SQLite ``PRAGMA foreign_keys=OFF`` on the applying connection; on PostgreSQL
``session_replication_role = replica``, which needs a role allowed to set it), and a row
that arrives holding a unique value is written after the rows holding it here are
removed: they changed at central and come again later in the feed. Once the replica
reaches central's head it equals central, constraints included.

The remote's own triggers would record the applied rows as changes of its own: those
are cleared in the same transaction (a remote serves no feed; the later outbox of its
own ledger entries is a separate table).

Balances. ``ledger_accounts`` carries central's balances while the remote's own ledger
moves them here too: every page or snapshot that writes account rows rebases them in the
same transaction (``replica_balances.py``): central's value plus the remote's entries
central does not have yet, so a feed update never forgets the remote's spending.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from printwarden.db.engine import Database
from printwarden.sync.codec import SyncProtocolError, decode_key, decode_row
from printwarden.sync.feed import read_counter, write_counter
from printwarden.sync.replica_balances import rebase
from printwarden.sync.replicated import DECLARATIONS, Replicated
from printwarden.sync.tables import sync_changes

APPLIED = "applied"
_ACCOUNTS = "ledger_accounts"
#: Rows inserted per statement while a snapshot loads.
_INSERT_CHUNK = 1000


class Replica:
    def __init__(self, db: Database, declarations: tuple[Replicated, ...] = DECLARATIONS) -> None:
        self._db = db
        self._declared = {d.name: d for d in declarations}
        self._uniques = {d.name: _unique_sets(d) for d in declarations}

    def applied_version(self) -> int | None:
        """The version the replica is at; None before its first snapshot."""
        return self._db.lookup(lambda conn: read_counter(conn, APPLIED))

    def load_snapshot(self, lines: Iterable[Any]) -> int:
        """Replace every replicated table by a snapshot (``Feed.snapshot``'s lines) in one
        transaction; answer its version. A snapshot cut short changes nothing."""
        with self._applying() as conn:
            stream = iter(lines)
            header = next(stream, None)
            if not isinstance(header, dict) or not isinstance(header.get("version"), int):
                raise SyncProtocolError("a snapshot starts with its version")
            for declared in reversed(list(self._declared.values())):
                conn.execute(declared.table.delete())
            self._insert_rows(conn, stream)
            rebase(conn, None)
            write_counter(conn, APPLIED, int(header["version"]))
            conn.execute(sync_changes.delete())
        return int(header["version"])

    def _insert_rows(self, conn: Connection, stream: Iterator[Any]) -> int:
        pending: dict[str, list[dict[str, Any]]] = {}
        for count, line in enumerate(stream):
            if not isinstance(line, dict):
                raise SyncProtocolError("a snapshot line is not an object")
            if line.get("end") is True:
                if line.get("rows") != count:
                    raise SyncProtocolError("the snapshot's row count does not match")
                self._flush(conn, pending)
                return count
            declared = self._table(line.get("table"))
            pending.setdefault(declared.name, []).append(decode_row(declared, line.get("row")))
            if len(pending[declared.name]) >= _INSERT_CHUNK:
                self._flush(conn, {declared.name: pending.pop(declared.name)})
        raise SyncProtocolError("the snapshot was cut short (no end line): nothing applied")

    def _flush(self, conn: Connection, pending: dict[str, list[dict[str, Any]]]) -> None:
        for name, rows in pending.items():
            if rows:
                conn.execute(self._declared[name].table.insert(), rows)
        pending.clear()

    def apply_page(self, changes: list[Any], next_since: int) -> int:
        """Apply one page of changes (``Change.as_json``) in order and record
        ``next_since`` as the version reached, in one transaction."""
        with self._applying() as conn:
            accounts: set[str] = set()
            for change in changes:
                if not isinstance(change, dict):
                    raise SyncProtocolError("a change is not an object")
                declared = self._table(change.get("table"))
                key = decode_key(declared, change.get("key"))
                row = change.get("row")
                if row is None:
                    conn.execute(declared.table.delete().where(*_matches(declared, key)))
                else:
                    self._upsert(conn, declared, key, decode_row(declared, row))
                if declared.name == _ACCOUNTS:
                    accounts.add(str(key["id"]))
            if accounts:
                rebase(conn, accounts)
            write_counter(conn, APPLIED, next_since)
            conn.execute(sync_changes.delete())
        return next_since

    def _upsert(self, conn: Connection, declared: Replicated, key: dict[str, Any],
                row: dict[str, Any]) -> None:
        if {name: row.get(name) for name in key} != key:
            raise SyncProtocolError(f"a row of {declared.name} does not match its key")
        table = declared.table
        holders = [sa.and_(*(table.c[c] == row[c] for c in columns))
                   for columns in self._uniques[declared.name]
                   if all(row.get(c) is not None for c in columns)]
        if holders:  # rows here still holding a unique value this row now has
            conn.execute(table.delete().where(sa.or_(*holders),
                                              sa.not_(sa.and_(*_matches(declared, key)))))
        if conn.execute(table.update().where(*_matches(declared, key))
                        .values(**row)).rowcount == 0:
            conn.execute(table.insert().values(**row))

    def _table(self, name: Any) -> Replicated:
        declared = self._declared.get(name) if isinstance(name, str) else None
        if declared is None:
            raise SyncProtocolError(f"table {name!r} does not replicate here: run the same "
                                    "printwarden version as central")
        return declared

    @contextmanager
    def _applying(self) -> Iterator[Connection]:
        """One write transaction with foreign keys not enforced (see the module's doc)."""
        with self._db.engine.connect() as conn:
            sqlite = conn.dialect.name == "sqlite"
            if sqlite:  # must be set outside a transaction, on this very connection
                conn.connection.dbapi_connection.execute(  # type: ignore[union-attr]
                    "PRAGMA foreign_keys=OFF")
            try:
                with conn.execution_options(pw_write=True).begin():
                    if not sqlite:
                        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
                    yield conn
            finally:
                if sqlite:
                    conn.connection.dbapi_connection.execute(  # type: ignore[union-attr]
                        "PRAGMA foreign_keys=ON")


def _matches(declared: Replicated, key: dict[str, Any]) -> list[sa.ColumnElement[bool]]:
    return [declared.table.c[name] == value for name, value in key.items()]


def _unique_sets(declared: Replicated) -> list[tuple[str, ...]]:
    """The column sets of the table's unique constraints and indexes, its key aside."""
    table = declared.table
    sets = [tuple(c.name for c in constraint.columns) for constraint in table.constraints
            if isinstance(constraint, sa.UniqueConstraint)]
    sets += [tuple(c.name for c in index.columns) for index in table.indexes if index.unique]
    return [columns for columns in sets if set(columns) <= set(declared.column_names)]
