"""Ledger tables. ``ledger_entries`` is append-only: no statement in this package updates
or deletes an entry (a test greps the sources for it). Balances and reservations are
materialised on ``ledger_accounts`` in the same transaction as the entries.
"""

from __future__ import annotations

import sqlalchemy as sa

from printwarden.db.metadata import ID_LENGTH, metadata
from printwarden.db.types import UtcDateTime, id_column

ledger_accounts = sa.Table(
    "ledger_accounts",
    metadata,
    id_column(primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("limited", sa.Boolean(), nullable=False, server_default=sa.true()),
    sa.Column("overdraft_minor", sa.BigInteger(), nullable=False, server_default="0"),
    sa.Column("balance_minor", sa.BigInteger(), nullable=False, server_default="0"),
    sa.Column("reserved_minor", sa.BigInteger(), nullable=False, server_default="0"),
    sa.Column("owner_user_id", sa.String(ID_LENGTH), sa.ForeignKey("users.id"), nullable=True,
              index=True),
    sa.Column("group_id", sa.String(ID_LENGTH), sa.ForeignKey("user_groups.id"), nullable=True,
              index=True),
    #: "personal:<user>", "credit:<user>", "group:<group>": one such account each; NULL
    #: for shared accounts. Makes the lazy get-or-create race-safe.
    sa.Column("owner_key", sa.String(64), nullable=True, unique=True),
    sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    #: What a remote cut off from central may let the account spend (``balance``,
    #: ``limit``, ``deny``; ``ledger.model.offline_room``); replicated with the row.
    sa.Column("offline_credit", sa.String(8), nullable=False, server_default="balance"),
    sa.Column("offline_limit_minor", sa.BigInteger(), nullable=False, server_default="0"),
)

ledger_account_members = sa.Table(
    "ledger_account_members",
    metadata,
    sa.Column("account_id", sa.String(ID_LENGTH), sa.ForeignKey("ledger_accounts.id"),
              primary_key=True),
    sa.Column("user_id", sa.String(ID_LENGTH), sa.ForeignKey("users.id"), primary_key=True,
              index=True),
)

ledger_entries = sa.Table(
    "ledger_entries",
    metadata,
    id_column(primary_key=True),
    sa.Column("account_id", sa.String(ID_LENGTH), sa.ForeignKey("ledger_accounts.id"),
              nullable=False, index=True),
    sa.Column("amount_minor", sa.BigInteger(), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("job_id", sa.String(ID_LENGTH), nullable=True, index=True),
    sa.Column("reference", sa.String(200), nullable=True, index=True),
    sa.Column("idempotency_key", sa.String(200), nullable=False, unique=True),
    sa.Column("origin_site", sa.String(100), nullable=False, server_default="central"),
    sa.Column("created_at", UtcDateTime(), nullable=False, index=True),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("balance_after_minor", sa.BigInteger(), nullable=False),
    sa.Column("note", sa.String(1000), nullable=False, server_default=""),
)

ledger_reservations = sa.Table(
    "ledger_reservations",
    metadata,
    id_column(primary_key=True),
    sa.Column("job_id", sa.String(ID_LENGTH), nullable=False, index=True),
    sa.Column("user_id", sa.String(ID_LENGTH), nullable=False),
    sa.Column("amount_minor", sa.BigInteger(), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("idempotency_key", sa.String(200), nullable=False, unique=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("closed_at", UtcDateTime(), nullable=True),
    sa.Column("charged_minor", sa.BigInteger(), nullable=True),
    sa.Column("uncollected_minor", sa.BigInteger(), nullable=True),
)

ledger_reservation_parts = sa.Table(
    "ledger_reservation_parts",
    metadata,
    sa.Column("reservation_id", sa.String(ID_LENGTH), sa.ForeignKey("ledger_reservations.id"),
              primary_key=True),
    sa.Column("position", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("account_id", sa.String(ID_LENGTH), sa.ForeignKey("ledger_accounts.id"),
              nullable=False, index=True),
    sa.Column("amount_minor", sa.BigInteger(), nullable=False),
)

ledger_charge_policy = sa.Table(
    "ledger_charge_policy",
    metadata,
    sa.Column("version", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("source_order", sa.String(100), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
)

ledger_price_lists = sa.Table(
    "ledger_price_lists",
    metadata,
    id_column(primary_key=True),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("per_job_fee_minor", sa.BigInteger(), nullable=False, server_default="0"),
    sa.Column("rules", sa.JSON(), nullable=False),
    sa.Column("is_default", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
)

ledger_quota_schedules = sa.Table(
    "ledger_quota_schedules",
    metadata,
    id_column(primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("target_kind", sa.String(16), nullable=False),
    sa.Column("target_id", sa.String(ID_LENGTH), nullable=True),
    sa.Column("amount_minor", sa.BigInteger(), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("mode", sa.String(8), nullable=False),
    sa.Column("cap_minor", sa.BigInteger(), nullable=True),
    sa.Column("period", sa.String(8), nullable=False),
    sa.Column("weekday", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("day_of_month", sa.Integer(), nullable=False, server_default="1"),
    sa.Column("every_days", sa.Integer(), nullable=False, server_default="1"),
    sa.Column("anchor", sa.Date(), nullable=True),
    sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    #: The remote that runs this schedule (``QuotaSchedule.delegated_to``); NULL: central.
    sa.Column("delegated_to", sa.String(100), nullable=True),
)

ledger_allocation_runs = sa.Table(
    "ledger_allocation_runs",
    metadata,
    id_column(primary_key=True),
    sa.Column("schedule_id", sa.String(ID_LENGTH), sa.ForeignKey("ledger_quota_schedules.id"),
              nullable=False),
    sa.Column("period_key", sa.String(40), nullable=False),
    sa.Column("ran_at", UtcDateTime(), nullable=False),
    sa.Column("accounts", sa.Integer(), nullable=False),
    sa.Column("total_minor", sa.BigInteger(), nullable=False),
    sa.UniqueConstraint("schedule_id", "period_key"),
)

#: The idempotency keys callers gave for direct postings (top-up, refund, adjustment,
#: transfer), with what each asked for: a key given again with another request (amount,
#: account, operation, note, reference) is refused instead of answering the first entry.
ledger_request_keys = sa.Table(
    "ledger_request_keys",
    metadata,
    sa.Column("key", sa.String(150), primary_key=True),
    sa.Column("operation", sa.String(16), nullable=False),
    sa.Column("request", sa.JSON(), nullable=False),
    sa.Column("entry_ids", sa.String(200), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
)
