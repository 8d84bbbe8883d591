"""The Database handle: contention is retried, never surfaced; dropped connections recover."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from printwarden.db.core_tables import leases
from printwarden.db.engine import Database
from printwarden.db.migrate import upgrade
from tests.support.databases import PostgresFactory


def test_a_locked_sqlite_database_is_waited_for_not_surfaced(tmp_path: Path) -> None:
    path = tmp_path / "locked.db"
    db = Database(f"sqlite:///{path}")
    upgrade(db)
    blocker = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    blocker.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    released = threading.Event()

    def release_later() -> None:
        released.wait(timeout=0.5)
        blocker.execute("COMMIT")

    thread = threading.Thread(target=release_later)
    thread.start()
    from datetime import UTC, datetime

    def insert(conn: Connection) -> None:
        conn.execute(leases.insert().values(name="x", holder="me",
                                            expires_at=datetime.now(UTC)))

    db.write(insert)  # waits for the lock instead of raising "database is locked"
    thread.join()
    count = db.read(lambda conn: conn.execute(sa.select(sa.func.count()).select_from(leases))
                    .scalar_one())
    assert count == 1
    blocker.close()
    db.dispose()


@pytest.mark.postgres
def test_a_dropped_postgresql_connection_is_replaced_transparently(
    postgres_factory: PostgresFactory,
) -> None:
    db = postgres_factory.new()
    first_pid = db.read(lambda conn: conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one())
    killer = sa.create_engine(db.url.rsplit("/", 1)[0] + "/postgres",
                              isolation_level="AUTOCOMMIT")
    with killer.connect() as conn:
        conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": first_pid})
    killer.dispose()
    again = db.read(lambda conn: conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one())
    assert again != first_pid
    postgres_factory.drop(db)
