"""Recovery on start, after a clean stop or a SIGKILL: every job the journal knows resumes.

- ``.part`` uploads never acknowledged leave no trace; spool files without a row go.
- A job that still needs its document but whose file is gone fails, with a reason (and
  its reservation is released through the outbox when the server had authorized it).
- ``spooled`` / ``analysed`` jobs are analysed and authorized again with the same
  ``agent_job_key``: the server answers its first decision and reserves nothing new.
- ``held`` jobs stay held; ``authorized`` jobs are forwarded.
- ``forwarding`` jobs (the agent died while sending) are **sent again**: printing is
  *at least once* in that window. The device may already have printed the document, so a
  crash mid-send can print it twice; it is charged once, because ``complete`` is
  idempotent at the server (``settle:JOB``).
- ``forwarded`` / ``failed`` / ``cancelled`` jobs whose completion was not acknowledged
  get it (re)queued in the outbox; the server never charges twice.

The queue workers and the outbox sender do the resuming; this module repairs the state
they start from.
"""

from __future__ import annotations

from dataclasses import dataclass

from printwarden.agent.model import LocalState
from printwarden.agent.storage.job_book import JobBook

L = LocalState
NEEDS_DOCUMENT = frozenset({L.SPOOLED, L.ANALYSED, L.AUTHORIZED, L.HELD, L.FORWARDING})


@dataclass(frozen=True)
class RecoveryReport:
    resumed: int
    missing_documents: int
    completions_queued: int


def recover(book: JobBook) -> RecoveryReport:
    present = set(book.spool.clean_on_start())
    resumed = missing = 0
    for job in book.journal.jobs(states=NEEDS_DOCUMENT):
        if job.spool_name in present:
            resumed += 1
            continue
        book.move(job, L.FAILED, "the spooled document was lost (missing after restart)")
        missing += 1
    queued = book.ensure_outbox()
    return RecoveryReport(resumed=resumed, missing_documents=missing,
                          completions_queued=queued)
