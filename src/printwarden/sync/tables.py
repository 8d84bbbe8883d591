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
remote ``applied`` (the version its replica is at), ``outbox_seq`` (the last site
sequence given to one of its ledger entries) and ``outbox_acked`` (the highest sequence
central said it holds).

The ledger outbox (``docs/protocols/replication.md``, "The ledger outbox"): at a remote
``ledger_outbox`` gives each of its own ledger entries a site sequence, and
``sync_account_shadow`` keeps central's balance of each replicated account (the row's
``balance_minor`` is central's plus what central does not have yet). At central
``sync_reconcile_problems`` keeps the entries it could not post as they were (acked all
the same: never dropped) and ``sync_reconcile_reports`` the entries that took a limited
account below what it may owe (one account spending at two sites).
"""

from __future__ import annotations

import sqlalchemy as sa

from printwarden.db.metadata import ID_LENGTH, metadata
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
#: replica is at (its lag is central's head minus it); ``last_contact_at``: its last call;
#: ``outbox_acked_seq``: the highest site sequence of its ledger entries applied here;
#: ``pending_entries``: how many entries it last said it holds unacked.
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
    sa.Column("outbox_acked_seq", sa.BigInteger(), nullable=False, server_default="0"),
    sa.Column("pending_entries", sa.BigInteger(), nullable=True),
)

#: At a remote: one row per ledger entry it wrote, with its site sequence (1, 2, 3...,
#: given in the entry's transaction). ``amount_minor`` and ``account_id`` are copied from
#: the entry so the sums per account need no join. ``reflected``: central acked it and a
#: row of its account fetched after that ack was applied, so central's balance in the
#: replica includes it (see ``replica_balances.py``).
ledger_outbox = sa.Table(
    "ledger_outbox",
    metadata,
    sa.Column("seq", sa.BigInteger(), primary_key=True, autoincrement=False),
    sa.Column("entry_id", sa.String(ID_LENGTH), nullable=False, unique=True),
    sa.Column("account_id", sa.String(ID_LENGTH), nullable=False, index=True),
    sa.Column("amount_minor", sa.BigInteger(), nullable=False),
    sa.Column("reflected", sa.Boolean(), nullable=False, server_default=sa.false(),
              index=True),
)

#: At a remote: central's own balance and reserved sum of a replicated account, as the
#: feed last brought them.
sync_account_shadow = sa.Table(
    "sync_account_shadow",
    metadata,
    sa.Column("account_id", sa.String(ID_LENGTH), primary_key=True),
    sa.Column("balance_minor", sa.BigInteger(), nullable=False),
    sa.Column("reserved_minor", sa.BigInteger(), nullable=False),
)

#: At a remote: its ended jobs central has recorded (``sync/job_outbox.py``).
sync_jobs_sent = sa.Table(
    "sync_jobs_sent",
    metadata,
    sa.Column("job_id", sa.String(ID_LENGTH), primary_key=True),
    sa.Column("sent_at", UtcDateTime(), nullable=False),
)

#: At central: an entry of a remote that could not be posted as it was, with the reason.
sync_reconcile_problems = sa.Table(
    "sync_reconcile_problems",
    metadata,
    id_column(primary_key=True),
    sa.Column("remote_id", sa.String(ID_LENGTH), nullable=False, index=True),
    sa.Column("remote_name", sa.String(100), nullable=False),
    sa.Column("seq", sa.BigInteger(), nullable=False),
    sa.Column("idempotency_key", sa.String(200), nullable=False, index=True),
    sa.Column("reason", sa.String(32), nullable=False),
    sa.Column("message", sa.String(500), nullable=False),
    sa.Column("entry", sa.JSON(), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
)

#: At central: an applied entry of a remote left a limited account below what it may owe.
sync_reconcile_reports = sa.Table(
    "sync_reconcile_reports",
    metadata,
    id_column(primary_key=True),
    sa.Column("remote_id", sa.String(ID_LENGTH), nullable=False, index=True),
    sa.Column("remote_name", sa.String(100), nullable=False),
    sa.Column("account_id", sa.String(ID_LENGTH), nullable=False, index=True),
    sa.Column("amount_minor", sa.BigInteger(), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("balance_after_minor", sa.BigInteger(), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
)
