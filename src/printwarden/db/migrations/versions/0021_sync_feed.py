"""replication: the change feed (sync_changes and its triggers on every replicated table),
the feed's counters, site remotes

Revision ID: 0021_sync_feed
Revises: 0020_tracker_offline_jobs
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from printwarden.db.sync_triggers import TriggerSpec, install, uninstall
from printwarden.db.types import UtcDateTime

revision = "0021_sync_feed"
down_revision = "0020_tracker_offline_jobs"
branch_labels = None
depends_on = None

_ID = ("id",)
#: The tables replicated as of this revision (``sync/replicated.py`` then), frozen here.
SPECS = (
    TriggerSpec("users", _ID),
    TriggerSpec("user_groups", _ID),
    TriggerSpec("group_members", ("group_id", "user_id")),
    TriggerSpec("cards", _ID),
    TriggerSpec("api_tokens", _ID, ("id", "user_id", "name", "token_hash", "created_at",
                                    "revoked_at")),
    TriggerSpec("ledger_accounts", _ID),
    TriggerSpec("ledger_account_members", ("account_id", "user_id")),
    TriggerSpec("ledger_charge_policy", ("version",)),
    TriggerSpec("ledger_price_lists", _ID),
    TriggerSpec("ledger_quota_schedules", _ID),
    TriggerSpec("agents", _ID, ("id", "name", "hostname", "version", "token_hash",
                                "enrolled_at", "status")),
    TriggerSpec("printer_groups", _ID),
    TriggerSpec("devices", _ID),
    TriggerSpec("release_groups", _ID),
    TriggerSpec("release_group_members", ("release_group_id", "device_id")),
    TriggerSpec("queues", _ID),
    TriggerSpec("terminals", _ID, ("id", "device_id", "token_hash", "hostname", "version",
                                   "enrolled_at", "status")),
    TriggerSpec("policy_rules", _ID),
    TriggerSpec("policy_rule_set", _ID),
)


def upgrade() -> None:
    op.create_table(
        "sync_changes",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  primary_key=True, autoincrement=True),
        sa.Column("version", sa.BigInteger(), nullable=True, unique=True),
        sa.Column("txid", sa.BigInteger(), nullable=True),
        sa.Column("table_name", sa.String(64), nullable=False),
        sa.Column("row_key", sa.String(500), nullable=False),
        sa.Column("op", sa.String(1), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "sync_state",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("value", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "sync_remotes",
        sa.Column("id", sa.String(26), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("code_hash", sa.String(64), nullable=True, unique=True),
        sa.Column("code_expires_at", UtcDateTime(), nullable=True),
        sa.Column("token_hash", sa.String(64), nullable=True, unique=True),
        sa.Column("hostname", sa.String(255), nullable=False, server_default=""),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("enrolled_at", UtcDateTime(), nullable=True),
        sa.Column("last_contact_at", UtcDateTime(), nullable=True),
        sa.Column("acked_version", sa.BigInteger(), nullable=True),
    )
    # the rows the sequencer locks to run alone (they must exist before the first run)
    op.execute("INSERT INTO sync_state (name, value) VALUES ('head', 0), ('pruned_through', 0)")
    install(op.get_bind(), SPECS)


def downgrade() -> None:
    uninstall(op.get_bind(), SPECS)
    op.drop_table("sync_remotes")
    op.drop_table("sync_state")
    op.drop_table("sync_changes")
