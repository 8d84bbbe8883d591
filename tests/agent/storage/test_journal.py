"""The agent's journal: the queue worker's next job, the change feed, schema upgrades,
group commit on the writer thread."""

from __future__ import annotations

import asyncio
import dataclasses
import sqlite3
import threading
from concurrent.futures import Future
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from printwarden.agent.model import WORK_STATES, JobMeta, LocalJob, LocalState
from printwarden.agent.storage.journal import SCHEMA_V1, SCHEMA_VERSION, Journal
from printwarden.agent.storage.journal_writer import JournalWriter

L = LocalState
NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


def job(local_id: str, queue: str = "hall", state: LocalState = L.SPOOLED) -> LocalJob:
    return LocalJob(local_id=local_id, queue=queue,
                    meta=JobMeta(username="alice", title="t", document_format="application/pdf"),
                    spool_name=f"{local_id}.doc", size_bytes=1, created_at=NOW,
                    updated_at=NOW, state=state)


def test_next_job_is_the_oldest_job_of_the_queue_in_a_work_state(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "agent.db")
    for made in (job("01C", state=L.AUTHORIZED), job("01A", state=L.HELD),
                 job("01B", queue="lab"), job("01D"), job("01E", state=L.COMPLETED)):
        journal.insert_job(made)

    chosen = journal.next_job("hall", WORK_STATES)

    assert chosen is not None and chosen.local_id == "01C"
    assert chosen == journal.jobs(queue="hall", states=WORK_STATES)[0]
    assert journal.next_job("hall", {L.HELD}) == journal.get_job("01A")
    assert journal.next_job("empty", WORK_STATES) is None


def test_watchers_hear_every_committed_change_until_they_stop(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "agent.db")
    heard: list[str] = []
    unwatch = journal.watch(heard.append)
    first = job("01A")

    journal.insert_job(first)
    journal.save_job(dataclasses.replace(first, state=L.ANALYSED))
    unwatch()
    journal.save_job(dataclasses.replace(first, state=L.AUTHORIZED))

    assert heard == ["01A", "01A"]


def test_a_version_1_journal_is_upgraded_in_place_and_keeps_its_jobs(tmp_path: Path) -> None:
    path = tmp_path / "agent.db"
    with sqlite3.connect(path) as conn:  # what an agent of the first release left
        conn.executescript(SCHEMA_V1)
        conn.execute("PRAGMA user_version=1")
        values = _v1_row(job("01A"))
        conn.execute(f"INSERT INTO jobs VALUES ({', '.join('?' for _ in values)})", values)

    upgraded = Journal(path)

    with sqlite3.connect(path) as conn:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        indexes = {row[1] for row in conn.execute("PRAGMA index_list(jobs)")}
        columns = {row[1] for row in conn.execute("PRAGMA table_info(jobs)")}
    assert version == SCHEMA_VERSION == 8
    assert "jobs_queue_state_id" in indexes and "ipp_job_id" in columns
    assert {"cancel_requested", "device_wait_since", "flag", "release_device_uri",
            "release_device_id", "transforms", "offline_json", "offline_state"} <= columns
    assert upgraded.get_job("01A") == job("01A")
    assert upgraded.get_job("01A").transforms == ()  # type: ignore[union-attr]


def test_a_version_6_journal_gains_the_transforms_and_journals_them(tmp_path: Path) -> None:
    path = tmp_path / "agent.db"
    Journal(path).close()
    with sqlite3.connect(path) as conn:  # what an agent before forced transforms left
        conn.execute("DROP INDEX jobs_offline_state")
        conn.execute("DROP TABLE price_lists")
        for column in ("offline_state", "offline_json", "transforms"):
            conn.execute(f"ALTER TABLE jobs DROP COLUMN {column}")
        conn.execute("PRAGMA user_version=6")
        values = (*_v1_row(job("01A")), None, 0, None, "", "", "")
        conn.execute(f"INSERT INTO jobs VALUES ({', '.join('?' for _ in values)})", values)

    upgraded = Journal(path)
    assert upgraded.get_job("01A") == job("01A")
    forced = dataclasses.replace(job("01A"), transforms=("grayscale", "duplex"))
    upgraded.save_job(forced)
    assert upgraded.get_job("01A") == forced
    upgraded.patch_job(dataclasses.replace(forced, transforms=("duplex",)), ["transforms"])
    reread = Journal(path)
    assert reread.get_job("01A").transforms == ("duplex",)  # type: ignore[union-attr]


def _v1_row(made: LocalJob) -> tuple[object, ...]:
    m = made.meta
    return (made.local_id, made.queue, m.username, m.title, m.document_format,
            made.spool_name, made.size_bytes, m.copies, m.sides, m.color_mode, m.media,
            made.created_at.isoformat(), made.updated_at.isoformat(), made.state.value,
            made.state_reason, None, None, None, None, None, "{}", 0, None, None, None, 0, 0)


def _blocker(writer: JournalWriter) -> tuple[threading.Event, Future[None]]:
    """Occupy the writer thread until the event is set, so the next writes queue up."""
    started, release = threading.Event(), threading.Event()

    def hold(conn: sqlite3.Connection) -> None:
        started.set()
        release.wait(30)
    future = writer.submit(hold)
    assert started.wait(30)
    return release, future


def test_writes_queued_during_a_commit_share_the_next_one(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "agent.db")
    release, first = _blocker(journal.writer)

    async def accept_many() -> None:
        await asyncio.gather(*(journal.insert_job_async(job(f"01J{n:02d}"))
                               for n in range(20)))

    async def scenario() -> None:
        accepting = asyncio.create_task(accept_many())
        while journal.writer.queued < 20:  # every insert queued behind the blocked one
            await asyncio.sleep(0.01)
        release.set()
        await accepting
    asyncio.run(scenario())

    first.result(30)
    assert len(journal.jobs()) == 20
    assert (journal.writer.writes, journal.writer.commits) == (21, 2)


def test_a_failing_write_is_undone_alone_and_fails_only_its_caller(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "agent.db")
    release, _ = _blocker(journal.writer)
    good = journal.writer.submit(lambda conn: conn.execute(
        "INSERT INTO kv (key, value) VALUES ('a', '1')"))

    def bad(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO kv (key, value) VALUES ('b', '2')")
        conn.execute("INSERT INTO no_such_table VALUES (1)")
    failing = journal.writer.submit(bad)
    also_good = journal.writer.submit(lambda conn: conn.execute(
        "INSERT INTO kv (key, value) VALUES ('c', '3')"))
    release.set()

    good.result(30)
    also_good.result(30)
    with pytest.raises(sqlite3.OperationalError):
        failing.result(30)
    assert [journal.get_value(key) for key in "abc"] == ["1", None, "3"]


def test_a_write_its_caller_gave_up_on_is_skipped_and_the_writer_goes_on(
        tmp_path: Path) -> None:
    """A cancelled future once made the writer thread die on resolving it: every later write
    of the agent then waited for ever."""
    journal = Journal(tmp_path / "agent.db")
    release, _ = _blocker(journal.writer)
    given_up = journal.writer.submit(lambda conn: conn.execute(
        "INSERT INTO kv (key, value) VALUES ('a', '1')"))
    kept = journal.writer.submit(lambda conn: conn.execute(
        "INSERT INTO kv (key, value) VALUES ('b', '2')"))
    assert given_up.cancel()
    release.set()

    kept.result(30)
    journal.set_value("c", "3")  # the writer still commits
    assert [journal.get_value(key) for key in "abc"] == [None, "2", "3"]


def test_a_closed_journal_refuses_writes_after_committing_the_queued_ones(
        tmp_path: Path) -> None:
    journal = Journal(tmp_path / "agent.db")
    journal.set_value("k", "v")
    journal.close()

    assert Journal(tmp_path / "agent.db").get_value("k") == "v"
    with pytest.raises(RuntimeError, match="closed"):
        journal.set_value("k", "w")


def _ended(local_id: str, days_ago: float, *, queue: str = "hall", ipp_id: int = 0,
           state: LocalState = L.COMPLETED, acknowledged: bool = True) -> LocalJob:
    when = NOW - timedelta(days=days_ago)
    made = job(local_id, queue=queue, state=state)
    return dataclasses.replace(made, created_at=when, updated_at=when,
                               completion_sent=acknowledged,
                               meta=dataclasses.replace(made.meta, ipp_job_id=ipp_id or None))


def test_the_sweep_removes_ended_jobs_past_retention_and_keeps_what_the_server_lacks(
        tmp_path: Path) -> None:
    journal = Journal(tmp_path / "agent.db")
    for made in (_ended("01A", 40, ipp_id=7), _ended("01B", 40, state=L.CANCELLED),
                 _ended("01C", 40, state=L.FORWARDED, acknowledged=False),
                 _ended("01D", 5), dataclasses.replace(job("01E", state=L.HELD),
                                                       created_at=NOW - timedelta(days=60))):
        journal.insert_job(made)
    pending = _ended("01F", 40, state=L.FAILED, acknowledged=False)
    journal.insert_job(pending)
    journal.save_job(dataclasses.replace(pending, server_job_id="S1"),
                     outbox={"status": "failed"})  # a completion the server has not got

    swept = journal.sweep_ended(NOW - timedelta(days=30))

    assert swept == 2
    assert [j.local_id for j in journal.jobs()] == ["01C", "01D", "01E", "01F"]
    assert journal.next_ipp_job_id("hall") == 8  # the swept job's id is never reused
    assert journal.sweep_ended(NOW - timedelta(days=30)) == 0


def test_a_queue_restores_its_open_jobs_and_only_its_newest_ended_ones(
        tmp_path: Path) -> None:
    journal = Journal(tmp_path / "agent.db")
    for n in range(30):
        journal.insert_job(_ended(f"01A{n:02d}", 1, ipp_id=n + 1))
    journal.insert_job(job("01B00", state=L.HELD))
    journal.insert_job(job("01B01", queue="lab"))

    restored = journal.restorable("hall", keep_ended=5)

    assert [j.local_id for j in restored] == [
        "01A25", "01A26", "01A27", "01A28", "01A29", "01B00"]
    assert journal.next_ipp_job_id("hall") == 31 and journal.next_ipp_job_id("lab") == 1


def test_a_queue_watcher_hears_only_its_own_queue(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "agent.db")
    hall: list[str] = []
    everything: list[str] = []
    journal.watch(hall.append, queue="hall")
    journal.watch(everything.append)

    journal.insert_job(job("01A"))
    journal.insert_job(job("01B", queue="lab"))

    assert hall == ["01A"] and everything == ["01A", "01B"]
