"""offline credit: what a remote cut off from central may let each account spend

Revision ID: 0024_offline_credit
Revises: 0023_ledger_outbox

Two columns on ``ledger_accounts`` (replicated with the row): ``offline_credit``
(``balance``, ``limit``, ``deny``; every existing account keeps ``balance``, what a remote
did before) and ``offline_limit_minor``. ``ADD COLUMN`` keeps the table's sync triggers on
both databases; on SQLite they are made again all the same (a later batch alter of this
table would drop them, and installing is idempotent here), so the feed never misses a row.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from printwarden.db.sync_triggers import TriggerSpec, install, uninstall

revision = "0024_offline_credit"
down_revision = "0023_ledger_outbox"
branch_labels = None
depends_on = None

_ACCOUNTS = (TriggerSpec("ledger_accounts", ("id",)),)


def _triggers_again() -> None:
    """SQLite: the ledger_accounts triggers made anew (PostgreSQL's survive the alter,
    and its shared trigger function must not be dropped)."""
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        uninstall(bind, _ACCOUNTS)
        install(bind, _ACCOUNTS)


def upgrade() -> None:
    op.add_column("ledger_accounts", sa.Column("offline_credit", sa.String(8),
                                               nullable=False, server_default="balance"))
    op.add_column("ledger_accounts", sa.Column("offline_limit_minor", sa.BigInteger(),
                                               nullable=False, server_default="0"))
    _triggers_again()


def downgrade() -> None:
    with op.batch_alter_table("ledger_accounts") as batch:
        batch.drop_column("offline_limit_minor")
        batch.drop_column("offline_credit")
    _triggers_again()
