"""Notify tables: the pop-up's notices, the outbox of e-mails and webhook deliveries, the
webhook endpoints, the e-mail templates and settings, and the keys of what was said once.
"""

from __future__ import annotations

import sqlalchemy as sa

from printwarden.db.metadata import ID_LENGTH, metadata
from printwarden.db.types import UtcDateTime, id_column

#: One row per thing to tell a user in the pop-up (denied, low balance, printed...). The
#: integer id is the pop-up's cursor: a reconnecting pop-up asks for what follows the
#: last id it showed.
user_notices = sa.Table(
    "user_notices",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True,
              autoincrement=True),
    sa.Column("user_id", sa.String(ID_LENGTH), nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("text", sa.String(1000), nullable=False),
    sa.Column("data", sa.JSON(), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Index("ix_user_notices_user_id_id", "user_id", "id"),
)

#: One row per message to send (an e-mail or one webhook delivery), written in the
#: producer's transaction. ``id`` is the idempotency key: the webhook's
#: ``Printwarden-Delivery`` header, the e-mail's Message-ID. ``state`` is pending ->
#: sending (claimed by one sender until ``claimed_until``) -> sent | pending (retry at
#: ``next_attempt_at``) | dead (gave up after the last attempt; an admin may retry it).
notify_outbox = sa.Table(
    "notify_outbox",
    metadata,
    id_column(primary_key=True),
    sa.Column("channel", sa.String(10), nullable=False),
    sa.Column("event", sa.String(40), nullable=False),
    sa.Column("event_id", sa.String(ID_LENGTH), nullable=False),
    sa.Column("endpoint_id", sa.String(ID_LENGTH), nullable=True),
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
    sa.Index("ix_notify_outbox_state_next", "state", "next_attempt_at"),
    sa.Index("ix_notify_outbox_endpoint_created", "endpoint_id", "created_at"),
)

#: Where webhooks go. The secret signs every delivery (HMAC-SHA256); it is shown once,
#: at creation, and never read back through the API or the UI.
webhook_endpoints = sa.Table(
    "webhook_endpoints",
    metadata,
    id_column(primary_key=True),
    sa.Column("url", sa.String(2000), nullable=False),
    sa.Column("secret", sa.String(200), nullable=False),
    sa.Column("events", sa.JSON(), nullable=False),
    sa.Column("description", sa.String(200), nullable=False, server_default=""),
    sa.Column("enabled", sa.Boolean(), nullable=False, server_default=sa.true()),
    sa.Column("created_at", UtcDateTime(), nullable=False),
)

#: An administrator's version of an e-mail template (a kind without a row uses the
#: default in ``notify/template_defaults.py``).
notify_templates = sa.Table(
    "notify_templates",
    metadata,
    sa.Column("kind", sa.String(40), primary_key=True),
    sa.Column("subject", sa.String(500), nullable=False),
    sa.Column("body", sa.Text(), nullable=False),
    sa.Column("enabled", sa.Boolean(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
)

#: One row (``id`` = 1): the SMTP connection and the notification settings an admin
#: edits. The password is write-only (never answered by the API).
notify_settings = sa.Table(
    "notify_settings",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("config", sa.JSON(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
)

#: Keys of notifications that must go out at most once (``job.held_expiring:JOB``): an
#: ``emit_in`` with a ``once_key`` already here does nothing.
notify_once = sa.Table(
    "notify_once",
    metadata,
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
)
