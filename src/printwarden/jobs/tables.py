"""Jobs tables: the job (metadata only) and its log of state transitions."""

from __future__ import annotations

import sqlalchemy as sa

from printwarden.db.metadata import ID_LENGTH, metadata
from printwarden.db.types import UtcDateTime, id_column

jobs = sa.Table(
    "jobs",
    metadata,
    id_column(primary_key=True),
    sa.Column("agent_id", sa.String(ID_LENGTH), sa.ForeignKey("agents.id"), nullable=False),
    sa.Column("agent_job_key", sa.String(100), nullable=False),
    #: The queue's id (the name dates from before queues and devices were split).
    sa.Column("printer_id", sa.String(ID_LENGTH), sa.ForeignKey("queues.id"), nullable=False,
              index=True),
    sa.Column("user_id", sa.String(ID_LENGTH), nullable=True, index=True),
    sa.Column("username", sa.String(200), nullable=False, index=True),
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
    sa.Column("reservation_id", sa.String(ID_LENGTH), nullable=True),
    sa.Column("state", sa.String(20), nullable=False, index=True),
    sa.Column("state_reason", sa.String(500), nullable=False),
    sa.Column("message", sa.String(1000), nullable=False),
    sa.Column("decision", sa.String(10), nullable=True),
    #: What authorize answered (cost lines, accounts charged, estimated) for retries.
    sa.Column("decision_detail", sa.JSON(), nullable=True),
    sa.Column("created_at", UtcDateTime(), nullable=False, index=True),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.Column("completed_at", UtcDateTime(), nullable=True),
    #: The device a held job was released to (completion charges its price).
    sa.Column("device_id", sa.String(ID_LENGTH), nullable=True),
    #: A user's held jobs, oldest first (the release listing), from the index alone.
    sa.Index("ix_jobs_user_state_created", "user_id", "state", "created_at"),
    sa.UniqueConstraint("agent_id", "agent_job_key", name="uq_jobs_agent_id_agent_job_key"),
)

job_events = sa.Table(
    "job_events",
    metadata,
    id_column(primary_key=True),
    sa.Column("job_id", sa.String(ID_LENGTH), sa.ForeignKey("jobs.id"), nullable=False,
              index=True),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Column("from_state", sa.String(20), nullable=True),
    sa.Column("to_state", sa.String(20), nullable=False),
    sa.Column("reason", sa.String(500), nullable=False),
)
