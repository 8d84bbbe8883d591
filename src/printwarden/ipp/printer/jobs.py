"""The printer's job table: numbering, lookup and Get-Jobs selection (no I/O)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator

from printwarden.ipp.errors import IppError
from printwarden.ipp.printer.job import Job, TimeStamp
from printwarden.ipp.status import StatusCode

__all__ = ["WHICH_JOBS", "JobTable"]

WHICH_JOBS = ("completed", "not-completed", "all")
"""which-jobs values of Get-Jobs that the printer supports."""


class JobTable:
    """Jobs by id, oldest first; keeps about ``keep_finished`` finished jobs (the oldest
    finished ones are dropped in sweeps every ``keep_finished // 10`` new jobs, so a new
    job costs O(1) amortised, not a scan of the table)."""

    def __init__(self, first_id: int = 1, keep_finished: int = 500) -> None:
        self._jobs: dict[int, Job] = {}
        self._next_id = first_id
        self._keep_finished = keep_finished
        self._sweep_every = max(1, keep_finished // 10)
        self._created_since_sweep = 0

    def create(self, *, name: str, user: str, document_format: str, now: TimeStamp) -> Job:
        job = Job(self._next_id, f"urn:uuid:{uuid.uuid4()}", name, user, document_format, now)
        self._next_id += 1
        self._jobs[job.id] = job
        self._created_since_sweep += 1
        if self._created_since_sweep >= self._sweep_every:
            self._created_since_sweep = 0
            self.forget_old()
        return job

    def restore(self, job: Job) -> None:
        """Put back a job known from before a restart (ids stay unique: later jobs are
        numbered after it)."""
        if job.id in self._jobs:
            raise ValueError(f"job {job.id} is already in the table")
        newest = next(reversed(self._jobs), 0)
        self._jobs[job.id] = job
        if job.id < newest:  # keep id order (callers restore oldest first: no re-sort)
            self._jobs = dict(sorted(self._jobs.items()))
        self._next_id = max(self._next_id, job.id + 1)

    def get(self, job_id: int) -> Job:
        try:
            return self._jobs[job_id]
        except KeyError:
            raise IppError(StatusCode.CLIENT_ERROR_NOT_FOUND, f"job {job_id} not found") from None

    def __iter__(self) -> Iterator[Job]:
        return iter(self._jobs.values())

    def __len__(self) -> int:
        return len(self._jobs)

    @property
    def queued_count(self) -> int:
        return sum(1 for job in self._jobs.values() if not job.state.is_terminal)

    def select(self, which: str = "not-completed", user: str | None = None,
               limit: int | None = None, job_ids: Iterable[int] | None = None) -> list[Job]:
        """Get-Jobs order: not-completed jobs oldest first; completed jobs newest first."""
        wanted = None if job_ids is None else set(job_ids)
        jobs = [j for j in self._jobs.values()
                if (user is None or j.user == user) and (wanted is None or j.id in wanted)]
        if which == "completed":
            jobs = [j for j in reversed(jobs) if j.state.is_terminal]
        elif which == "not-completed":
            jobs = [j for j in jobs if not j.state.is_terminal]
        return jobs if limit is None else jobs[:limit]

    def forget_old(self) -> None:
        """Drop the oldest finished jobs beyond ``keep_finished`` now."""
        finished = [j.id for j in self._jobs.values() if j.state.is_terminal]
        for job_id in finished[:max(0, len(finished) - self._keep_finished)]:
            del self._jobs[job_id]
