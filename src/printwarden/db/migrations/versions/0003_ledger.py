"""ledger: accounts, members, entries, reservations, charge policy, prices, quotas

Revision ID: 0003_ledger
Revises: 0002_accounts
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from printwarden.db.types import UtcDateTime

revision = "0003_ledger"
down_revision = "0002_accounts"
branch_labels = None
depends_on = None

ID = sa.String(26)


def upgrade() -> None:
    op.create_table(
        "ledger_accounts",
        sa.Column("id", ID, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("limited", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("overdraft_minor", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("balance_minor", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("reserved_minor", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("owner_user_id", ID, nullable=True),
        sa.Column("group_id", ID, nullable=True),
        sa.Column("owner_key", sa.String(64), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["owner_user_id"], ["users.id"],
                                name=op.f("fk_ledger_accounts_owner_user_id_users")),
        sa.ForeignKeyConstraint(["group_id"], ["user_groups.id"],
                                name=op.f("fk_ledger_accounts_group_id_user_groups")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_accounts")),
        sa.UniqueConstraint("owner_key", name=op.f("uq_ledger_accounts_owner_key")),
    )
    op.create_index(op.f("ix_ledger_accounts_owner_user_id"), "ledger_accounts",
                    ["owner_user_id"])
    op.create_index(op.f("ix_ledger_accounts_group_id"), "ledger_accounts", ["group_id"])
    op.create_table(
        "ledger_account_members",
        sa.Column("account_id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["ledger_accounts.id"],
                                name=op.f("fk_ledger_account_members_account_id_ledger_accounts")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_ledger_account_members_user_id_users")),
        sa.PrimaryKeyConstraint("account_id", "user_id", name=op.f("pk_ledger_account_members")),
    )
    op.create_index(op.f("ix_ledger_account_members_user_id"), "ledger_account_members",
                    ["user_id"])
    op.create_table(
        "ledger_entries",
        sa.Column("id", ID, nullable=False),
        sa.Column("account_id", ID, nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("job_id", ID, nullable=True),
        sa.Column("reference", sa.String(200), nullable=True),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("origin_site", sa.String(100), server_default="central", nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("balance_after_minor", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.String(1000), server_default="", nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["ledger_accounts.id"],
                                name=op.f("fk_ledger_entries_account_id_ledger_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entries")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_ledger_entries_idempotency_key")),
    )
    op.create_index(op.f("ix_ledger_entries_account_id"), "ledger_entries", ["account_id"])
    op.create_index(op.f("ix_ledger_entries_job_id"), "ledger_entries", ["job_id"])
    op.create_index(op.f("ix_ledger_entries_reference"), "ledger_entries", ["reference"])
    op.create_index(op.f("ix_ledger_entries_created_at"), "ledger_entries", ["created_at"])
    op.create_table(
        "ledger_reservations",
        sa.Column("id", ID, nullable=False),
        sa.Column("job_id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("closed_at", UtcDateTime(), nullable=True),
        sa.Column("charged_minor", sa.BigInteger(), nullable=True),
        sa.Column("uncollected_minor", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_reservations")),
        sa.UniqueConstraint("idempotency_key",
                            name=op.f("uq_ledger_reservations_idempotency_key")),
    )
    op.create_index(op.f("ix_ledger_reservations_job_id"), "ledger_reservations", ["job_id"])
    op.create_table(
        "ledger_reservation_parts",
        sa.Column("reservation_id", ID, nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("account_id", ID, nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["reservation_id"], ["ledger_reservations.id"],
            name=op.f("fk_ledger_reservation_parts_reservation_id_ledger_reservations")),
        sa.ForeignKeyConstraint(
            ["account_id"], ["ledger_accounts.id"],
            name=op.f("fk_ledger_reservation_parts_account_id_ledger_accounts")),
        sa.PrimaryKeyConstraint("reservation_id", "position",
                                name=op.f("pk_ledger_reservation_parts")),
    )
    op.create_index(op.f("ix_ledger_reservation_parts_account_id"), "ledger_reservation_parts",
                    ["account_id"])
    op.create_table(
        "ledger_charge_policy",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("source_order", sa.String(100), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_ledger_charge_policy")),
    )
    op.create_table(
        "ledger_price_lists",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("per_job_fee_minor", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("is_default", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_price_lists")),
        sa.UniqueConstraint("name", name=op.f("uq_ledger_price_lists_name")),
    )
    op.create_table(
        "ledger_quota_schedules",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("target_kind", sa.String(16), nullable=False),
        sa.Column("target_id", ID, nullable=True),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("mode", sa.String(8), nullable=False),
        sa.Column("cap_minor", sa.BigInteger(), nullable=True),
        sa.Column("period", sa.String(8), nullable=False),
        sa.Column("weekday", sa.Integer(), server_default="0", nullable=False),
        sa.Column("day_of_month", sa.Integer(), server_default="1", nullable=False),
        sa.Column("every_days", sa.Integer(), server_default="1", nullable=False),
        sa.Column("anchor", sa.Date(), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_quota_schedules")),
    )
    op.create_table(
        "ledger_allocation_runs",
        sa.Column("id", ID, nullable=False),
        sa.Column("schedule_id", ID, nullable=False),
        sa.Column("period_key", sa.String(40), nullable=False),
        sa.Column("ran_at", UtcDateTime(), nullable=False),
        sa.Column("accounts", sa.Integer(), nullable=False),
        sa.Column("total_minor", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["schedule_id"], ["ledger_quota_schedules.id"],
            name=op.f("fk_ledger_allocation_runs_schedule_id_ledger_quota_schedules")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_allocation_runs")),
        sa.UniqueConstraint("schedule_id", "period_key",
                            name=op.f("uq_ledger_allocation_runs_schedule_id")),
    )


def downgrade() -> None:
    op.drop_table("ledger_allocation_runs")
    op.drop_table("ledger_quota_schedules")
    op.drop_table("ledger_price_lists")
    op.drop_table("ledger_charge_policy")
    op.drop_index(op.f("ix_ledger_reservation_parts_account_id"),
                  table_name="ledger_reservation_parts")
    op.drop_table("ledger_reservation_parts")
    op.drop_index(op.f("ix_ledger_reservations_job_id"), table_name="ledger_reservations")
    op.drop_table("ledger_reservations")
    for column in ("created_at", "reference", "job_id", "account_id"):
        op.drop_index(op.f(f"ix_ledger_entries_{column}"), table_name="ledger_entries")
    op.drop_table("ledger_entries")
    op.drop_index(op.f("ix_ledger_account_members_user_id"), table_name="ledger_account_members")
    op.drop_table("ledger_account_members")
    op.drop_index(op.f("ix_ledger_accounts_group_id"), table_name="ledger_accounts")
    op.drop_index(op.f("ix_ledger_accounts_owner_user_id"), table_name="ledger_accounts")
    op.drop_table("ledger_accounts")
