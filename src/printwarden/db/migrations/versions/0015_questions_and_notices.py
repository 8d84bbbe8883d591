"""questions and notices: what a rule asks the person who printed, what the pop-up shows

- table ``job_questions`` (a rule's question about a job, its options, default, deadline
  and answer);
- column ``jobs.hold_reason`` (NULL: held for release; "question" or "approval");
- table ``user_notices`` (the pop-up's notices, read by id cursor).

Revision ID: 0015_questions_and_notices
Revises: 0014_device_supplies
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from printwarden.db.types import UtcDateTime

revision = "0015_questions_and_notices"
down_revision = "0014_device_supplies"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("hold_reason", sa.String(20), nullable=True))
    op.create_table(
        "job_questions",
        sa.Column("id", sa.String(26), primary_key=True),
        sa.Column("job_id", sa.String(26), sa.ForeignKey("jobs.id"), nullable=False,
                  index=True),
        sa.Column("user_id", sa.String(26), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("text", sa.String(1000), nullable=False),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("default_answer", sa.String(200), nullable=False),
        sa.Column("deadline", UtcDateTime(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("cost_minor", sa.BigInteger(), nullable=True),
        sa.Column("balance_minor", sa.BigInteger(), nullable=True),
        sa.Column("rule", sa.String(200), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("answer", sa.String(200), nullable=True),
        sa.Column("answered_by", sa.String(20), nullable=True),
        sa.Column("answered_at", UtcDateTime(), nullable=True),
    )
    op.create_index("ix_job_questions_user_state", "job_questions", ["user_id", "state"])
    op.create_index("ix_job_questions_state_deadline", "job_questions", ["state", "deadline"])
    op.create_table(
        "user_notices",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.String(26), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("text", sa.String(1000), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_user_notices_user_id_id", "user_notices", ["user_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_user_notices_user_id_id", "user_notices")
    op.drop_table("user_notices")
    op.drop_index("ix_job_questions_state_deadline", "job_questions")
    op.drop_index("ix_job_questions_user_state", "job_questions")
    op.drop_table("job_questions")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("hold_reason")
