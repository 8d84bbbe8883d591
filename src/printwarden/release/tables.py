"""Release tables: terminals (one per device) and their one-time enrolment codes."""

from __future__ import annotations

import sqlalchemy as sa

from printwarden.db.metadata import ID_LENGTH, metadata
from printwarden.db.types import UtcDateTime, id_column

#: A terminal is bound to one device (``device_id`` unique): enrolling again at a device
#: rotates that terminal's token, so a device never has two live terminals.
terminals = sa.Table(
    "terminals",
    metadata,
    id_column(primary_key=True),
    sa.Column("device_id", sa.String(ID_LENGTH), sa.ForeignKey("devices.id"),
              nullable=False, unique=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("hostname", sa.String(255), nullable=False),
    sa.Column("version", sa.String(50), nullable=False),
    sa.Column("enrolled_at", UtcDateTime(), nullable=False),
    sa.Column("last_seen_at", UtcDateTime(), nullable=True),
    sa.Column("status", sa.String(20), nullable=False),
)

terminal_codes = sa.Table(
    "terminal_codes",
    metadata,
    id_column(primary_key=True),
    sa.Column("device_id", sa.String(ID_LENGTH), sa.ForeignKey("devices.id"),
              nullable=False, index=True),
    sa.Column("code_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("expires_at", UtcDateTime(), nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("used_at", UtcDateTime(), nullable=True),
    sa.Column("used_by_terminal_id", sa.String(ID_LENGTH), sa.ForeignKey("terminals.id"),
              nullable=True),
)
