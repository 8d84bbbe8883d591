"""What the virtual printer printed, on disk (``--print-log FILE``): one line per ended job.

Each job that ends (completed, canceled, aborted) is appended and fsynced: its id, name,
owner, final state and the impressions it printed. The virtual printer "prints" a job
at once when its processing time is over, so the log is the truth of what came out of
it, whatever happens to the process afterwards: tests compare it with what was charged.

With ``keep_history`` the printer reads the log back when it starts and knows its ended
jobs again (Get-Job-Attributes answers for them, new jobs are numbered after them), as
printers that keep a job history across a reboot do; without it, a restarted printer
forgets them (``client-error-not-found``), as most do.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

from printwarden.ipp.printer import Job, JobState, TimeStamp

__all__ = ["PrintLog", "Printed"]


@dataclass(frozen=True)
class Printed:
    """One ended job as the log keeps it."""

    job_id: int
    name: str
    user: str
    state: int
    impressions: int
    at: str

    @property
    def completed(self) -> bool:
        return self.state == JobState.COMPLETED


class PrintLog:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def record(self, job: Job) -> None:
        line = json.dumps({"job_id": job.id, "name": job.name, "user": job.user,
                           "state": int(job.state),
                           "impressions": job.impressions_completed,
                           "at": dt.datetime.now(dt.UTC).isoformat()})
        with self._lock:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                os.write(fd, (line + "\n").encode())
                os.fsync(fd)
            finally:
                os.close(fd)

    def entries(self) -> list[Printed]:
        if not self.path.exists():
            return []
        found = []
        for line in self.path.read_text("utf-8").splitlines():
            try:
                found.append(Printed(**json.loads(line)))
            except (ValueError, TypeError):
                continue  # a line cut by a crash mid-write: the job did not end then
        return found

    def history(self, now: TimeStamp) -> list[Job]:
        """The logged jobs as ended jobs of a printer that starts at ``now`` (the last
        entry of an id wins: ids started again from 1 after a restart without history)."""
        latest = {entry.job_id: entry for entry in self.entries()}
        jobs = []
        for entry in sorted(latest.values(), key=lambda e: e.job_id):
            job = Job(entry.job_id, f"urn:uuid:{uuid.uuid4()}", entry.name, entry.user,
                      "application/octet-stream", now, state=JobState(entry.state),
                      documents_closed=True, completed=now,
                      impressions=entry.impressions,
                      impressions_completed=entry.impressions)
            jobs.append(job)
        return jobs
