"""terminals: one per device, with one-time enrolment codes

Revision ID: 0010_terminals
Revises: 0009_release_holds
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from printwarden.db.types import UtcDateTime

revision = "0010_terminals"
down_revision = "0009_release_holds"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "terminals",
        sa.Column("id", sa.String(26), primary_key=True),
        sa.Column("device_id", sa.String(26), sa.ForeignKey("devices.id"), nullable=False,
                  unique=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("hostname", sa.String(255), nullable=False),
        sa.Column("version", sa.String(50), nullable=False),
        sa.Column("enrolled_at", UtcDateTime(), nullable=False),
        sa.Column("last_seen_at", UtcDateTime(), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
    )
    op.create_table(
        "terminal_codes",
        sa.Column("id", sa.String(26), primary_key=True),
        sa.Column("device_id", sa.String(26), sa.ForeignKey("devices.id"), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("used_at", UtcDateTime(), nullable=True),
        sa.Column("used_by_terminal_id", sa.String(26), sa.ForeignKey("terminals.id"),
                  nullable=True),
    )
    op.create_index("ix_terminal_codes_device_id", "terminal_codes", ["device_id"])


def downgrade() -> None:
    op.drop_index("ix_terminal_codes_device_id", table_name="terminal_codes")
    op.drop_table("terminal_codes")
    op.drop_table("terminals")
