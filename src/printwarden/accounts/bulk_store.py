"""Rows <-> model in bulk, for imports: one statement for many keys or many rows.

Lookups take at most ``csv_import.CHUNK`` keys (an IN list well under every database's
parameter limit); inserts are executemany, which SQLAlchemy sends in batches.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from printwarden.accounts.group_store import group_from_row
from printwarden.accounts.model import Group, User
from printwarden.accounts.store import user_from_row, user_select
from printwarden.accounts.tables import cards, group_members, user_groups, users


def users_by_keys(conn: Connection, keys: Collection[str]) -> dict[str, User]:
    rows = conn.execute(user_select().add_columns(users.c.username_key)
                        .where(users.c.username_key.in_(list(keys)))).mappings()
    return {row["username_key"]: user_from_row(row) for row in rows}


def taken_card_hashes(conn: Connection, hashes: Collection[str]) -> set[str]:
    return set(conn.execute(sa.select(cards.c.number_hash)
                            .where(cards.c.number_hash.in_(list(hashes)))).scalars())


def taken_id_number_hashes(conn: Connection, digests: Collection[str]) -> set[str]:
    return set(conn.execute(sa.select(users.c.id_number_hash)
                            .where(users.c.id_number_hash.in_(list(digests)))).scalars())


def groups_by_keys(conn: Connection, keys: Collection[str]) -> dict[str, Group]:
    rows = conn.execute(sa.select(user_groups)
                        .where(user_groups.c.name_key.in_(list(keys)))).mappings()
    return {row["name_key"]: group_from_row(row) for row in rows}


def insert_rows(conn: Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(table.insert(), rows)


def insert_users(conn: Connection, rows: list[dict[str, Any]]) -> None:
    insert_rows(conn, users, rows)


def insert_cards(conn: Connection, rows: list[dict[str, Any]]) -> None:
    insert_rows(conn, cards, rows)


def insert_members(conn: Connection, rows: list[dict[str, Any]]) -> None:
    insert_rows(conn, group_members, rows)
