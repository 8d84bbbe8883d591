"""tracker mode: a queue's offline charging, a job's flag and the offline jobs' origin

- ``queues.offline_charging`` (``charge`` by default, or ``log``): whether the jobs a
  tracker queue printed while no server answered are charged when the agent reports them;
- ``jobs.flag``: why an operator should look at a job (NULL: nothing), e.g. "printed
  offline (tracker); charged past the account's limit";
- ``jobs.offline``: the job was decided by its agent without a server (tracker mode).

Revision ID: 0020_tracker_offline_jobs
Revises: 0019_terminal_request_keys
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020_tracker_offline_jobs"
down_revision = "0019_terminal_request_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("queues") as batch:
        batch.add_column(sa.Column("offline_charging", sa.String(10), nullable=False,
                                   server_default="charge"))
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("flag", sa.String(500), nullable=True))
        batch.add_column(sa.Column("offline", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    op.create_index("ix_jobs_offline_created", "jobs", ["offline", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_jobs_offline_created", table_name="jobs")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("offline")
        batch.drop_column("flag")
    with op.batch_alter_table("queues") as batch:
        batch.drop_column("offline_charging")
