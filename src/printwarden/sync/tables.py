"""Sync tables: central's change feed, the feed's counters, and the enrolled remotes.

``sync_changes`` is written by database triggers only (``triggers.py``), one row per
inserted, updated or deleted row of a replicated table: which table, the primary key (a
JSON array) and the operation. ``seq`` orders the rows as they were written; ``version``
is given later, once the writing transaction is over, by the sequencer (``feed.py``):
versions follow the order in which changes became final, which is what a remote's
``since`` needs (a ``seq`` alone is not commit-ordered on PostgreSQL). ``txid`` is the
writing transaction's id on PostgreSQL (NULL on SQLite, where writers never overlap).

``sync_state`` holds named counters: at central ``head`` (the last version given) and
``pruned_through`` (changes at or below it are gone: a remote behind it resyncs); at a
remote ``applied`` (the version its replica is at).
"""

from __future__ import annotations

import sqlalchemy as sa

from printwarden.db.metadata import metadata
from printwarden.db.types import UtcDateTime, id_column

#: A BIGINT that is SQLite's INTEGER (its rowid alias, so it autoincrements) there.
SEQ_TYPE = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

sync_changes = sa.Table(
    "sync_changes",
    metadata,
    sa.Column("seq", SEQ_TYPE, primary_key=True, autoincrement=True),
    sa.Column("version", sa.BigInteger(), nullable=True, unique=True),
    sa.Column("txid", sa.BigInteger(), nullable=True),
    sa.Column("table_name", sa.String(64), nullable=False),
    sa.Column("row_key", sa.String(500), nullable=False),
    sa.Column("op", sa.String(1), nullable=False),
    sqlite_autoincrement=True,
)

sync_state = sa.Table(
    "sync_state",
    metadata,
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("value", sa.BigInteger(), nullable=False),
)

#: A site remote. Created with a one-time enrolment code (``code_hash``, cleared when the
#: code is used); enrolled: ``token_hash``. ``acked_version``: the version it says its
#: replica is at (its lag is central's head minus it); ``last_contact_at``: its last call.
sync_remotes = sa.Table(
    "sync_remotes",
    metadata,
    id_column(primary_key=True),
    sa.Column("name", sa.String(100), nullable=False, unique=True),
    sa.Column("code_hash", sa.String(64), nullable=True, unique=True),
    sa.Column("code_expires_at", UtcDateTime(), nullable=True),
    sa.Column("token_hash", sa.String(64), nullable=True, unique=True),
    sa.Column("hostname", sa.String(255), nullable=False, server_default=""),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("enrolled_at", UtcDateTime(), nullable=True),
    sa.Column("last_contact_at", UtcDateTime(), nullable=True),
    sa.Column("acked_version", sa.BigInteger(), nullable=True),
)
