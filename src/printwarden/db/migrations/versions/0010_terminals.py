"""terminals: one per device, with one-time enrolment codes; terminal sessions and copy
reports

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
    op.create_table(
        "terminal_sessions",
        sa.Column("id", sa.String(26), primary_key=True),
        sa.Column("terminal_id", sa.String(26), sa.ForeignKey("terminals.id"),
                  nullable=False),
        sa.Column("device_id", sa.String(26), nullable=False),
        sa.Column("user_id", sa.String(26), nullable=False),
        sa.Column("opened_at", UtcDateTime(), nullable=False),
        sa.Column("last_seen_at", UtcDateTime(), nullable=False),
        sa.Column("ended_at", UtcDateTime(), nullable=True),
        sa.Column("end_reason", sa.String(40), nullable=True),
        sa.Column("copy_state", sa.String(10), nullable=False),
        sa.Column("copy_reservation_id", sa.String(26), nullable=True),
        sa.Column("copy_price_list_id", sa.String(26), nullable=True),
        sa.Column("copy_limit_minor", sa.BigInteger(), nullable=True),
        sa.Column("copy_cost_minor", sa.BigInteger(), nullable=False),
        sa.Column("copy_charged_minor", sa.BigInteger(), nullable=True),
        sa.Column("copy_last_seq", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
    )
    op.create_index("ix_terminal_sessions_terminal_id", "terminal_sessions", ["terminal_id"])
    op.create_index("ix_terminal_sessions_user_id", "terminal_sessions", ["user_id"])
    op.create_table(
        "copy_reports",
        sa.Column("session_id", sa.String(26), sa.ForeignKey("terminal_sessions.id"),
                  primary_key=True),
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("color_pages", sa.Integer(), nullable=False),
        sa.Column("media", sa.String(100), nullable=False),
        sa.Column("duplex", sa.Boolean(), nullable=False),
        sa.Column("cost_minor", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("copy_reports")
    op.drop_index("ix_terminal_sessions_user_id", table_name="terminal_sessions")
    op.drop_index("ix_terminal_sessions_terminal_id", table_name="terminal_sessions")
    op.drop_table("terminal_sessions")
    op.drop_index("ix_terminal_codes_device_id", table_name="terminal_codes")
    op.drop_table("terminal_codes")
    op.drop_table("terminals")
