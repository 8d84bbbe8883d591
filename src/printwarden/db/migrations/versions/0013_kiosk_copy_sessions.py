"""kiosk copy sessions counted by SNMP

- ``devices.snmp_profile`` (default ``generic``): which counters a copy session reads;
- table ``kiosk_copy_sessions``: a copy session opened at a kiosk, its two counter
  readings, and what it charged or why it was flagged for an operator.

Revision ID: 0013_kiosk_copy_sessions
Revises: 0012_release_on_sign_in
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from printwarden.db.types import UtcDateTime

revision = "0013_kiosk_copy_sessions"
down_revision = "0012_release_on_sign_in"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("devices") as batch:
        batch.add_column(sa.Column("snmp_profile", sa.String(40), nullable=False,
                                   server_default="generic"))
    with op.batch_alter_table("devices") as batch:
        batch.alter_column("snmp_profile", server_default=None)
    op.create_table(
        "kiosk_copy_sessions",
        sa.Column("id", sa.String(26), nullable=False),
        sa.Column("device_id", sa.String(26), nullable=False),
        sa.Column("open_device_id", sa.String(26), nullable=True),
        sa.Column("user_id", sa.String(26), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("profile", sa.String(40), nullable=False),
        sa.Column("opened_at", UtcDateTime(), nullable=False),
        sa.Column("last_seen_at", UtcDateTime(), nullable=False),
        sa.Column("closed_at", UtcDateTime(), nullable=True),
        sa.Column("close_reason", sa.String(20), nullable=True),
        sa.Column("reservation_id", sa.String(26), nullable=False),
        sa.Column("price_list_id", sa.String(26), nullable=False),
        sa.Column("limit_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("start_total", sa.BigInteger(), nullable=False),
        sa.Column("start_mono", sa.BigInteger(), nullable=True),
        sa.Column("start_colour", sa.BigInteger(), nullable=True),
        sa.Column("start_uptime", sa.BigInteger(), nullable=False),
        sa.Column("start_read_at", UtcDateTime(), nullable=False),
        sa.Column("end_total", sa.BigInteger(), nullable=True),
        sa.Column("end_mono", sa.BigInteger(), nullable=True),
        sa.Column("end_colour", sa.BigInteger(), nullable=True),
        sa.Column("end_uptime", sa.BigInteger(), nullable=True),
        sa.Column("end_read_at", UtcDateTime(), nullable=True),
        sa.Column("released_mono", sa.Integer(), nullable=True),
        sa.Column("released_colour", sa.Integer(), nullable=True),
        sa.Column("mono_pages", sa.Integer(), nullable=True),
        sa.Column("colour_pages", sa.Integer(), nullable=True),
        sa.Column("charged_minor", sa.BigInteger(), nullable=True),
        sa.Column("flag_reason", sa.String(40), nullable=True),
        sa.Column("flag_detail", sa.String(500), nullable=True),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"],
                                name=op.f("fk_kiosk_copy_sessions_device_id_devices")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kiosk_copy_sessions")),
        sa.UniqueConstraint("open_device_id",
                            name=op.f("uq_kiosk_copy_sessions_open_device_id")),
    )
    for column in ("device_id", "user_id", "state"):
        op.create_index(f"ix_kiosk_copy_sessions_{column}", "kiosk_copy_sessions", [column])


def downgrade() -> None:
    for column in ("state", "user_id", "device_id"):
        op.drop_index(f"ix_kiosk_copy_sessions_{column}", table_name="kiosk_copy_sessions")
    op.drop_table("kiosk_copy_sessions")
    with op.batch_alter_table("devices") as batch:
        batch.drop_column("snmp_profile")
