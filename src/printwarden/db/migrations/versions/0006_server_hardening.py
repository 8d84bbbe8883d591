"""server hardening: idempotency requests of direct postings, enrolment codes per agent

- ``ledger_request_keys`` remembers each caller key of a top-up, refund, adjustment or
  transfer with its request, so the same key with another request is refused (409);
- ``enrolment_codes.for_agent_id`` binds a code to the one existing agent it may re-enrol.

Revision ID: 0006_server_hardening
Revises: 0005_queue_policies
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from printwarden.db.types import UtcDateTime

revision = "0006_server_hardening"
down_revision = "0005_queue_policies"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger_request_keys",
        sa.Column("key", sa.String(150), nullable=False),
        sa.Column("operation", sa.String(16), nullable=False),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("entry_ids", sa.String(200), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_ledger_request_keys")),
    )
    with op.batch_alter_table("enrolment_codes") as batch:
        batch.add_column(sa.Column("for_agent_id", sa.String(26), nullable=True))
        batch.create_foreign_key(op.f("fk_enrolment_codes_for_agent_id_agents"), "agents",
                                 ["for_agent_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("enrolment_codes") as batch:
        batch.drop_constraint(op.f("fk_enrolment_codes_for_agent_id_agents"),
                              type_="foreignkey")
        batch.drop_column("for_agent_id")
    op.drop_table("ledger_request_keys")
