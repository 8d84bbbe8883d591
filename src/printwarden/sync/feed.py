"""Central's change feed and snapshot of the replicated tables.

Versions. Triggers write each change with a ``seq`` in write order; the sequencer
(``sequence``) gives changes their ``version`` once they are final: on SQLite any
committed change (writers never overlap there), on PostgreSQL only changes whose
transaction id is below ``pg_snapshot_xmin(pg_current_snapshot())``, i.e. whose
transaction and every older one are over. Sequencer runs are serialized on the ``head``
row of ``sync_state``, so every version given is above every version given before and a
reader that sees version V sees every version below it. A transaction that still runs
holds back the versions of changes made after it started (they wait, they are never
skipped): that is what makes ``since`` safe where a plain sequence is not (a
transaction holding seq 10 may commit after 11 was read).

Values. A change answers the row as it is now (or a delete when it is gone): applying
the changes since V in version order, whatever the batch size, brings a replica to a
state at least as new as each change, and once it reaches the head, to central's state.
No wall clock takes part anywhere (clock skew between sites does not matter).

Pruning keeps the newest ``keep`` versions; a remote whose ``since`` is below what is
kept (or above the head: central was restored from an older backup) gets
``ResyncRequired`` and loads a snapshot.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from printwarden.core.errors import PrintwardenError, ValidationError
from printwarden.db.engine import Database
from printwarden.sync.codec import decode_key, encode_row
from printwarden.sync.replicated import DECLARATIONS, Replicated
from printwarden.sync.tables import sync_changes, sync_state

#: Changes versioned per statement batch by the sequencer.
_SEQUENCE_CHUNK = 5000
#: Keys looked up per statement when a page reads the rows it answers.
_KEY_CHUNK = 500
#: Rows fetched at a time when a snapshot streams a table.
SNAPSHOT_CHUNK = 1000
MAX_PAGE = 10_000


class ResyncRequired(PrintwardenError):
    """The feed cannot bring this replica up to date: it must load a snapshot (HTTP 410)."""

    code = "resync_required"


@dataclass(frozen=True)
class Change:
    version: int
    table: str
    key: list[Any]
    #: The row now (encoded), or None: the row is gone.
    row: dict[str, Any] | None

    def as_json(self) -> dict[str, Any]:
        return {"version": self.version, "table": self.table, "key": self.key,
                "op": "delete" if self.row is None else "upsert", "row": self.row}


@dataclass(frozen=True)
class ChangesPage:
    changes: list[Change]
    #: The ``since`` of the next call.
    next_since: int
    head: int
    #: More changes are versioned past ``next_since`` (ask again at once).
    more: bool


def read_counter(conn: Connection, name: str, *, lock: bool = False) -> int | None:
    stmt = sa.select(sync_state.c.value).where(sync_state.c.name == name)
    if lock and conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    value = conn.execute(stmt).scalar()
    return None if value is None else int(value)


def write_counter(conn: Connection, name: str, value: int) -> None:
    if conn.execute(sync_state.update().where(sync_state.c.name == name)
                    .values(value=value)).rowcount == 0:
        conn.execute(sync_state.insert().values(name=name, value=value))


class Feed:
    def __init__(self, db: Database, declarations: tuple[Replicated, ...] = DECLARATIONS) -> None:
        self._db = db
        self._declared = {d.name: d for d in declarations}

    # -- versions -------------------------------------------------------------------------

    def sequence(self) -> int:
        """Version every final change not versioned yet; answer the head. (A look first:
        remotes poll often, and most polls find nothing new to version.)"""
        def pending(conn: Connection) -> bool:
            return conn.execute(sa.select(sa.exists().where(
                sync_changes.c.version.is_(None)))).scalar() is True

        if not self._db.lookup(pending):
            return self.head()
        return self._db.write(self._sequence_in)

    def _sequence_in(self, conn: Connection) -> int:
        head = read_counter(conn, "head", lock=True) or 0  # serializes sequencer runs
        pending = sa.select(sync_changes.c.seq).where(sync_changes.c.version.is_(None))
        if conn.dialect.name == "postgresql":
            pending = pending.where(sync_changes.c.txid < sa.text(
                "pg_snapshot_xmin(pg_current_snapshot())::text::bigint"))
        seqs = [int(s) for s in conn.execute(pending.order_by(sync_changes.c.seq)).scalars()]
        if not seqs:
            return head
        assign = (sync_changes.update().where(sync_changes.c.seq == sa.bindparam("s"))
                  .values(version=sa.bindparam("v")))
        for start in range(0, len(seqs), _SEQUENCE_CHUNK):
            chunk = seqs[start:start + _SEQUENCE_CHUNK]
            conn.execute(assign, [{"s": seq, "v": head + start + i + 1}
                                  for i, seq in enumerate(chunk)])
        head += len(seqs)
        write_counter(conn, "head", head)
        return head

    def head(self) -> int:
        return self._db.lookup(lambda conn: read_counter(conn, "head") or 0)

    def pruned_through(self) -> int:
        return self._db.lookup(lambda conn: read_counter(conn, "pruned_through") or 0)

    # -- changes --------------------------------------------------------------------------

    def changes(self, since: int, limit: int, *, remote: str = "") -> ChangesPage:
        """The changes after version ``since``, at most ``limit``, with the rows now."""
        if since < 0 or not 1 <= limit <= MAX_PAGE:
            raise ValidationError(f"since must be >= 0 and limit 1..{MAX_PAGE}")
        head = self.sequence()
        return self._db.read(lambda conn: self._page(conn, since, limit, head, remote))

    def _page(self, conn: Connection, since: int, limit: int, head: int,
              remote: str) -> ChangesPage:
        pruned = read_counter(conn, "pruned_through") or 0
        if since < pruned:
            raise ResyncRequired(
                f"the feed was pruned through version {pruned} and this replica is at "
                f"{since}: resync from a snapshot (GET /api/v1/sync/snapshot)")
        if since > head:
            raise ResyncRequired(
                f"this replica is at version {since}, past central's head {head} (central "
                "was restored from an older backup?): resync from a snapshot")
        rows = conn.execute(
            sa.select(sync_changes.c.version, sync_changes.c.table_name,
                      sync_changes.c.row_key)
            .where(sync_changes.c.version > since)
            .order_by(sync_changes.c.version).limit(limit + 1)).all()
        more = len(rows) > limit
        rows = rows[:limit]
        current = self._current_rows(conn, [(r.table_name, r.row_key) for r in rows], remote)
        changes = [Change(int(r.version), r.table_name, _key_list(r.row_key),
                          current.get((r.table_name, r.row_key)))
                   for r in rows if r.table_name in self._declared]
        next_since = int(rows[-1].version) if rows else since
        return ChangesPage(changes, next_since, head, more)

    def _current_rows(self, conn: Connection, keys: list[tuple[str, str]],
                      remote: str) -> dict[tuple[str, str], dict[str, Any]]:
        """The current encoded row of each (table, key text) that still exists."""
        by_table: dict[str, set[str]] = {}
        for table, key in keys:
            if table in self._declared:
                by_table.setdefault(table, set()).add(key)
        found: dict[tuple[str, str], dict[str, Any]] = {}
        for table, texts in by_table.items():
            declared = self._declared[table]
            wanted = {tuple(decode_key(declared, text).values()): text for text in texts}
            key_columns = [declared.table.c[name] for name in declared.key_names]
            ordered = list(wanted)
            for start in range(0, len(ordered), _KEY_CHUNK):
                chunk = ordered[start:start + _KEY_CHUNK]
                stmt = self._select(declared, remote).where(
                    sa.tuple_(*key_columns).in_(chunk) if len(key_columns) > 1
                    else key_columns[0].in_([k[0] for k in chunk]))
                for row in conn.execute(stmt).mappings():
                    values = tuple(row[name] for name in declared.key_names)
                    found[(table, wanted[values])] = encode_row(declared, dict(row))
        return found

    @staticmethod
    def _select(declared: Replicated, remote: str) -> sa.Select[Any]:
        stmt = sa.select(*(declared.table.c[name] for name in declared.column_names))
        if declared.site_filter is not None:
            stmt = stmt.where(declared.site_filter(remote))
        return stmt

    # -- snapshot -------------------------------------------------------------------------

    def snapshot(self, *, remote: str = "") -> Iterator[dict[str, Any]]:
        """Every declared table in one consistent read: first ``{"version", "tables"}``,
        then ``{"table", "row"}`` per row, last ``{"end": true, "rows": n}``.

        A generator holding one read transaction (REPEATABLE READ on PostgreSQL) while
        it is consumed; rows are fetched ``SNAPSHOT_CHUNK`` at a time, so a table of any
        size streams in bounded memory."""
        self.sequence()
        with self._db.engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                version = read_counter(conn, "head") or 0  # the first read: the snapshot
                yield {"version": version, "tables": list(self._declared)}
                count = 0
                for declared in self._declared.values():
                    stmt = self._select(declared, remote).order_by(
                        *(declared.table.c[name] for name in declared.key_names))
                    result = conn.execution_options(yield_per=SNAPSHOT_CHUNK).execute(stmt)
                    for row in result.mappings():
                        count += 1
                        yield {"table": declared.name, "row": encode_row(declared, dict(row))}
                yield {"end": True, "rows": count}

    # -- pruning --------------------------------------------------------------------------

    def prune(self, keep: int) -> int:
        """Forget versioned changes but the newest ``keep``; answer how many went."""
        def run(conn: Connection) -> int:
            head = read_counter(conn, "head", lock=True) or 0
            through = head - keep
            if through <= (read_counter(conn, "pruned_through") or 0):
                return 0
            gone = conn.execute(sync_changes.delete().where(
                sync_changes.c.version <= through)).rowcount
            write_counter(conn, "pruned_through", through)
            return int(gone)

        return self._db.write(run)


def _key_list(text: str) -> list[Any]:
    value = json.loads(text)
    return value if isinstance(value, list) else [value]
