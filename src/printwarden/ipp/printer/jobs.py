"""The printer's job table: numbering, lookup, queue order and Get-Jobs selection (no I/O)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator

from printwarden.ipp.errors import IppError
from printwarden.ipp.printer.job import Job, JobState, TimeStamp
from printwarden.ipp.status import StatusCode

__all__ = ["WHICH_JOBS", "JobTable"]

_S = JobState
_WHICH: dict[str, Callable[[Job], bool]] = {
    "aborted": lambda job: job.state == _S.ABORTED,
    "all": lambda job: True,
    "canceled": lambda job: job.state == _S.CANCELED,
    "completed": lambda job: job.state.is_terminal,
    "not-completed": lambda job: not job.state.is_terminal,
    "pending": lambda job: job.state == _S.PENDING,
    "pending-held": lambda job: job.state == _S.PENDING_HELD,
    "processing": lambda job: job.state == _S.PROCESSING,
    "processing-stopped": lambda job: job.state == _S.PROCESSING_STOPPED,
    "proof-print": lambda job: False,  # no proof-print jobs: the printer makes none
}
WHICH_JOBS: tuple[str, ...] = tuple(sorted(_WHICH))
"""which-jobs values of Get-Jobs that the printer supports (PWG 5100.11 / 5100.12)."""
_NEWEST_FIRST = frozenset({"aborted", "canceled", "completed"})


class JobTable:
    """Jobs by id, oldest first; keeps about ``keep_finished`` finished jobs (the oldest
    finished ones are dropped in sweeps every ``keep_finished // 10`` new jobs, so a new
    job costs O(1) amortised, not a scan of the table).

    ``watcher`` is given to every job put in the table (the engine's change listener).
    The queue order of jobs that wait is id order, changed by ``promote``/``place_after``.
    """

    def __init__(self, first_id: int = 1, keep_finished: int = 500) -> None:
        self._jobs: dict[int, Job] = {}
        self._next_id = first_id
        self._keep_finished = keep_finished
        self._sweep_every = max(1, keep_finished // 10)
        self._created_since_sweep = 0
        self._order: list[int] | None = None
        """Waiting jobs in queue order once reordered; None: id order."""
        self.watcher: Callable[[Job], None] | None = None

    def create(self, *, name: str, user: str, document_format: str, now: TimeStamp) -> Job:
        job = Job(self._next_id, f"urn:uuid:{uuid.uuid4()}", name, user, document_format, now,
                  last_activity=now.up_time, watcher=self.watcher)
        self._next_id += 1
        self._jobs[job.id] = job
        if self._order is not None:
            self._order.append(job.id)
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
        job.watcher = self.watcher
        self._jobs[job.id] = job
        if job.id < newest:  # keep id order (callers restore oldest first: no re-sort)
            self._jobs = dict(sorted(self._jobs.items()))
        self._next_id = max(self._next_id, job.id + 1)
        self._order = None

    def get(self, job_id: int) -> Job:
        try:
            return self._jobs[job_id]
        except KeyError:
            raise IppError(StatusCode.CLIENT_ERROR_NOT_FOUND, f"job {job_id} not found") from None

    def find(self, job_id: int) -> Job | None:
        return self._jobs.get(job_id)

    def __iter__(self) -> Iterator[Job]:
        return iter(self._jobs.values())

    def __len__(self) -> int:
        return len(self._jobs)

    @property
    def queued_count(self) -> int:
        return sum(1 for job in self._jobs.values() if not job.state.is_terminal)

    def select(self, which: str = "not-completed", user: str | None = None,
               limit: int | None = None, job_ids: Iterable[int] | None = None) -> list[Job]:
        """Get-Jobs order: waiting jobs in queue order; finished jobs newest first."""
        wanted = None if job_ids is None else set(job_ids)
        keep = _WHICH[which]
        source = reversed(self._jobs.values()) if which in _NEWEST_FIRST else self.in_order()
        jobs = [j for j in source if keep(j)
                and (user is None or j.user == user) and (wanted is None or j.id in wanted)]
        return jobs if limit is None else jobs[:limit]

    def in_order(self) -> Iterator[Job]:
        """Every job: the finished ones in id order, then the open ones in queue order."""
        if self._order is None:
            yield from self._jobs.values()
            return
        yield from (j for j in self._jobs.values() if j.state.is_terminal)
        seen: set[int] = set()
        for job_id in self._order:
            job = self._jobs.get(job_id)
            if job is not None and not job.state.is_terminal:
                seen.add(job_id)
                yield job
        yield from (j for j in self._jobs.values()
                    if not j.state.is_terminal and j.id not in seen)

    def waiting(self) -> list[Job]:
        """Jobs not yet finished, in queue order."""
        return [job for job in self.in_order() if not job.state.is_terminal]

    def promote(self, job: Job) -> None:
        """Make ``job`` the next one to print (Promote-Job)."""
        order = [j.id for j in self.waiting() if j.id != job.id]
        self._order = [job.id, *order]

    def place_after(self, job: Job, predecessor: Job | None) -> None:
        """Put ``job`` right after ``predecessor``, or last (Schedule-Job-After)."""
        order = [j.id for j in self.waiting() if j.id != job.id]
        at = len(order) if predecessor is None else order.index(predecessor.id) + 1
        order.insert(at, job.id)
        self._order = order

    def forget_old(self) -> None:
        """Drop the oldest finished jobs beyond ``keep_finished`` now."""
        finished = [j.id for j in self._jobs.values() if j.state.is_terminal]
        for job_id in finished[:max(0, len(finished) - self._keep_finished)]:
            del self._jobs[job_id]
        if self._order is not None:
            self._order = [i for i in self._order if i in self._jobs]

    def purge_finished(self) -> int:
        """Forget every finished job (Purge-Jobs); answers how many."""
        finished = [j.id for j in self._jobs.values() if j.state.is_terminal]
        for job_id in finished:
            del self._jobs[job_id]
        return len(finished)


def processing_now(jobs: JobTable) -> Job | None:
    """The job being processed (the oldest, if several)."""
    return next((j for j in jobs if j.state in (_S.PROCESSING, _S.PROCESSING_STOPPED)), None)
