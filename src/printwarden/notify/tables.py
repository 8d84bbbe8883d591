"""Notify tables: the notices the pop-up shows a user."""

from __future__ import annotations

import sqlalchemy as sa

from printwarden.db.metadata import ID_LENGTH, metadata
from printwarden.db.types import UtcDateTime

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
