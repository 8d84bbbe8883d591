"""The Database handle: engine creation and transactions that retry on contention.

SQLite runs in WAL mode with ``synchronous=FULL`` and a busy timeout; write
transactions start with ``BEGIN IMMEDIATE`` so two writers never deadlock on a
lock upgrade. A locked SQLite database or a PostgreSQL serialization failure or
deadlock is retried with back-off and never surfaces to a caller.

A lost database connection (PostgreSQL restarted, shutting down, starting up, refusing
connections) is retried too, on fresh connections, for up to ``retry_seconds``; past that
the caller gets ``ServiceUnavailable`` (HTTP 503 with Retry-After) and the log one
warning line, never a traceback.
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
import structlog
from sqlalchemy import event
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from printwarden.core.errors import ConfigurationError, ServiceUnavailable
from printwarden.core.private_files import create_private_file

T = TypeVar("T")

_RETRY_PGCODES = {"40001", "40P01", "55P03"}  # serialization, deadlock, lock not available
#: admin/crash shutdown, cannot connect now (starting up, shutting down), connection faults
_DISCONNECT_PGCODES = {"57P01", "57P02", "57P03", "08000", "08001", "08003", "08004", "08006"}
_MAX_ATTEMPTS = 30
DEFAULT_RETRY_SECONDS = 10.0
#: ``conn.info`` key of the callbacks ``Database.after_commit`` queued.
_AFTER_COMMIT = "pw_after_commit"
log = structlog.get_logger("printwarden.db")


def is_disconnect(exc: DBAPIError) -> bool:
    """The connection to the server is lost or cannot be made (not a fault of the work)."""
    if exc.connection_invalidated:  # the server restarted or dropped us
        return True
    orig = exc.orig
    if isinstance(orig, sqlite3.Error):
        return False
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if code in _DISCONNECT_PGCODES:
        return True
    # psycopg raises OperationalError without a SQLSTATE when it cannot connect at all
    return isinstance(exc, OperationalError) and code is None


def _is_retryable(exc: DBAPIError) -> bool:
    orig = exc.orig
    if isinstance(orig, sqlite3.OperationalError):
        text = str(orig).lower()
        return "locked" in text or "busy" in text
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return code in _RETRY_PGCODES


def _sqlite_file(url: sa.URL) -> Path | None:
    if url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def create_db_engine(url: str) -> Engine:
    """Create an engine for ``url`` with printwarden's connection settings."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = _sqlite_file(parsed)
        if path is not None and not path.parent.is_dir():
            raise ConfigurationError(f"database directory {path.parent} does not exist")
        if path is not None:  # created 0600 here: SQLite gives -wal/-shm the same mode
            try:
                create_private_file(path)
            except OSError as exc:
                raise ConfigurationError(f"cannot create database {path}: {exc.strerror}"
                                         ) from exc
        engine = sa.create_engine(
            parsed, connect_args={"timeout": 30, "check_same_thread": False},
            pool_size=10, max_overflow=20,
        )
        _configure_sqlite(engine)
        return engine
    # No pre-ping round trip per checkout: a dropped connection is invalidated on first use
    # and ``Database.run`` retries the transaction on a fresh one.
    return sa.create_engine(parsed, pool_size=10, max_overflow=20, pool_recycle=1800)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = "IMMEDIATE" if conn.get_execution_options().get("pw_write") else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")


class Database:
    """One database: ``read`` and ``write`` run a function in a transaction, retrying contention."""

    def __init__(self, url: str, engine: Engine | None = None, *,
                 retry_seconds: float = DEFAULT_RETRY_SECONDS) -> None:
        self.url = url
        self.engine = engine or create_db_engine(url)
        #: How long a lost connection is retried before ServiceUnavailable.
        self.retry_seconds = retry_seconds

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def _transaction(self, write: bool) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            conn = conn.execution_options(pw_write=write)
            conn.info.pop(_AFTER_COMMIT, None)  # info outlives checkouts: start clean
            try:
                with conn.begin():
                    yield conn
            except BaseException:
                conn.info.pop(_AFTER_COMMIT, None)  # rolled back: nothing happened
                raise
            callbacks: list[Callable[[], None]] = conn.info.pop(_AFTER_COMMIT, [])
        for callback in callbacks:
            try:
                callback()
            except Exception:  # committed already: a hook's fault is not the caller's
                log.exception("after_commit_callback_failed")

    @staticmethod
    def after_commit(conn: Connection, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the transaction of ``conn`` (from ``read``/``write``) has
        committed; never when it rolls back or is retried (the retry queues it again).
        For side effects that must not be seen before the data is (waking event waiters).
        """
        conn.info.setdefault(_AFTER_COMMIT, []).append(callback)

    @contextmanager
    def _autocommit(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn.execution_options(isolation_level="AUTOCOMMIT")

    def run(self, work: Callable[[Connection], T], *, write: bool = True,
            single_statement: bool = False) -> T:
        """Run ``work(conn)`` in one transaction; commit on return, roll back on error.

        ``work`` may run more than once when the database reports contention, so it
        must not have side effects outside the transaction. ``single_statement`` (reads
        only, see ``lookup``) runs without BEGIN/COMMIT on PostgreSQL.
        """
        delay = 0.002
        autocommit = single_statement and not write and self.dialect == "postgresql"
        attempt = 0
        deadline: float | None = None
        while True:
            attempt += 1
            try:
                with (self._autocommit() if autocommit else self._transaction(write)) as conn:
                    return work(conn)
            except (OperationalError, DBAPIError) as exc:
                if is_disconnect(exc):
                    now = time.monotonic()
                    deadline = deadline or now + self.retry_seconds
                    if now >= deadline:
                        raise self._unavailable(exc) from exc
                    delay = max(delay, 0.05)
                elif attempt >= _MAX_ATTEMPTS or not _is_retryable(exc):
                    raise
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 0.25 if deadline is None else 1.0)

    def _unavailable(self, exc: DBAPIError) -> ServiceUnavailable:
        detail = str(getattr(exc, "orig", exc) or exc).strip().splitlines()
        log.warning("database_unavailable", dialect=self.dialect,
                    retried_seconds=self.retry_seconds, error=detail[0] if detail else "")
        return ServiceUnavailable("the database cannot be reached right now; try again in "
                                  "a few seconds", retry_after=5)

    def write(self, work: Callable[[Connection], T]) -> T:
        return self.run(work, write=True)

    def read(self, work: Callable[[Connection], T]) -> T:
        return self.run(work, write=False)

    def lookup(self, work: Callable[[Connection], T]) -> T:
        """A read of ONE statement (atomic by itself): on PostgreSQL it runs in autocommit,
        one round trip instead of three (BEGIN, SELECT, COMMIT); elsewhere as ``read``."""
        return self.run(work, write=False, single_statement=True)

    def for_update(self, stmt: sa.Select[Any]) -> sa.Select[Any]:
        """Lock selected rows on PostgreSQL (SQLite write transactions are already exclusive)."""
        return stmt.with_for_update() if self.dialect == "postgresql" else stmt

    def dispose(self) -> None:
        self.engine.dispose()


def one_of(conn: Connection, column: sa.ColumnElement[Any],
           values: Collection[Any]) -> sa.ColumnElement[bool]:
    """``column IN values``; on PostgreSQL ``column = ANY(array)``: one parameter whatever
    the count, so one statement text for every call (a push's 1,000 keys in an IN list
    cost three to four times as much there: 1,000 parameters bound and planned)."""
    if conn.dialect.name == "postgresql":
        return column == sa.any_(sa.bindparam(None, list(values),
                                              type_=postgresql.ARRAY(column.type)))
    return column.in_(list(values))
