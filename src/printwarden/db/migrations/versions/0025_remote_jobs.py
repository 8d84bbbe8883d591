"""remote jobs: central's job log holds the jobs its remotes authorized

Revision ID: 0025_remote_jobs
Revises: 0024_offline_credit

``jobs.origin_site``: the remote that authorized a job central recorded when it ended
(NULL for a server's own jobs, every existing one). ``sync_jobs_sent``: at a remote, the
ended jobs central has recorded (local, never replicated). ``jobs`` is not replicated,
so it has no sync triggers to make again.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from printwarden.db.types import UtcDateTime

revision = "0025_remote_jobs"
down_revision = "0024_offline_credit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("jobs", sa.Column("origin_site", sa.String(100), nullable=True))
    op.create_table(
        "sync_jobs_sent",
        sa.Column("job_id", sa.String(26), primary_key=True),
        sa.Column("sent_at", UtcDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("sync_jobs_sent")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("origin_site")
