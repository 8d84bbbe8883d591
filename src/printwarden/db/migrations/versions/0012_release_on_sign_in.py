"""release on sign-in: a device may release a person's held jobs when he signs in there

- column ``devices.release_on_sign_in`` (boolean, default false for every existing device).

Revision ID: 0012_release_on_sign_in
Revises: 0011_device_status
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_release_on_sign_in"
down_revision = "0011_device_status"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("devices") as batch:
        batch.add_column(sa.Column("release_on_sign_in", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("devices") as batch:
        batch.drop_column("release_on_sign_in")
