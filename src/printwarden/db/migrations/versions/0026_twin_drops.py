"""twin drops: a drop-twin that found no job is kept, so a late authorize is cancelled

Revision ID: 0026_twin_drops
Revises: 0025_remote_jobs

``job_twin_drops``: an agent's drop-twin that found no job of its key at this server (the
authorize the agent gave up on may still be on its way through it); the job that
authorize makes is cancelled as it is recorded. Local to each server, never replicated;
rows older than a day are pruned as new ones come.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from printwarden.db.types import UtcDateTime

revision = "0026_twin_drops"
down_revision = "0025_remote_jobs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_twin_drops",
        sa.Column("agent_id", sa.String(26), primary_key=True),
        sa.Column("agent_job_key", sa.String(100), primary_key=True),
        sa.Column("followed_job_id", sa.String(26), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_job_twin_drops_created_at", "job_twin_drops", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_job_twin_drops_created_at", table_name="job_twin_drops")
    op.drop_table("job_twin_drops")
