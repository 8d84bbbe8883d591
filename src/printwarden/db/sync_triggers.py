"""The database triggers that feed ``sync_changes``: written here, installed by migrations.

Every insert, update and delete of a replicated table writes one change row in the same
transaction, whoever the writer is (a service, a bulk import, an admin in psql), so no
code path can forget to record a change. Updates record only when a travelling column is
in the SET list (``UPDATE OF``); an update that changes the primary key records the old
key too (the remote deletes it).

A migration installs the triggers of the tables declared when it was written, from a
frozen list of ``TriggerSpec`` (a later declaration comes with its own migration);
``installed`` tells a test which tables have all three.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

OPS = ("ins", "upd", "del")


@dataclass(frozen=True)
class TriggerSpec:
    table: str
    keys: tuple[str, ...]
    #: The columns whose update records a change; empty: any column.
    columns: tuple[str, ...] = ()


def trigger_name(table: str, op: str) -> str:
    return f"sync_{table}_{op}"


def install(conn: Connection, specs: tuple[TriggerSpec, ...]) -> None:
    """Create the triggers of ``specs`` (and, on PostgreSQL, the one trigger function)."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(_PG_FUNCTION)
        for spec in specs:
            for statement in _pg_triggers(spec):
                conn.exec_driver_sql(statement)
    else:
        for spec in specs:
            for statement in _sqlite_triggers(spec):
                conn.exec_driver_sql(statement)


def uninstall(conn: Connection, specs: tuple[TriggerSpec, ...]) -> None:
    postgres = conn.dialect.name == "postgresql"
    for spec in specs:
        for op in OPS:
            name = trigger_name(spec.table, op)
            conn.exec_driver_sql(f'DROP TRIGGER IF EXISTS {name} ON "{spec.table}"' if postgres
                                 else f"DROP TRIGGER IF EXISTS {name}")
    if postgres:
        conn.exec_driver_sql("DROP FUNCTION IF EXISTS sync_record()")


def installed(conn: Connection) -> set[str]:
    """The tables that have all three sync triggers."""
    if conn.dialect.name == "postgresql":
        rows = conn.execute(sa.text(
            "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal AND t.tgname LIKE 'sync\\_%'")).all()
    else:
        rows = conn.execute(sa.text(
            "SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger' "
            "AND name LIKE 'sync\\_%' ESCAPE '\\'")).all()
    names = {(str(table), str(name)) for table, name in rows}
    return {table for table, _ in names
            if all((table, trigger_name(table, op)) in names for op in OPS)}


def _sqlite_key(row: str, keys: tuple[str, ...]) -> str:
    return "json_array(" + ", ".join(f'{row}."{key}"' for key in keys) + ")"


def _sqlite_triggers(spec: TriggerSpec) -> list[str]:
    table = spec.table
    insert = "INSERT INTO sync_changes (table_name, row_key, op)"
    of = (" OF " + ", ".join(f'"{c}"' for c in spec.columns)) if spec.columns else ""
    key_moved = " OR ".join(f'OLD."{key}" IS NOT NEW."{key}"' for key in spec.keys)
    return [
        f'CREATE TRIGGER {trigger_name(table, "ins")} AFTER INSERT ON "{table}" BEGIN '
        f"{insert} VALUES ('{table}', {_sqlite_key('NEW', spec.keys)}, 'I'); END",
        f'CREATE TRIGGER {trigger_name(table, "upd")} AFTER UPDATE{of} ON "{table}" BEGIN '
        f"{insert} SELECT '{table}', {_sqlite_key('OLD', spec.keys)}, 'D' WHERE {key_moved}; "
        f"{insert} VALUES ('{table}', {_sqlite_key('NEW', spec.keys)}, 'U'); END",
        f'CREATE TRIGGER {trigger_name(table, "del")} AFTER DELETE ON "{table}" BEGIN '
        f"{insert} VALUES ('{table}', {_sqlite_key('OLD', spec.keys)}, 'D'); END",
    ]


#: One function for every table: the key columns come as trigger arguments. ``txid`` is
#: the writing transaction (``pg_current_xact_id``): the sequencer versions a change only
#: once every transaction that could still commit an earlier one is over.
_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION sync_record() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  old_key text;
  new_key text;
  tx bigint := pg_current_xact_id()::text::bigint;
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    SELECT json_agg(to_jsonb(OLD) -> k ORDER BY i)::text INTO old_key
      FROM unnest(TG_ARGV) WITH ORDINALITY AS a(k, i);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    SELECT json_agg(to_jsonb(NEW) -> k ORDER BY i)::text INTO new_key
      FROM unnest(TG_ARGV) WITH ORDINALITY AS a(k, i);
  END IF;
  IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND old_key IS DISTINCT FROM new_key) THEN
    INSERT INTO sync_changes (table_name, row_key, op, txid)
      VALUES (TG_TABLE_NAME, old_key, 'D', tx);
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO sync_changes (table_name, row_key, op, txid)
      VALUES (TG_TABLE_NAME, new_key, left(TG_OP, 1), tx);
  END IF;
  RETURN NULL;
END $$
"""


def _pg_triggers(spec: TriggerSpec) -> list[str]:
    table = spec.table
    args = ", ".join(f"'{key}'" for key in spec.keys)
    of = (" OF " + ", ".join(f'"{c}"' for c in spec.columns)) if spec.columns else ""
    events = (("ins", "INSERT"), ("upd", f"UPDATE{of}"), ("del", "DELETE"))
    return [f'CREATE TRIGGER {trigger_name(table, op)} AFTER {event} ON "{table}" '
            f"FOR EACH ROW EXECUTE FUNCTION sync_record({args})" for op, event in events]
