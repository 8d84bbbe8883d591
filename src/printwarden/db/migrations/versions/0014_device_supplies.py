"""device supplies: the supply levels an agent reports with a device's status

- column ``device_statuses.supplies`` (a JSON list of ``{"description", "percent",
  "condition"}``; existing rows read as no supplies reported).

Revision ID: 0014_device_supplies
Revises: 0013_kiosk_copy_sessions
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_device_supplies"
down_revision = "0013_kiosk_copy_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("device_statuses") as batch:
        batch.add_column(sa.Column("supplies", sa.JSON(), nullable=False,
                                   server_default=sa.text("'[]'")))


def downgrade() -> None:
    with op.batch_alter_table("device_statuses") as batch:
        batch.drop_column("supplies")
