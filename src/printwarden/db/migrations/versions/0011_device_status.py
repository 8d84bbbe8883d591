"""device status: each device's last known status as its agent reports it

- table ``device_statuses`` (one row per device, deleted with the device): state
  idle/processing/stopped, printer-state-reasons, message, when the server received it.

Revision ID: 0011_device_status
Revises: 0010_terminals
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from printwarden.db.types import UtcDateTime

revision = "0011_device_status"
down_revision = "0010_terminals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "device_statuses",
        sa.Column("device_id", sa.String(26),
                  sa.ForeignKey("devices.id", name=op.f("fk_device_statuses_device_id_devices"),
                                ondelete="CASCADE"), nullable=False),
        sa.Column("agent_id", sa.String(26), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("message", sa.String(500), nullable=False),
        sa.Column("reported_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("device_id", name=op.f("pk_device_statuses")),
    )


def downgrade() -> None:
    op.drop_table("device_statuses")
