"""PINs and ID numbers: the unique print code splits into a PIN and an ID number

- ``users.pin_hash`` (unique, HMAC of "pin:CODE") held a print code that identified its
  user alone. It becomes ``legacy_pin_hash``, no longer unique: the code stays the user's
  PIN, usable with his card or username only, never alone (a 4-8 digit code that names
  a user by itself is what this migration ends). Its first successful use re-stores it
  as a ``pin_hash`` bound to the user (the server holds the HMAC key; a migration does not).
- ``users.pin_hash`` (new, not unique): HMAC of "pin:USER_ID:PIN".
- ``users.id_number_hash`` (new, unique): HMAC of "id:NUMBER", the ID number that
  identifies a user alone.
- An audit line (``migration.print_codes``) says how many print codes became PINs (none
  on a database without any).

Downgrade: PINs still in their pre-0008 form become unique print codes again; PINs set or
re-stored since, and every ID number, cannot be turned back and are dropped (an audit
line counts them).

Revision ID: 0008_pins_id_numbers
Revises: 0007_devices_queues
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from printwarden.core.ids import new_id
from printwarden.db.types import UtcDateTime

revision = "0008_pins_id_numbers"
down_revision = "0007_devices_queues"
branch_labels = None
depends_on = None

_users = sa.table("users", sa.column("pin_hash", sa.String), sa.column("legacy_pin_hash",
                                                                         sa.String),
                  sa.column("id_number_hash", sa.String))
_audit = sa.table("audit_log", sa.column("id", sa.String), sa.column("at", UtcDateTime()),
                  sa.column("actor", sa.String), sa.column("action", sa.String),
                  sa.column("target", sa.String), sa.column("detail", sa.JSON))


def _count(condition: sa.ColumnElement[bool]) -> int:
    query = sa.select(sa.func.count()).select_from(_users).where(condition)
    return int(op.get_bind().execute(query).scalar_one())


def _audit_line(action: str, **detail: int) -> None:
    op.get_bind().execute(_audit.insert().values(
        id=new_id(), at=datetime.now(UTC), actor="migration", action=action, target="",
        detail=detail))


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(op.f("uq_users_pin_hash"), type_="unique")
        batch.alter_column("pin_hash", new_column_name="legacy_pin_hash",
                           existing_type=sa.String(64), existing_nullable=True)
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("pin_hash", sa.String(64), nullable=True))
        batch.add_column(sa.Column("id_number_hash", sa.String(64), nullable=True))
        batch.create_unique_constraint(op.f("uq_users_id_number_hash"), ["id_number_hash"])
    kept = _count(_users.c.legacy_pin_hash.is_not(None))
    if kept:
        _audit_line("migration.print_codes", kept_as_pin=kept)


def downgrade() -> None:
    dropped_pins = _count(_users.c.pin_hash.is_not(None))
    dropped_ids = _count(_users.c.id_number_hash.is_not(None))
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(op.f("uq_users_id_number_hash"), type_="unique")
        batch.drop_column("id_number_hash")
        batch.drop_column("pin_hash")
    with op.batch_alter_table("users") as batch:
        batch.alter_column("legacy_pin_hash", new_column_name="pin_hash",
                           existing_type=sa.String(64), existing_nullable=True)
    with op.batch_alter_table("users") as batch:  # after the rename (one batch drops it)
        batch.create_unique_constraint(op.f("uq_users_pin_hash"), ["pin_hash"])
    if dropped_pins or dropped_ids:
        _audit_line("migration.print_codes.downgrade", dropped_pins=dropped_pins,
                    dropped_id_numbers=dropped_ids)
