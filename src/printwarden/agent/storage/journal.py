"""The agent's local journal: stdlib SQLite in WAL mode with ``synchronous=FULL``.

A committed row survives a crash; the schema version is ``PRAGMA user_version``.
Tables: ``jobs`` (one row per local job), ``outbox`` (completions the server has not
acknowledged yet) and ``kv`` (the last processed event id, the last server config).
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from printwarden.agent.model import JobMeta, LocalJob, LocalState
from printwarden.agent.storage.journal_writer import JournalWriter, Work, open_connection
from printwarden.core.clock import Clock, SystemClock

SCHEMA_VERSION = 8
#: The schema of the first release (version 1); later versions are ``_MIGRATIONS``.
SCHEMA_V1 = """
CREATE TABLE jobs (
    local_id TEXT PRIMARY KEY, queue TEXT NOT NULL, username TEXT NOT NULL,
    title TEXT NOT NULL, document_format TEXT NOT NULL, spool_name TEXT NOT NULL,
    size_bytes INTEGER NOT NULL, copies INTEGER NOT NULL, sides TEXT NOT NULL,
    color_mode TEXT NOT NULL, media TEXT NOT NULL, created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL, state TEXT NOT NULL, state_reason TEXT NOT NULL,
    server_job_id TEXT, decision TEXT, reservation_cost_minor INTEGER, pages INTEGER,
    color_pages INTEGER, analysis_json TEXT NOT NULL, forward_attempts INTEGER NOT NULL,
    remote_job_id TEXT, pages_printed INTEGER, copies_printed INTEGER,
    completion_sent INTEGER NOT NULL, cancelled_by_operator INTEGER NOT NULL
);
CREATE INDEX jobs_queue_state ON jobs (queue, state);
CREATE TABLE outbox (
    local_id TEXT PRIMARY KEY, server_job_id TEXT NOT NULL, body_json TEXT NOT NULL,
    created_at TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT
);
CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
#: Migrations from version N-1 to N (``PRAGMA user_version``), applied in order.
_MIGRATIONS: dict[int, str] = {
    # The queue worker's "next job": per (queue, state) the lowest local id (ULIDs, so the
    # oldest created), read from the index alone.
    2: "CREATE INDEX IF NOT EXISTS jobs_queue_state_id ON jobs (queue, state, local_id)",
    # The IPP job id, so the IPP job table is rebuilt after a restart.
    3: "ALTER TABLE jobs ADD COLUMN ipp_job_id INTEGER",
    # A cancel that arrived while the job was sent; since when it waits for its device;
    # why an operator should look at it.
    4: ("ALTER TABLE jobs ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;"
        "ALTER TABLE jobs ADD COLUMN device_wait_since TEXT;"
        "ALTER TABLE jobs ADD COLUMN flag TEXT NOT NULL DEFAULT ''"),
    # A queue's highest IPP job id, and jobs by state across queues (recovery, the
    # outbox, the spool's files), read from indexes: a start costs the open jobs, not the
    # journal's whole history.
    5: ("CREATE INDEX IF NOT EXISTS jobs_queue_ipp_id ON jobs (queue, ipp_job_id);"
        "CREATE INDEX IF NOT EXISTS jobs_state_id ON jobs (state, local_id)"),
    # The device a held job was released to (a device of the queue's release group).
    6: ("ALTER TABLE jobs ADD COLUMN release_device_uri TEXT NOT NULL DEFAULT '';"
        "ALTER TABLE jobs ADD COLUMN release_device_id TEXT NOT NULL DEFAULT ''"),
    # The transforms the server's decision forces (comma-separated ``TRANSFORMS`` names).
    7: "ALTER TABLE jobs ADD COLUMN transforms TEXT NOT NULL DEFAULT ''",
    # Tracker mode: a job decided here while no server answered (its local decision and
    # cost, and whether the server has its report), and each queue's last price lists.
    8: ("ALTER TABLE jobs ADD COLUMN offline_json TEXT NOT NULL DEFAULT '';"
        "ALTER TABLE jobs ADD COLUMN offline_state TEXT NOT NULL DEFAULT '';"
        "CREATE INDEX IF NOT EXISTS jobs_offline_state ON jobs (offline_state, local_id);"
        "CREATE TABLE IF NOT EXISTS price_lists (queue TEXT PRIMARY KEY, "
        "version TEXT NOT NULL, lists_json TEXT NOT NULL, received_at TEXT NOT NULL)"),
}
#: Local states whose IPP job has ended (completed, canceled, aborted).
ENDED_STATES = frozenset({LocalState.FORWARDED, LocalState.COMPLETED, LocalState.DENIED,
                          LocalState.FAILED, LocalState.CANCELLED, LocalState.EXPIRED,
                          LocalState.MOVED})
#: Ended states a retention sweep may delete (the server has heard of the ending).
_SWEPT = tuple(sorted(s.value for s in ENDED_STATES - {LocalState.FORWARDED}))
#: States whose document is still in the spool.
_WITH_DOCUMENT = tuple(sorted(s.value for s in (LocalState.SPOOLED, LocalState.ANALYSED,
                                                 LocalState.AUTHORIZED, LocalState.HELD,
                                                 LocalState.FORWARDING)))
IPP_ID_FLOOR_KEY = "ipp_job_id_floor:"
#: Called with the local id of a job whose row was just committed (inserted or changed).
JobWatcher = Callable[[str], None]
_ALL_QUEUES = ""
_COLUMNS = ("local_id", "queue", "username", "title", "document_format", "spool_name",
            "size_bytes", "copies", "sides", "color_mode", "media", "created_at",
            "updated_at", "state", "state_reason", "server_job_id", "decision",
            "reservation_cost_minor", "pages", "color_pages", "analysis_json",
            "forward_attempts", "remote_job_id", "pages_printed", "copies_printed",
            "completion_sent", "cancelled_by_operator", "ipp_job_id", "cancel_requested",
            "device_wait_since", "flag", "release_device_uri", "release_device_id",
            "transforms", "offline_json", "offline_state")
#: ``LocalJob`` fields stored as JSON, and their columns.
_JSON_FIELDS = {"analysis": "analysis_json", "offline": "offline_json"}


_NEXT_JOB_SQL = ("SELECT local_id FROM jobs WHERE queue = ? AND state = ? "
                 "ORDER BY local_id LIMIT 1")
_IDS_SQL = "SELECT local_id FROM jobs WHERE queue = ? AND state = ? ORDER BY local_id"


def _row(job: LocalJob) -> tuple[Any, ...]:
    m = job.meta
    return (job.local_id, job.queue, m.username, m.title, m.document_format, job.spool_name,
            job.size_bytes, m.copies, m.sides, m.color_mode, m.media,
            job.created_at.isoformat(), job.updated_at.isoformat(), job.state.value,
            job.state_reason, job.server_job_id, job.decision, job.reservation_cost_minor,
            job.pages, job.color_pages, json.dumps(job.analysis), job.forward_attempts,
            job.remote_job_id, job.pages_printed, job.copies_printed,
            int(job.completion_sent), int(job.cancelled_by_operator), m.ipp_job_id,
            int(job.cancel_requested),
            job.device_wait_since.isoformat() if job.device_wait_since else None, job.flag,
            job.release_device_uri, job.release_device_id, ",".join(job.transforms),
            json.dumps(job.offline) if job.offline else "", job.offline_state)


def _job(row: sqlite3.Row) -> LocalJob:
    meta = JobMeta(username=row["username"], title=row["title"],
                   document_format=row["document_format"], copies=row["copies"],
                   sides=row["sides"], color_mode=row["color_mode"], media=row["media"],
                   ipp_job_id=row["ipp_job_id"])
    return LocalJob(
        local_id=row["local_id"], queue=row["queue"], meta=meta, spool_name=row["spool_name"],
        size_bytes=row["size_bytes"], created_at=datetime.fromisoformat(row["created_at"]),
        updated_at=datetime.fromisoformat(row["updated_at"]), state=LocalState(row["state"]),
        state_reason=row["state_reason"], server_job_id=row["server_job_id"],
        decision=row["decision"], reservation_cost_minor=row["reservation_cost_minor"],
        pages=row["pages"], color_pages=row["color_pages"],
        analysis=json.loads(row["analysis_json"]), forward_attempts=row["forward_attempts"],
        remote_job_id=row["remote_job_id"], pages_printed=row["pages_printed"],
        copies_printed=row["copies_printed"], completion_sent=bool(row["completion_sent"]),
        cancelled_by_operator=bool(row["cancelled_by_operator"]),
        cancel_requested=bool(row["cancel_requested"]),
        device_wait_since=(datetime.fromisoformat(row["device_wait_since"])
                           if row["device_wait_since"] else None),
        flag=row["flag"], release_device_uri=row["release_device_uri"],
        release_device_id=row["release_device_id"],
        transforms=tuple(name for name in row["transforms"].split(",") if name),
        offline=json.loads(row["offline_json"]) if row["offline_json"] else {},
        offline_state=row["offline_state"])


def _insert(job: LocalJob) -> Work:
    marks = ", ".join("?" for _ in _COLUMNS)
    sql = f"INSERT INTO jobs ({', '.join(_COLUMNS)}) VALUES ({marks})"
    row = _row(job)

    def work(conn: sqlite3.Connection) -> None:
        conn.execute(sql, row)
    return work


def _update(conn: sqlite3.Connection, job: LocalJob,
            expect_state: LocalState | None = None) -> bool:
    """Write every column of ``job``; with ``expect_state``, only if the row is still in
    that state (compare-and-set). Answers whether the row was written."""
    sets = ", ".join(f"{name} = ?" for name in _COLUMNS[1:])
    values = _row(job)
    if expect_state is None:
        cursor = conn.execute(f"UPDATE jobs SET {sets} WHERE local_id = ?",
                              (*values[1:], values[0]))
    else:
        cursor = conn.execute(f"UPDATE jobs SET {sets} WHERE local_id = ? AND state = ?",
                              (*values[1:], values[0], expect_state.value))
    return cursor.rowcount == 1


def _patch(job: LocalJob, fields: Iterable[str]) -> tuple[Work, list[bool]]:
    """Write only the columns of ``fields`` (and ``updated_at``) of ``job``, whatever state
    it is in: concurrent updates of different fields never undo each other."""
    columns = ["updated_at", *(_JSON_FIELDS.get(f, f) for f in fields)]
    unknown = set(columns) - set(_COLUMNS)
    if unknown:
        raise ValueError(f"not journal columns: {sorted(unknown)}")
    row = dict(zip(_COLUMNS, _row(job), strict=True))
    sql = (f"UPDATE jobs SET {', '.join(f'{c} = ?' for c in columns)} "
           "WHERE local_id = ?")
    values = (*(row[c] for c in columns), job.local_id)
    saved = [False]

    def work(conn: sqlite3.Connection) -> None:
        saved[0] = conn.execute(sql, values).rowcount == 1
    return work, saved


def _save(job: LocalJob, outbox: dict[str, Any] | None,
          expect_state: LocalState | None, now: datetime) -> tuple[Work, list[bool]]:
    """The write of ``Journal.save_job`` and the cell its outcome lands in."""
    saved = [False]

    def work(conn: sqlite3.Connection) -> None:
        saved[0] = _update(conn, job, expect_state)
        if saved[0] and outbox is not None and job.server_job_id is not None:
            conn.execute("INSERT OR REPLACE INTO outbox (local_id, server_job_id, "
                         "body_json, created_at) VALUES (?, ?, ?, ?)",
                         (job.local_id, job.server_job_id, json.dumps(outbox),
                          now.isoformat()))
    return work, saved


class Journal:
    """The agent's journal. Every write commits (and fsyncs) before it returns: the sync
    methods block their caller, ``insert_job_async`` lets an event loop serve others
    meanwhile. Writes go through one writer thread that commits concurrent writes
    together (``JournalWriter``); reads use this object's own connection."""

    def __init__(self, path: Path, clock: Clock | None = None) -> None:
        self.path = path
        self.clock: Clock = clock or SystemClock()
        self._conn = open_connection(path)
        #: Queue name ("" for every queue) -> its watchers.
        self._watchers: dict[str, list[JobWatcher]] = {}
        self._migrate()
        self._writer = JournalWriter(path)

    @property
    def writer(self) -> JournalWriter:
        return self._writer

    def _write(self, work: Work) -> None:
        self._writer.submit(work).result()

    async def _write_async(self, work: Work) -> None:
        await asyncio.wrap_future(self._writer.submit(work))

    def write(self, work: Work) -> None:
        """Commit ``work`` (and fsync) through the writer thread: for the journal's other
        tables (``tracker_journal``)."""
        self._write(work)

    def read(self, sql: str, args: Iterable[Any] = ()) -> list[sqlite3.Row]:
        """Rows of a read on this journal's connection (``tracker_journal``)."""
        return list(self._conn.execute(sql, tuple(args)).fetchall())

    def jobs_of_rows(self, rows: Iterable[sqlite3.Row]) -> list[LocalJob]:
        """``LocalJob`` of ``SELECT * FROM jobs`` rows."""
        return [_job(row) for row in rows]

    def watch(self, watcher: JobWatcher, *, queue: str | None = None) -> Callable[[], None]:
        """Call ``watcher(local_id)`` after every commit that inserts or changes a job row
        (of ``queue`` only, if given: a queue hears only its own jobs); answers a function
        that stops it."""
        watchers = self._watchers.setdefault(queue or _ALL_QUEUES, [])
        watchers.append(watcher)

        def unwatch() -> None:
            if watcher in watchers:
                watchers.remove(watcher)
        return unwatch

    def _changed(self, job: LocalJob) -> None:
        for key in (job.queue, _ALL_QUEUES):
            for watcher in list(self._watchers.get(key, ())):
                watcher(job.local_id)

    def _migrate(self) -> None:
        version = self._conn.execute("PRAGMA user_version").fetchone()[0]
        if version == SCHEMA_VERSION:
            return
        if version > SCHEMA_VERSION:
            raise RuntimeError(f"agent journal {self.path} has schema {version}, "
                               f"this agent knows {SCHEMA_VERSION}")
        with self.transaction() as conn:
            if version == 0:
                for statement in SCHEMA_V1.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                version = 1
            for target in range(version + 1, SCHEMA_VERSION + 1):
                for statement in _MIGRATIONS[target].split(";"):
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction on the read connection: for the schema, before the writer
        thread exists."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield self._conn
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def close(self) -> None:
        self._writer.close()
        self._conn.close()

    # --- jobs ------------------------------------------------------------------------------

    def insert_job(self, job: LocalJob) -> None:
        self._write(_insert(job))
        self._changed(job)

    async def insert_job_async(self, job: LocalJob) -> None:
        """``insert_job`` without blocking the event loop while the commit is fsynced."""
        await self._write_async(_insert(job))
        self._changed(job)

    def save_job(self, job: LocalJob, *, outbox: dict[str, Any] | None = None,
                 expect_state: LocalState | None = None) -> bool:
        """Write every column of ``job``; with ``outbox``, queue its completion atomically.

        With ``expect_state`` nothing is written unless the committed row is still in that
        state (a compare-and-set decided inside the transaction, so it holds against
        writes queued by others). Answers whether the job was written."""
        work, saved = _save(job, outbox, expect_state, self.clock.now())
        self._write(work)
        if saved[0]:
            self._changed(job)
        return saved[0]

    async def save_job_async(self, job: LocalJob, *, outbox: dict[str, Any] | None = None,
                             expect_state: LocalState | None = None) -> bool:
        """``save_job`` without blocking the event loop while the commit is fsynced."""
        work, saved = _save(job, outbox, expect_state, self.clock.now())
        await self._write_async(work)
        if saved[0]:
            self._changed(job)
        return saved[0]

    async def patch_job_async(self, job: LocalJob, fields: Iterable[str]) -> bool:
        """Write only ``fields`` of ``job`` (no state check): for fields that do not move
        the job (flags, counters, device ids), so concurrent changes never undo each
        other."""
        work, saved = _patch(job, fields)
        await self._write_async(work)
        if saved[0]:
            self._changed(job)
        return saved[0]

    def patch_job(self, job: LocalJob, fields: Iterable[str]) -> bool:
        """``patch_job_async`` for callers outside the event loop."""
        work, saved = _patch(job, fields)
        self._write(work)
        if saved[0]:
            self._changed(job)
        return saved[0]

    def get_job(self, local_id: str) -> LocalJob | None:
        row = self._conn.execute("SELECT * FROM jobs WHERE local_id = ?",
                                 (local_id,)).fetchone()
        return _job(row) if row is not None else None

    def find_by_server_id(self, server_job_id: str) -> LocalJob | None:
        row = self._conn.execute("SELECT * FROM jobs WHERE server_job_id = ?",
                                 (server_job_id,)).fetchone()
        return _job(row) if row is not None else None

    def jobs(self, *, queue: str | None = None, states: Iterable[LocalState] | None = None,
             completion_pending: bool = False) -> list[LocalJob]:
        """Jobs oldest first, optionally of one queue, in some states, and only those
        whose ending the server has not acknowledged."""
        sql, args = "SELECT * FROM jobs WHERE 1=1", []
        if completion_pending:
            sql += " AND completion_sent = 0"
        if queue is not None:
            sql += " AND queue = ?"
            args.append(queue)
        if states is not None:
            wanted = [state.value for state in states]
            sql += f" AND state IN ({', '.join('?' for _ in wanted)})"
            args.extend(wanted)
        rows = self._conn.execute(sql + " ORDER BY local_id", args).fetchall()
        return [_job(row) for row in rows]

    def local_ids(self, queue: str, state: LocalState) -> list[str]:
        """The ids of ``queue``'s jobs in ``state``, oldest first, from the index alone (no
        row decoded): for callers that act on the few of them they do not track yet."""
        rows = self._conn.execute(_IDS_SQL, (queue, state.value)).fetchall()
        return [str(row[0]) for row in rows]

    def next_job(self, queue: str, states: Iterable[LocalState]) -> LocalJob | None:
        """The job of ``queue`` in one of ``states`` with the lowest local id (what
        ``jobs(queue=..., states=...)[0]`` answers), found through the index: one
        ``ORDER BY local_id LIMIT 1`` per state, never the whole backlog."""
        first: str | None = None
        for state in states:
            row = self._conn.execute(_NEXT_JOB_SQL, (queue, state.value)).fetchone()
            if row is not None and (first is None or row[0] < first):
                first = row[0]
        return None if first is None else self.get_job(first)

    def spool_names(self) -> set[str]:
        """The spool files of the jobs that still have their document."""
        marks = ", ".join("?" for _ in _WITH_DOCUMENT)
        rows = self._conn.execute(f"SELECT spool_name FROM jobs WHERE state IN ({marks})",
                                  _WITH_DOCUMENT).fetchall()
        return {row[0] for row in rows}

    def restorable(self, queue: str, keep_ended: int) -> list[LocalJob]:
        """The jobs an IPP queue shows after a restart: every open one, and its
        ``keep_ended`` newest ended ones (oldest first), each read through an index."""
        ended = [s.value for s in ENDED_STATES]
        open_states = [s.value for s in LocalState if s not in ENDED_STATES]
        marks = ", ".join("?" for _ in open_states)
        rows = self._conn.execute(
            f"SELECT * FROM jobs WHERE queue = ? AND state IN ({marks})",
            (queue, *open_states)).fetchall()
        newest: list[sqlite3.Row] = []
        for state in ended:  # one index range per state: no sort of the whole history
            newest += self._conn.execute(
                "SELECT * FROM jobs WHERE queue = ? AND state = ? ORDER BY local_id DESC "
                "LIMIT ?", (queue, state, keep_ended)).fetchall()
        newest.sort(key=lambda row: row["local_id"], reverse=True)
        jobs = [_job(row) for row in [*rows, *newest[:keep_ended]]]
        return sorted(jobs, key=lambda job: job.local_id)

    def next_ipp_job_id(self, queue: str) -> int:
        """The IPP job id after every one ``queue`` has used, swept jobs included."""
        row = self._conn.execute("SELECT MAX(ipp_job_id) FROM jobs WHERE queue = ?",
                                 (queue,)).fetchone()
        floor = int(self.get_value(IPP_ID_FLOOR_KEY + queue) or 0)
        return max(int(row[0] or 0), floor) + 1

    def sweep_ended(self, before: datetime, batch: int = 5000) -> int:
        """Delete ended jobs last changed before ``before`` whose ending the server has
        (or never needed; a tracker job once the server confirmed its report); answers
        how many. Batched, so the journal stays responsive;
        each queue's highest swept IPP id is kept, so ids are never handed out again."""
        marks = ", ".join("?" for _ in _SWEPT)
        select = (f"SELECT local_id, queue, ipp_job_id FROM jobs WHERE state IN ({marks}) "
                  "AND updated_at < ? AND local_id NOT IN (SELECT local_id FROM outbox) "
                  "AND offline_state != 'pending' "
                  "LIMIT ?")
        total = 0
        while True:
            rows = self._conn.execute(select, (*_SWEPT, before.isoformat(), batch)).fetchall()
            if not rows:
                return total
            floors: dict[str, int] = {}
            for row in rows:
                floors[row[1]] = max(floors.get(row[1], 0), int(row[2] or 0))
            ids = [row[0] for row in rows]

            def work(conn: sqlite3.Connection, ids: list[str] = ids,
                     floors: dict[str, int] = floors) -> None:
                for queue, highest in floors.items():
                    key = IPP_ID_FLOOR_KEY + queue
                    found = conn.execute("SELECT value FROM kv WHERE key = ?",
                                         (key,)).fetchone()
                    value = max(highest, int(found[0]) if found else 0)
                    conn.execute("INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)",
                                 (key, str(value)))
                conn.executemany("DELETE FROM jobs WHERE local_id = ?",
                                 [(local_id,) for local_id in ids])
            self._write(work)
            total += len(ids)

    # --- outbox ----------------------------------------------------------------------------

    def outbox(self) -> list[tuple[str, str, dict[str, Any]]]:
        """Unacknowledged completions: (local id, server job id, body), oldest first."""
        rows = self._conn.execute(
            "SELECT local_id, server_job_id, body_json FROM outbox ORDER BY created_at, local_id"
        ).fetchall()
        return [(row[0], row[1], json.loads(row[2])) for row in rows]

    def note_outbox_failure(self, local_id: str, error: str) -> None:
        self._write(lambda conn: conn.execute(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE local_id = ?",
            (error[:500], local_id)) and None)

    def acknowledge(self, local_id: str, job: LocalJob | None) -> None:
        """The server took the completion: drop the outbox row, save ``job`` with it."""
        def work(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM outbox WHERE local_id = ?", (local_id,))
            if job is not None:
                _update(conn, job)
        self._write(work)
        if job is not None:
            self._changed(job)

    # --- key/value -------------------------------------------------------------------------

    def get_value(self, key: str) -> str | None:
        row = self._conn.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row is not None else None

    def set_value(self, key: str, value: str) -> None:
        self._write(_set_value(key, value))

    async def set_value_async(self, key: str, value: str) -> None:
        """``set_value`` without blocking the event loop while the commit is fsynced."""
        await self._write_async(_set_value(key, value))

    def values_under(self, prefix: str) -> list[tuple[str, str]]:
        """Every (key, value) whose key starts with ``prefix``, by key."""
        rows = self._conn.execute(
            "SELECT key, value FROM kv WHERE substr(key, 1, ?) = ? ORDER BY key",
            (len(prefix), prefix)).fetchall()
        return [(str(row[0]), str(row[1])) for row in rows]

    async def delete_value_async(self, key: str) -> None:
        def work(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM kv WHERE key = ?", (key,))

        await self._write_async(work)


def _set_value(key: str, value: str) -> Work:
    def work(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)", (key, value))

    return work
