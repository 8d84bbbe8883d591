"""Alembic environment: runs against the engine handed over by printwarden.db.migrate.

On SQLite a batch migration rebuilds a table (a copy, DROP, rename). With foreign keys
enforced, the DROP of a table that other rows refer to (``users``, by ``cards``) fails,
and the pragma that turns enforcement off is a no-op inside a transaction: so it is set
on the DBAPI connection before Alembic begins one, every foreign key is checked
(``PRAGMA foreign_key_check``) before the migration commits, and enforcement is back on
before the connection returns to the pool.
"""

from __future__ import annotations

from alembic import context

from printwarden.db import all_tables  # noqa: F401  (fills metadata)
from printwarden.db.metadata import metadata

config = context.config
engine = config.attributes["engine"]

with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    raw = connection.connection.driver_connection if sqlite else None
    if raw is not None:
        raw.execute("PRAGMA foreign_keys=OFF")  # autocommit mode: outside any transaction
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
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"the migration broke foreign keys: {broken[:5]}")
        connection.commit()
    finally:
        if raw is not None:
            connection.rollback()
            raw.execute("PRAGMA foreign_keys=ON")
