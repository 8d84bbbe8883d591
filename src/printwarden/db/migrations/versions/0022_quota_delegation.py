"""quota schedules delegated to a remote

``ledger_quota_schedules.delegated_to``: the remote site that runs the schedule's periodic
allocations (NULL: central runs them). The column travels to remotes with the table (its
sync triggers record a change of any column; a plain ADD COLUMN keeps them on SQLite).

Revision ID: 0022_quota_delegation
Revises: 0021_sync_feed
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from printwarden.db.sync_triggers import TriggerSpec, install, uninstall

revision = "0022_quota_delegation"
down_revision = "0021_sync_feed"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("ledger_quota_schedules",
                  sa.Column("delegated_to", sa.String(100), nullable=True))


_TRIGGERS = (TriggerSpec("ledger_quota_schedules", ("id",)),)


def downgrade() -> None:
    conn = op.get_bind()
    with op.batch_alter_table("ledger_quota_schedules") as batch:
        batch.drop_column("delegated_to")
    if conn.dialect.name == "sqlite":  # the batch rebuilt the table without its triggers
        uninstall(conn, _TRIGGERS)
        install(conn, _TRIGGERS)
