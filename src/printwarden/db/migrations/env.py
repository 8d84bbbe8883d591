"""Alembic environment: runs against the engine handed over by printwarden.db.migrate.

On SQLite, foreign keys are not enforced while migrations run: a batch migration
recreates a table (copy, drop, rename), and dropping a table that other rows refer to
would fail, or orphan those rows for a moment, with enforcement on. SQLite only changes
``foreign_keys`` outside a transaction, so it is switched off before the migrations'
transaction begins; before it commits, ``PRAGMA foreign_key_check`` must find no row
that refers to a missing one (else everything rolls back); enforcement is switched on
again whatever happens.
"""

from __future__ import annotations

from typing import Any

from alembic import context

from printwarden.db import all_tables  # noqa: F401  (fills metadata)
from printwarden.db.metadata import metadata

config = context.config
engine = config.attributes["engine"]


def _sqlite_foreign_keys(connection: Any, on: bool) -> None:
    """Set ``foreign_keys`` on the DB-API connection (no BEGIN is issued for it)."""
    cursor = connection.connection.driver_connection.cursor()
    try:
        cursor.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    finally:
        cursor.close()


def _check_foreign_keys(connection: Any) -> None:
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        raise RuntimeError(f"the migration left rows referring to missing rows: {broken[:10]}")


with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        _sqlite_foreign_keys(connection, False)
    try:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=sqlite,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                _check_foreign_keys(connection)
        connection.commit()
    finally:
        if sqlite:
            connection.rollback()
            _sqlite_foreign_keys(connection, True)
