"""policy rule set version: one row bumped by every rule change, never reused

Evaluators cached compiled rules by (count, max version) of ``policy_rules``, which a
delete followed by a create can bring back to an earlier value; ``policy_rule_set`` holds
a version that only grows.

Revision ID: 0018_policy_rule_set
Revises: 0017_notify_outbox
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018_policy_rule_set"
down_revision = "0017_notify_outbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "policy_rule_set",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
    )
    op.execute("INSERT INTO policy_rule_set (id, version) "
               "SELECT 1, COALESCE(MAX(version), 0) + 1 FROM policy_rules")


def downgrade() -> None:
    op.drop_table("policy_rule_set")
