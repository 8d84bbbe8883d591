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


def _lease_count(db: Database) -> int:
    return int(db.read(lambda conn: conn.execute(
        sa.select(sa.func.count()).select_from(leases)).scalar_one()))


def test_after_commit_runs_once_the_data_is_visible_and_never_after_a_rollback(
        db: Database) -> None:
    from datetime import UTC, datetime

    seen: list[int] = []

    def insert(conn: Connection) -> None:
        conn.execute(leases.insert().values(name="after-commit", holder="me",
                                            expires_at=datetime.now(UTC)))
        db.after_commit(conn, lambda: seen.append(_lease_count(db)))  # another connection

    db.write(insert)
    assert seen == [1]  # ran once, and the row was already committed

    def insert_then_fail(conn: Connection) -> None:
        db.after_commit(conn, lambda: seen.append(-1))
        raise ValueError("the use case failed")

    with pytest.raises(ValueError):
        db.write(insert_then_fail)
    db.write(lambda conn: None)  # the same pooled connection, a new transaction
    assert seen == [1]  # the rolled-back transaction's callback never ran, nor leaked


def test_after_commit_of_a_retried_transaction_runs_once(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'retry.db'}")
    upgrade(db)
    ran: list[int] = []
    attempts: list[int] = []

    def flaky(conn: Connection) -> None:
        attempts.append(1)
        db.after_commit(conn, lambda: ran.append(len(attempts)))
        if len(attempts) == 1:  # contention: Database.run retries the whole work
            raise sa.exc.OperationalError("INSERT", {}, sqlite3.OperationalError(
                "database is locked"))

    db.write(flaky)
    assert (len(attempts), ran) == (2, [2])
    db.dispose()
