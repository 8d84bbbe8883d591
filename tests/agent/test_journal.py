"""The agent's journal: the queue worker's next job, the change feed, schema upgrades."""

from __future__ import annotations

import dataclasses
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from printwarden.agent.journal import SCHEMA_VERSION, Journal
from printwarden.agent.model import WORK_STATES, JobMeta, LocalJob, LocalState

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
    journal = Journal(path)
    journal.insert_job(job("01A"))
    journal.close()
    with sqlite3.connect(path) as conn:  # what an agent of the first release left
        conn.execute("DROP INDEX jobs_queue_state_id")
        conn.execute("PRAGMA user_version=1")

    upgraded = Journal(path)

    with sqlite3.connect(path) as conn:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        indexes = {row[1] for row in conn.execute("PRAGMA index_list(jobs)")}
    assert version == SCHEMA_VERSION == 2
    assert "jobs_queue_state_id" in indexes
    assert upgraded.get_job("01A") == job("01A")
