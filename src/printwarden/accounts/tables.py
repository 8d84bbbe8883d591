"""Accounts tables: users, cards, user groups and memberships, API tokens.

Secrets are never stored in clear: ``password_hash`` is argon2id; ``pin_hash``,
``legacy_pin_hash``, ``id_number_hash`` and ``cards.number_hash`` are HMAC-SHA256 under
the server key (``accounts/credentials.py`` says of what); ``token_hash`` is sha256.

A PIN goes with a card or a username and need not be unique; an ID number identifies its
user alone and is unique. ``legacy_pin_hash`` holds a print code written before
migration 0008: it is the user's PIN until his next successful sign-in with it replaces
it by a ``pin_hash`` (a user has one or the other, never both).
"""

from __future__ import annotations

import sqlalchemy as sa

from printwarden.db.metadata import ID_LENGTH, metadata
from printwarden.db.types import UtcDateTime, id_column

users = sa.Table(
    "users",
    metadata,
    id_column(primary_key=True),
    sa.Column("username", sa.String(64), nullable=False),
    sa.Column("username_key", sa.String(64), nullable=False, unique=True),
    sa.Column("full_name", sa.String(200), nullable=False, server_default=""),
    sa.Column("email", sa.String(254), nullable=False, server_default=""),
    sa.Column("department", sa.String(200), nullable=False, server_default=""),
    sa.Column("roles", sa.String(100), nullable=False, server_default="user"),
    sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("password_hash", sa.String(255), nullable=True),
    sa.Column("pin_hash", sa.String(64), nullable=True),
    sa.Column("legacy_pin_hash", sa.String(64), nullable=True),
    sa.Column("id_number_hash", sa.String(64), nullable=True, unique=True),
)

cards = sa.Table(
    "cards",
    metadata,
    id_column(primary_key=True),
    sa.Column("user_id", sa.String(ID_LENGTH), sa.ForeignKey("users.id"), nullable=False,
              index=True),
    sa.Column("number_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("last4", sa.String(4), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
)

user_groups = sa.Table(
    "user_groups",
    metadata,
    id_column(primary_key=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("name_key", sa.String(100), nullable=False, unique=True),
    sa.Column("description", sa.String(500), nullable=False, server_default=""),
    sa.Column("created_at", UtcDateTime(), nullable=False),
)

group_members = sa.Table(
    "group_members",
    metadata,
    sa.Column("group_id", sa.String(ID_LENGTH), sa.ForeignKey("user_groups.id"),
              primary_key=True),
    sa.Column("user_id", sa.String(ID_LENGTH), sa.ForeignKey("users.id"), primary_key=True,
              index=True),
)

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    id_column(primary_key=True),
    sa.Column("user_id", sa.String(ID_LENGTH), sa.ForeignKey("users.id"), nullable=False,
              index=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("last_used_at", UtcDateTime(), nullable=True),
    sa.Column("revoked_at", UtcDateTime(), nullable=True),
)
