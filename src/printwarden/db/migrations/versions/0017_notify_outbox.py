"""notifications: the outbox (e-mails, webhook deliveries), webhook endpoints, e-mail
templates and settings, once-keys

Revision ID: 0017_notify_outbox
Revises: 0016_policy_rules
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from printwarden.db.types import UtcDateTime

revision = "0017_notify_outbox"
down_revision = "0016_policy_rules"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notify_outbox",
        sa.Column("id", sa.String(26), primary_key=True),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("event", sa.String(40), nullable=False),
        sa.Column("event_id", sa.String(26), nullable=False),
        sa.Column("endpoint_id", sa.String(26), nullable=True),
        sa.Column("recipient", sa.String(2000), nullable=False),
        sa.Column("subject", sa.String(500), nullable=False, server_default=""),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("next_attempt_at", UtcDateTime(), nullable=False),
        sa.Column("claimed_until", UtcDateTime(), nullable=True),
        sa.Column("last_error", sa.String(500), nullable=False, server_default=""),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("sent_at", UtcDateTime(), nullable=True),
    )
    op.create_index("ix_notify_outbox_state_next", "notify_outbox",
                    ["state", "next_attempt_at"])
    op.create_index("ix_notify_outbox_endpoint_created", "notify_outbox",
                    ["endpoint_id", "created_at"])
    op.create_table(
        "webhook_endpoints",
        sa.Column("id", sa.String(26), primary_key=True),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("secret", sa.String(200), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("description", sa.String(200), nullable=False, server_default=""),
        sa.Column("enabled", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "notify_templates",
        sa.Column("kind", sa.String(40), primary_key=True),
        sa.Column("subject", sa.String(500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "notify_settings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "notify_once",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("notify_once")
    op.drop_table("notify_settings")
    op.drop_table("notify_templates")
    op.drop_table("webhook_endpoints")
    op.drop_index("ix_notify_outbox_endpoint_created", table_name="notify_outbox")
    op.drop_index("ix_notify_outbox_state_next", table_name="notify_outbox")
    op.drop_table("notify_outbox")
