"""Tables shared by every context: the admin audit log and scheduler leases."""

from __future__ import annotations

import sqlalchemy as sa

from printwarden.db.metadata import metadata
from printwarden.db.types import UtcDateTime, id_column

audit_log = sa.Table(
    "audit_log",
    metadata,
    id_column(primary_key=True),
    sa.Column("at", UtcDateTime(), nullable=False, index=True),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("action", sa.String(100), nullable=False),
    sa.Column("target", sa.String(200), nullable=False, server_default=""),
    sa.Column("detail", sa.JSON(), nullable=False),
)

leases = sa.Table(
    "leases",
    metadata,
    sa.Column("name", sa.String(100), primary_key=True),
    sa.Column("holder", sa.String(100), nullable=False),
    sa.Column("expires_at", UtcDateTime(), nullable=False),
)
