"""release: held-job lifetime per queue, the releasing device of a job, held-job listing

- ``queues.held_job_lifetime_seconds`` (default 8 h): a held job nobody released by then
  expires, never charged;
- ``jobs.device_id``: the device a held job was released to (completion charges its price);
- index ``ix_jobs_user_state_created``: a user's held jobs, oldest first, from the index.

Revision ID: 0009_release_holds
Revises: 0008_pins_id_numbers
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_release_holds"
down_revision = "0008_pins_id_numbers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("queues") as batch:
        batch.add_column(sa.Column("held_job_lifetime_seconds", sa.Integer(), nullable=False,
                                   server_default="28800"))
    with op.batch_alter_table("queues") as batch:
        batch.alter_column("held_job_lifetime_seconds", server_default=None)
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("device_id", sa.String(26), nullable=True))
    op.create_index("ix_jobs_user_state_created", "jobs", ["user_id", "state", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_jobs_user_state_created", table_name="jobs")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("device_id")
    with op.batch_alter_table("queues") as batch:
        batch.drop_column("held_job_lifetime_seconds")
