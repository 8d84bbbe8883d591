"""Policy tables: the print rules, in order."""

from __future__ import annotations

import sqlalchemy as sa

from printwarden.db.metadata import metadata
from printwarden.db.types import UtcDateTime, id_column

#: One row per rule. ``position`` orders evaluation (0 first; kept dense by the service);
#: ``conditions`` and ``actions`` hold the checked JSON of ``model.py`` (``conditions_json``,
#: ``action_json``), never anything a rule was not validated with.
policy_rules = sa.Table(
    "policy_rules",
    metadata,
    id_column(primary_key=True),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    sa.Column("position", sa.Integer(), nullable=False),
    sa.Column("enabled", sa.Boolean(), nullable=False),
    sa.Column("scope_kind", sa.String(20), nullable=False),
    sa.Column("scope_value", sa.String(200), nullable=False),
    sa.Column("conditions", sa.JSON(), nullable=False),
    sa.Column("actions", sa.JSON(), nullable=False),
    sa.Column("stop", sa.Boolean(), nullable=False),
    sa.Column("description", sa.String(500), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    #: Bumped on every change: evaluators cache compiled rules by (count, max version).
    sa.Column("version", sa.BigInteger(), nullable=False),
)
