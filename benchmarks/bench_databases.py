"""Fresh, migrated databases for benchmark scripts: SQLite files in a directory, and
databases in a throwaway PostgreSQL cluster with fsync on (a benchmark measures what
production commits cost, so its PostgreSQL is durable, unlike the tests' cluster)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import count
from pathlib import Path

import sqlalchemy as sa
from tests.support.postgres import PostgresCluster

from printwarden.db.engine import Database
from printwarden.db.migrate import upgrade

_numbers = count()


def sqlite_factory(directory: Path) -> Callable[[], Database]:
    """Each call: a new migrated SQLite file in ``directory``."""
    def made() -> Database:
        db = Database(f"sqlite:///{directory / f'bench{next(_numbers)}.db'}")
        upgrade(db)
        return db

    return made


@contextmanager
def postgres_factory() -> Iterator[Callable[[], Database]]:
    """A PostgreSQL cluster (fsync on) for the block; each call of the factory: a new
    migrated database in it."""
    cluster = PostgresCluster(fsync=True)
    cluster.start()
    admin = sa.create_engine(cluster.url(), isolation_level="AUTOCOMMIT")

    def made() -> Database:
        name = f"bench{next(_numbers)}"
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
        db = Database(cluster.url(name))
        upgrade(db)
        return db

    try:
        yield made
    finally:
        admin.dispose()
        cluster.stop()
