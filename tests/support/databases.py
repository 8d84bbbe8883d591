"""Fresh migrated databases per test on SQLite and PostgreSQL, from a migrated template."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from printwarden.db.engine import Database
from printwarden.db.migrate import upgrade
from tests.support.postgres import PostgresCluster


class SqliteFactory:
    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="pw-sqlite-"))
        self.template = self.root / "template.db"
        db = Database(f"sqlite:///{self.template}")
        upgrade(db)
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        db.dispose()
        self._count = 0

    def new(self) -> Database:
        self._count += 1
        path = self.root / f"test{self._count}.db"
        shutil.copyfile(self.template, path)
        return Database(f"sqlite:///{path}")

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


class PostgresFactory:
    def __init__(self, cluster: PostgresCluster) -> None:
        self.cluster = cluster
        self.admin = sa.create_engine(cluster.url(), isolation_level="AUTOCOMMIT")
        with self.admin.connect() as conn:
            conn.exec_driver_sql("CREATE DATABASE pw_template")
        db = Database(cluster.url("pw_template"))
        upgrade(db)
        db.dispose()
        self._count = 0

    def new(self) -> Database:
        self._count += 1
        name = f"pw_test_{self._count}"
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
            conn.exec_driver_sql(f"CREATE DATABASE {name} TEMPLATE pw_template")
        return Database(self.cluster.url(name))

    def blank(self) -> Database:
        """An empty database, not migrated (for tests of the migrations themselves)."""
        self._count += 1
        name = f"pw_blank_{self._count}"
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
        return Database(self.cluster.url(name))

    def drop(self, db: Database) -> None:
        db.dispose()
        name = sa.make_url(db.url).database
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def close(self) -> None:
        self.admin.dispose()


def database_at(request: pytest.FixtureRequest, tmp_path: Path,
                revision: str) -> Iterator[Database]:
    """For a migration test's fixture (``yield from``): an empty database of the kind
    ``request.param`` names (``sqlite`` or ``postgresql``) migrated to ``revision`` only,
    dropped afterwards."""
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'old.db'}")
        upgrade(database, revision)
        yield database
        database.dispose()
        return
    factory: PostgresFactory = request.getfixturevalue("postgres_factory")
    database = factory.blank()
    upgrade(database, revision)
    yield database
    factory.drop(database)
