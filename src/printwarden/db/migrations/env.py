"""Alembic environment: runs against the engine handed over by printwarden.db.migrate."""

from __future__ import annotations

from alembic import context

from printwarden.db import all_tables  # noqa: F401  (fills metadata)
from printwarden.db.metadata import metadata

config = context.config
engine = config.attributes["engine"]

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
