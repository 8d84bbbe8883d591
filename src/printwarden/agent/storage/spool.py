"""The durable spool: a job is accepted only once its document and its row are on disk.

``accept`` streams the document into ``spool/tmp/<id>.part`` (never whole in memory),
enforces the per-job size limit and the free-disk guard, fsyncs the file, renames it to
``spool/<id>.doc``, fsyncs the directory (POSIX), and commits the journal row; only then
does it return. Every failure removes the partial file.

A job forced to grayscale also has ``spool/<id>.gray.pdf`` (``gray_path_of``), written the
same way through ``spool/tmp``; it goes with the job's document (``delete_data``, and
``clean_on_start`` for one whose document is gone).
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any, BinaryIO

import anyio

from printwarden.agent.model import JobMeta, LocalJob, LocalState
from printwarden.agent.storage.journal import Journal
from printwarden.core.clock import Clock, SystemClock
from printwarden.core.durable_files import replace_durably
from printwarden.core.ids import new_id

DOC_SUFFIX = ".doc"
PART_SUFFIX = ".part"
#: A document derived from a job's spooled one (its forced grayscale PDF):
#: ``spool/<id>.gray.pdf``, written as ``spool/tmp/<id>.gray.part`` and renamed.
GRAY_SUFFIX = ".gray.pdf"
#: Re-check the free disk space after this many bytes written.
DISK_CHECK_BYTES = 1 << 20


class SpoolError(Exception):
    """The document could not be spooled; ``kind`` is ``too-large``, ``disk-full`` or ``io``."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def _stem(spool_name: str) -> str:
    return spool_name[:-len(DOC_SUFFIX)] if spool_name.endswith(DOC_SUFFIX) else spool_name


def _finish_file(handle: BinaryIO, part: Path, final: Path) -> None:
    handle.flush()
    os.fsync(handle.fileno())
    handle.close()
    if os.name == "posix":
        os.chmod(part, 0o600)
    replace_durably(part, final)


class Spool:
    def __init__(self, directory: Path, journal: Journal, *, max_job_bytes: int,
                 min_free_bytes: int, clock: Clock | None = None) -> None:
        self._clock: Clock = clock or SystemClock()
        self.directory = directory
        self.tmp_dir = directory / "tmp"
        self.tmp_dir.mkdir(parents=True, exist_ok=True)
        self._journal = journal
        self.max_job_bytes = max_job_bytes
        self.min_free_bytes = min_free_bytes

    def path_of(self, job: LocalJob) -> Path:
        return self.directory / job.spool_name

    def gray_path_of(self, job: LocalJob) -> Path:
        """Where ``job``'s grayscale PDF is (whole, once there: it is renamed in)."""
        return self.directory / (_stem(job.spool_name) + GRAY_SUFFIX)

    def gray_part_of(self, job: LocalJob) -> Path:
        """Where ``job``'s grayscale PDF is written before it is renamed in."""
        return self.tmp_dir / (_stem(job.spool_name) + ".gray" + PART_SUFFIX)

    def free_bytes(self) -> int:
        return shutil.disk_usage(self.directory).free

    def has_room(self) -> bool:
        return self.free_bytes() >= self.min_free_bytes

    def _check_disk(self) -> None:
        free = self.free_bytes()
        if free < self.min_free_bytes:
            raise SpoolError("disk-full", f"only {free} bytes free on the spool disk, "
                             f"{self.min_free_bytes} must stay free")

    async def accept(self, queue: str, meta: JobMeta, chunks: AsyncIterator[bytes],
                     **fields: Any) -> LocalJob:
        """Spool the document and journal the job; return only once both are durable.
        ``fields`` set more of the journal row in the same insert (a find-me job arrives
        authorized)."""
        local_id = new_id()
        part = self.tmp_dir / f"{local_id}{PART_SUFFIX}"
        final = self.directory / f"{local_id}{DOC_SUFFIX}"
        self._check_disk()
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                     0o600)
        handle = os.fdopen(fd, "wb")
        try:
            size = await self._write(handle, chunks)
            await anyio.to_thread.run_sync(_finish_file, handle, part, final)
        except BaseException:
            handle.close()
            for leftover in (part, final):
                with contextlib.suppress(FileNotFoundError):
                    leftover.unlink()
            raise
        now = self._clock.now()
        job = LocalJob(local_id=local_id, queue=queue, meta=meta, spool_name=final.name,
                       size_bytes=size, created_at=now, updated_at=now,
                       state=LocalState.SPOOLED, state_reason="spooled")
        if fields:
            job = replace(job, **fields)
        try:
            await self._journal.insert_job_async(job)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                final.unlink()
            raise
        return job

    async def _write(self, handle: BinaryIO, chunks: AsyncIterator[bytes]) -> int:
        size = 0
        since_check = 0
        async for chunk in chunks:
            size += len(chunk)
            if size > self.max_job_bytes:
                raise SpoolError("too-large", f"the document exceeds the spool limit of "
                                 f"{self.max_job_bytes} bytes")
            since_check += len(chunk)
            if since_check >= DISK_CHECK_BYTES:
                since_check = 0
                self._check_disk()
            try:
                handle.write(chunk)
            except OSError as exc:
                raise SpoolError("io", f"cannot write the spool file: {exc}") from exc
        return size

    def delete_data(self, job: LocalJob) -> None:
        """Delete the job's document and whatever was derived from it."""
        for path in (self.path_of(job), self.gray_path_of(job), self.gray_part_of(job)):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()

    def clean_on_start(self) -> list[str]:
        """Remove upload leftovers and orphan files; answer the names of files still spooled."""
        for leftover in self.tmp_dir.glob(f"*{PART_SUFFIX}"):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
        known = self._journal.spool_names()
        present: list[str] = []
        for path in self.directory.glob(f"*{DOC_SUFFIX}"):
            if path.name in known:
                present.append(path.name)
            else:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
        for path in self.directory.glob(f"*{GRAY_SUFFIX}"):  # kept with their document
            if path.name[:-len(GRAY_SUFFIX)] + DOC_SUFFIX not in known:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
        return present
