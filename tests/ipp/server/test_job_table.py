"""The printer's job table: finished jobs are forgotten oldest first, open ones never."""

from __future__ import annotations

import datetime as dt

from printwarden.ipp.printer.job import JobState, TimeStamp
from printwarden.ipp.printer.jobs import JobTable

NOW = TimeStamp(up_time=1, wall=dt.datetime(2026, 11, 27, tzinfo=dt.UTC))


def test_the_oldest_finished_jobs_are_forgotten_and_open_jobs_are_kept() -> None:
    table = JobTable(keep_finished=20)
    held = table.create(name="held", user="u", document_format="application/pdf", now=NOW)
    held.hold()
    for number in range(200):
        job = table.create(name=f"j{number}", user="u", document_format="application/pdf",
                           now=NOW)
        job.complete(NOW)

    finished = [job for job in table if job.state == JobState.COMPLETED]
    assert 20 <= len(finished) <= 20 + 2  # one sweep every keep_finished // 10 jobs
    assert [job.name for job in finished] == [f"j{n}" for n in range(200 - len(finished), 200)]
    assert table.get(held.id) is held
    assert [job.id for job in table.select("not-completed")] == [held.id]
