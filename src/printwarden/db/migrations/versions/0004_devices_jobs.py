"""devices and jobs: agents, enrolment codes, printer groups, printers, agent events, jobs

Revision ID: 0004_devices_jobs
Revises: 0003_ledger
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from printwarden.db.types import UtcDateTime

revision = "0004_devices_jobs"
down_revision = "0003_ledger"
branch_labels = None
depends_on = None

ID = sa.String(26)


def upgrade() -> None:
    op.create_table(
        "agents",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("hostname", sa.String(255), nullable=False),
        sa.Column("version", sa.String(50), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("enrolled_at", UtcDateTime(), nullable=False),
        sa.Column("last_seen_at", UtcDateTime(), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agents")),
        sa.UniqueConstraint("name", name=op.f("uq_agents_name")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_agents_token_hash")),
    )
    op.create_table(
        "enrolment_codes",
        sa.Column("id", ID, nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("used_at", UtcDateTime(), nullable=True),
        sa.Column("used_by_agent_id", ID, nullable=True),
        sa.ForeignKeyConstraint(["used_by_agent_id"], ["agents.id"],
                                name=op.f("fk_enrolment_codes_used_by_agent_id_agents")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrolment_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_enrolment_codes_code_hash")),
    )
    op.create_table(
        "printer_groups",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("price_list_id", ID, nullable=True),
        sa.Column("description", sa.String(500), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_printer_groups")),
        sa.UniqueConstraint("name", name=op.f("uq_printer_groups_name")),
    )
    op.create_table(
        "printers",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("agent_id", ID, nullable=True),
        sa.Column("group_id", ID, nullable=True),
        sa.Column("price_list_id", ID, nullable=True),
        sa.Column("location", sa.String(200), nullable=False),
        sa.Column("description", sa.String(500), nullable=False),
        sa.Column("hold_for_release", sa.Boolean(), nullable=False),
        sa.Column("failure_policy", sa.String(20), nullable=False),
        sa.Column("device_uri", sa.String(500), nullable=False),
        sa.Column("color_capable", sa.Boolean(), nullable=False),
        sa.Column("duplex_capable", sa.Boolean(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["agent_id"], ["agents.id"],
                                name=op.f("fk_printers_agent_id_agents")),
        sa.ForeignKeyConstraint(["group_id"], ["printer_groups.id"],
                                name=op.f("fk_printers_group_id_printer_groups")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_printers")),
        sa.UniqueConstraint("name", name=op.f("uq_printers_name")),
    )
    op.create_index(op.f("ix_printers_agent_id"), "printers", ["agent_id"])
    op.create_index(op.f("ix_printers_group_id"), "printers", ["group_id"])
    op.create_table(
        "agent_events",
        sa.Column("id", ID, nullable=False),
        sa.Column("agent_id", ID, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["agent_id"], ["agents.id"],
                                name=op.f("fk_agent_events_agent_id_agents")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_events")),
    )
    op.create_index(op.f("ix_agent_events_agent_id"), "agent_events", ["agent_id"])
    op.create_index(op.f("ix_agent_events_created_at"), "agent_events", ["created_at"])
    _create_jobs()


def _create_jobs() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", ID, nullable=False),
        sa.Column("agent_id", ID, nullable=False),
        sa.Column("agent_job_key", sa.String(100), nullable=False),
        sa.Column("printer_id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=True),
        sa.Column("username", sa.String(200), nullable=False),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("document_format", sa.String(100), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=True),
        sa.Column("color_pages", sa.Integer(), nullable=True),
        sa.Column("copies", sa.Integer(), nullable=False),
        sa.Column("duplex", sa.Boolean(), nullable=False),
        sa.Column("media", sa.String(100), nullable=False),
        sa.Column("sheets", sa.Integer(), nullable=True),
        sa.Column("estimated_cost_minor", sa.BigInteger(), nullable=True),
        sa.Column("charged_cost_minor", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("reservation_id", ID, nullable=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("state_reason", sa.String(500), nullable=False),
        sa.Column("message", sa.String(1000), nullable=False),
        sa.Column("decision", sa.String(10), nullable=True),
        sa.Column("decision_detail", sa.JSON(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("completed_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["agent_id"], ["agents.id"], name=op.f("fk_jobs_agent_id_agents")),
        sa.ForeignKeyConstraint(["printer_id"], ["printers.id"],
                                name=op.f("fk_jobs_printer_id_printers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
        sa.UniqueConstraint("agent_id", "agent_job_key", name="uq_jobs_agent_id_agent_job_key"),
    )
    for column in ("printer_id", "user_id", "username", "state", "created_at"):
        op.create_index(op.f(f"ix_jobs_{column}"), "jobs", [column])
    op.create_table(
        "job_events",
        sa.Column("id", ID, nullable=False),
        sa.Column("job_id", ID, nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("from_state", sa.String(20), nullable=True),
        sa.Column("to_state", sa.String(20), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name=op.f("fk_job_events_job_id_jobs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_events")),
    )
    op.create_index(op.f("ix_job_events_job_id"), "job_events", ["job_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_job_events_job_id"), table_name="job_events")
    op.drop_table("job_events")
    for column in ("printer_id", "user_id", "username", "state", "created_at"):
        op.drop_index(op.f(f"ix_jobs_{column}"), table_name="jobs")
    op.drop_table("jobs")
    op.drop_index(op.f("ix_agent_events_created_at"), table_name="agent_events")
    op.drop_index(op.f("ix_agent_events_agent_id"), table_name="agent_events")
    op.drop_table("agent_events")
    op.drop_index(op.f("ix_printers_group_id"), table_name="printers")
    op.drop_index(op.f("ix_printers_agent_id"), table_name="printers")
    op.drop_table("printers")
    op.drop_table("printer_groups")
    op.drop_table("enrolment_codes")
    op.drop_table("agents")
