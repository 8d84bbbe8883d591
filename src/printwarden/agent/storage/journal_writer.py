"""The journal's writer thread: group commit of the agent's journal writes.

Every write to the agent journal goes through one thread that owns the write connection.
Writes queued while it commits go into its next transaction together, each in its own
savepoint, so concurrent acceptances share one WAL fsync (``synchronous=FULL``) instead
of paying one each, and an event loop that awaits a write is free while the disk works.
A caller's write is durable when its future resolves; a write that fails rolls back alone
and fails only its own future.
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path

__all__ = ["JournalWriter", "Work", "open_connection"]

log = logging.getLogger(__name__)

#: A write: runs inside the writer's transaction on its connection.
Work = Callable[[sqlite3.Connection], object]
_Item = tuple[Work, "Future[None]"]


def open_connection(path: Path) -> sqlite3.Connection:
    """A journal connection: autocommit mode (explicit BEGIN), WAL, fsync on commit."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA busy_timeout=5000")
    return conn


class JournalWriter:
    """Commits queued writes in batches of at most ``max_batch`` on one thread."""

    def __init__(self, path: Path, *, max_batch: int = 128) -> None:
        self._path = path
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closed = False
        #: Transactions committed and writes in them (for tests and metrics).
        self.commits = 0
        self.writes = 0

    @property
    def queued(self) -> int:
        """Writes waiting for the next transaction."""
        return self._queue.qsize()

    def submit(self, work: Work) -> Future[None]:
        """Queue ``work``; the future resolves once it is committed (or fails with its error)."""
        future: Future[None] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError(f"the journal {self._path} is closed")
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="agent-journal",
                                                daemon=True)
                self._thread.start()
            self._queue.put((work, future))
        return future

    def close(self) -> None:
        """Commit what is queued, then stop the thread."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            thread = self._thread
        if thread is not None:
            self._queue.put(None)
            thread.join()

    def _run(self) -> None:
        conn = open_connection(self._path)
        try:
            stopping = False
            while not stopping:
                first = self._queue.get()
                if first is None:
                    break
                batch = [first]
                while len(batch) < self._max_batch:
                    try:
                        item = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if item is None:
                        stopping = True
                        break
                    batch.append(item)
                self._commit(conn, batch)
        finally:
            conn.close()

    def _commit(self, conn: sqlite3.Connection, items: list[_Item]) -> None:
        # A write whose caller gave up (its future cancelled) before the thread took it is
        # not applied; once taken, its future can no longer be cancelled, so resolving it
        # below cannot fail (a failure there once killed this thread, and every later write
        # of the agent waited for ever).
        batch = [(work, future) for work, future in items
                 if future.set_running_or_notify_cancel()]
        if not batch:
            return
        outcomes: list[tuple[Future[None], BaseException | None]] = []
        try:
            conn.execute("BEGIN IMMEDIATE")
            for work, future in batch:
                conn.execute("SAVEPOINT write")
                try:
                    work(conn)
                except Exception as exc:  # this write alone is undone
                    conn.execute("ROLLBACK TO write")
                    outcomes.append((future, exc))
                else:
                    outcomes.append((future, None))
                conn.execute("RELEASE write")
            conn.execute("COMMIT")
        except Exception as exc:  # BEGIN or COMMIT failed: nothing of the batch is durable
            log.warning("agent journal commit of %d writes failed: %s", len(batch), exc)
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            for _, future in batch:
                future.set_exception(exc)
            return
        self.commits += 1
        self.writes += len(batch)
        for future, error in outcomes:
            if error is None:
                future.set_result(None)
            else:
                future.set_exception(error)
