"""the ledger outbox: a remote's site sequence of its entries and its copy of central's
balances; central's per-remote acked sequence, reconciliation problems and reports

Revision ID: 0023_ledger_outbox
Revises: 0022_quota_delegation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from printwarden.db.types import UtcDateTime

revision = "0023_ledger_outbox"
down_revision = "0022_quota_delegation"
branch_labels = None
depends_on = None

_ID = 26


def upgrade() -> None:
    # sync_remotes is not replicated: adding columns drops no sync triggers
    with op.batch_alter_table("sync_remotes") as batch:
        batch.add_column(sa.Column("outbox_acked_seq", sa.BigInteger(), nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("pending_entries", sa.BigInteger(), nullable=True))
    op.create_table(
        "ledger_outbox",
        sa.Column("seq", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("entry_id", sa.String(_ID), nullable=False, unique=True),
        sa.Column("account_id", sa.String(_ID), nullable=False, index=True),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("reflected", sa.Boolean(), nullable=False, server_default=sa.false(),
              index=True),
    )
    op.create_table(
        "sync_account_shadow",
        sa.Column("account_id", sa.String(_ID), primary_key=True),
        sa.Column("balance_minor", sa.BigInteger(), nullable=False),
        sa.Column("reserved_minor", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "sync_reconcile_problems",
        sa.Column("id", sa.String(_ID), primary_key=True),
        sa.Column("remote_id", sa.String(_ID), nullable=False, index=True),
        sa.Column("remote_name", sa.String(100), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=False, index=True),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("message", sa.String(500), nullable=False),
        sa.Column("entry", sa.JSON(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "sync_reconcile_reports",
        sa.Column("id", sa.String(_ID), primary_key=True),
        sa.Column("remote_id", sa.String(_ID), nullable=False, index=True),
        sa.Column("remote_name", sa.String(100), nullable=False),
        sa.Column("account_id", sa.String(_ID), nullable=False, index=True),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("balance_after_minor", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )
    # the counter rows a ledger write updates to take its site sequence (they must exist:
    # the update's row lock is what serializes concurrent writers on PostgreSQL)
    op.execute("INSERT INTO sync_state (name, value) VALUES ('outbox_seq', 0), "
               "('outbox_acked', 0)")


def downgrade() -> None:
    op.execute("DELETE FROM sync_state WHERE name IN ('outbox_seq', 'outbox_acked')")
    op.drop_table("sync_reconcile_reports")
    op.drop_table("sync_reconcile_problems")
    op.drop_table("sync_account_shadow")
    op.drop_table("ledger_outbox")
    with op.batch_alter_table("sync_remotes") as batch:
        batch.drop_column("pending_entries")
        batch.drop_column("outbox_acked_seq")
