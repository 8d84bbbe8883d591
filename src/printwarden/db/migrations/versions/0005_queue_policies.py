"""queue policies: owner check, document policy, job lifetime, lost-job charge

Existing direct queues now require IPP authentication (their owner was believed from
requesting-user-name); existing release queues establish the owner at release.

Revision ID: 0005_queue_policies
Revises: 0004_devices_jobs
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_queue_policies"
down_revision = "0004_devices_jobs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("printers") as batch:
        batch.add_column(sa.Column("owner_check", sa.String(20), nullable=False,
                                   server_default="authenticate"))
        batch.add_column(sa.Column("document_policy", sa.String(20), nullable=False,
                                   server_default="rewrite"))
        batch.add_column(sa.Column("job_lifetime_seconds", sa.Integer(), nullable=False,
                                   server_default="86400"))
        batch.add_column(sa.Column("lost_job_charge", sa.String(20), nullable=False,
                                   server_default="as-sent"))
    printers = sa.table("printers", sa.column("hold_for_release", sa.Boolean()),
                        sa.column("owner_check", sa.String(20)))
    op.execute(printers.update().where(printers.c.hold_for_release.is_(True))
               .values(owner_check="release"))
    # the columns carry no server default once filled: the application always sets them
    with op.batch_alter_table("printers") as batch:
        for column in ("owner_check", "document_policy", "job_lifetime_seconds",
                       "lost_job_charge"):
            batch.alter_column(column, server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("printers") as batch:
        for column in ("lost_job_charge", "job_lifetime_seconds", "document_policy",
                       "owner_check"):
            batch.drop_column(column)
