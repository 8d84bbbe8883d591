"""The durable spool: nothing is acknowledged before file and row are on disk."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import stat
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from printwarden.agent.model import JobMeta, LocalState
from printwarden.agent.storage.journal import Journal
from printwarden.agent.storage.spool import Spool, SpoolError
from tests.agent.support import chunks_of

META = JobMeta(username="alice", title="notes.txt", document_format="text/plain")


def make_spool(tmp_path: Path, **limits: int) -> Spool:
    journal = Journal(tmp_path / "agent.db")
    values = {"max_job_bytes": 1 << 20, "min_free_bytes": 0, **limits}
    return Spool(tmp_path / "spool", journal, **values)


def committed_row(tmp_path: Path, local_id: str) -> tuple[str, str] | None:
    """The job row as another connection sees it: only committed data."""
    with sqlite3.connect(tmp_path / "agent.db") as conn:
        row = conn.execute("SELECT state, spool_name FROM jobs WHERE local_id = ?",
                           (local_id,)).fetchone()
    return (row[0], row[1]) if row else None


def test_accept_returns_after_the_file_and_the_row_are_durable(tmp_path: Path) -> None:
    spool = make_spool(tmp_path)
    document = os.urandom(300_000)

    job = asyncio.run(spool.accept("hall", META, chunks_of(document, 65536)))

    path = spool.path_of(job)
    assert path.read_bytes() == document
    assert path.parent == tmp_path / "spool" and path.name == f"{job.local_id}.doc"
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert committed_row(tmp_path, job.local_id) == ("spooled", path.name)
    assert job.state is LocalState.SPOOLED and job.size_bytes == len(document)
    assert list((tmp_path / "spool" / "tmp").iterdir()) == []


def test_a_document_over_the_limit_is_refused_and_leaves_nothing(tmp_path: Path) -> None:
    spool = make_spool(tmp_path, max_job_bytes=10_000)

    with pytest.raises(SpoolError) as refused:
        asyncio.run(spool.accept("hall", META, chunks_of(b"x" * 20_000, 4096)))

    assert refused.value.kind == "too-large"
    assert list((tmp_path / "spool" / "tmp").iterdir()) == []
    assert list((tmp_path / "spool").glob("*.doc")) == []
    assert spool._journal.jobs() == []


def test_the_disk_guard_refuses_a_job_and_leaves_no_part_file(tmp_path: Path) -> None:
    spool = make_spool(tmp_path, min_free_bytes=1 << 62)

    with pytest.raises(SpoolError) as refused:
        asyncio.run(spool.accept("hall", META, chunks_of(b"x" * 5000)))

    assert refused.value.kind == "disk-full"
    assert list((tmp_path / "spool" / "tmp").iterdir()) == []
    assert spool._journal.jobs() == []


def test_the_disk_guard_also_stops_an_upload_under_way(tmp_path: Path) -> None:
    spool = make_spool(tmp_path, max_job_bytes=1 << 30)

    async def filling_up() -> AsyncIterator[bytes]:
        yield b"x" * (1 << 20)
        spool.min_free_bytes = 1 << 62  # the disk fills while the job arrives
        yield b"x" * (1 << 20)
        yield b"x" * 10

    with pytest.raises(SpoolError) as refused:
        asyncio.run(spool.accept("hall", META, filling_up()))

    assert refused.value.kind == "disk-full"
    assert list((tmp_path / "spool" / "tmp").iterdir()) == []


def test_a_failing_upload_leaves_no_part_file(tmp_path: Path) -> None:
    spool = make_spool(tmp_path)

    async def broken() -> AsyncIterator[bytes]:
        yield b"first part"
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        asyncio.run(spool.accept("hall", META, broken()))

    assert list((tmp_path / "spool" / "tmp").iterdir()) == []
    assert spool._journal.jobs() == []


def test_start_removes_unacknowledged_uploads_and_orphan_files(tmp_path: Path) -> None:
    spool = make_spool(tmp_path)
    kept = asyncio.run(spool.accept("hall", META, chunks_of(b"keep me")))
    (tmp_path / "spool" / "tmp" / "01ABC.part").write_bytes(b"half an upload")
    (tmp_path / "spool" / "01ORPHAN.doc").write_bytes(b"no row for me")

    present = spool.clean_on_start()

    assert present == [kept.spool_name]
    assert list((tmp_path / "spool" / "tmp").iterdir()) == []
    assert sorted(p.name for p in (tmp_path / "spool").glob("*.doc")) == [kept.spool_name]
