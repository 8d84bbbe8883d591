"""terminal request keys: the answer to a terminal request sent with an Idempotency-Key

Revision ID: 0019_terminal_request_keys
Revises: 0018_policy_rule_set
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from printwarden.db.types import UtcDateTime

revision = "0019_terminal_request_keys"
down_revision = "0018_policy_rule_set"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "terminal_request_keys",
        sa.Column("terminal_id", sa.String(26), sa.ForeignKey("terminals.id"),
                  primary_key=True),
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("answer", sa.JSON(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_terminal_request_keys_created_at", "terminal_request_keys",
                    ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_terminal_request_keys_created_at", "terminal_request_keys")
    op.drop_table("terminal_request_keys")
