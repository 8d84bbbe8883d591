"""Jobs tables: the job (metadata only), its log of state transitions, its questions, and
the twin drops that found no job."""

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
    #: Why a held job is held: NULL for release (the release listing shows it),
    #: "question" (a rule asked its owner; it waits for the answer) or "approval" (an
    #: operator approves or refuses it). Only release holds are releasable.
    sa.Column("hold_reason", sa.String(20), nullable=True),
    #: Rule fees minus discounts on the job (``Job.fee_minor``).
    sa.Column("fee_minor", sa.BigInteger(), nullable=False, server_default="0"),
    #: Why an operator should look at the job (``Job.flag``); NULL: nothing.
    sa.Column("flag", sa.String(500), nullable=True),
    #: Printed by its agent while no server answered (tracker mode), reported later.
    sa.Column("offline", sa.Boolean(), nullable=False, server_default=sa.false()),
    #: The remote that authorized the job and sent it here once it ended (central's copy
    #: of a remote's job); NULL: this server's own job.
    sa.Column("origin_site", sa.String(100), nullable=True),
    #: A user's held jobs, oldest first (the release listing), from the index alone.
    sa.Index("ix_jobs_user_state_created", "user_id", "state", "created_at"),
    sa.Index("ix_jobs_offline_created", "offline", "created_at"),
    sa.UniqueConstraint("agent_id", "agent_job_key", name="uq_jobs_agent_id_agent_job_key"),
)

#: An agent's drop-twin that found no job of its key here (``JobService.drop_twin``): the
#: authorize the agent gave up on may still be on its way through this server, and the job
#: it makes is cancelled at once (a tombstone). Kept ``TWIN_DROP_DAYS`` (``store.py``).
job_twin_drops = sa.Table(
    "job_twin_drops",
    metadata,
    sa.Column("agent_id", sa.String(ID_LENGTH), primary_key=True),
    sa.Column("agent_job_key", sa.String(100), primary_key=True),
    #: The other server's job the agent follows.
    sa.Column("followed_job_id", sa.String(ID_LENGTH), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False, index=True),
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

#: One row per question a rule asked about a job (``question_model.py``). The options are
#: a JSON list of ``{"key", "label", "cost_minor"}``.
job_questions = sa.Table(
    "job_questions",
    metadata,
    id_column(primary_key=True),
    sa.Column("job_id", sa.String(ID_LENGTH), sa.ForeignKey("jobs.id"), nullable=False,
              index=True),
    sa.Column("user_id", sa.String(ID_LENGTH), nullable=False),
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
    #: A user's open questions (the pop-up), and the due ones (the deadline sweep).
    sa.Index("ix_job_questions_user_state", "user_id", "state"),
    sa.Index("ix_job_questions_state_deadline", "state", "deadline"),
)
