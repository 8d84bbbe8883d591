"""policy rules: the ordered print rules (scope, conditions, actions, stop)

- table ``policy_rules``;
- column ``jobs.fee_minor`` (rule fees minus discounts, charged with what printed).

Revision ID: 0016_policy_rules
Revises: 0015_questions_and_notices
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from printwarden.db.types import UtcDateTime

revision = "0016_policy_rules"
down_revision = "0015_questions_and_notices"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("fee_minor", sa.BigInteger(), nullable=False,
                                   server_default="0"))
    op.create_table(
        "policy_rules",
        sa.Column("id", sa.String(26), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("scope_kind", sa.String(20), nullable=False),
        sa.Column("scope_value", sa.String(200), nullable=False),
        sa.Column("conditions", sa.JSON(), nullable=False),
        sa.Column("actions", sa.JSON(), nullable=False),
        sa.Column("stop", sa.Boolean(), nullable=False),
        sa.Column("description", sa.String(500), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("policy_rules")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("fee_minor")
