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
    #: The rule set's version (``policy_rule_set``) when this rule last changed.
    sa.Column("version", sa.BigInteger(), nullable=False),
)

#: One row (id 1): the rule set's version, bumped by every change to any rule (create,
#: update, move, delete) and never reused, so a cache keyed by it cannot mistake a new rule
#: set for an old one (a rule deleted and another created leave count and max version of
#: ``policy_rules`` as they were).
policy_rule_set = sa.Table(
    "policy_rule_set",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("version", sa.BigInteger(), nullable=False),
)
