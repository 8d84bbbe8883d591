"""The remote's push of its ledger outbox to central.

Unacked entries go in site-sequence order, ``batch`` at a time; central's answer
(``acked_through``) is recorded in one transaction before the next batch. A lost answer
(cut mid-response, central killed after its commit) records nothing: the next push sends
the same entries and central skips what it has. A 409 (central wants them from another
sequence: it was restored from an older backup, or this remote was) moves the recorded
ack to central's word and the next push starts there.

It runs on the puller's thread, before each pull (``Puller``): a feed page is then
always fetched after the last ack it may reflect, which ``replica_balances`` relies on.

After the entries, a batch of the remote's ended jobs goes to central's job log
(``sync/job_outbox.py``); each is marked sent once central's answer names it. A
refusal of that batch is logged and tried again next round: it never holds back the
ledger entries nor the pull. The batch of jobs is read before the entries are: a job's
charge commits with its ending, so every job sent has its charge in the entries central
acked just before (central settles a twin only once the charge is there). A job that
ended while the entries were on their way goes next round, after its charge; and the
jobs wait while entries remain unacked.
"""

from __future__ import annotations

from typing import Any

import structlog
from sqlalchemy.engine import Connection

from printwarden.core.clock import Clock, SystemClock
from printwarden.db.engine import Database
from printwarden.remote.central_client import CentralClient, CentralError
from printwarden.sync import job_outbox, outbox
from printwarden.sync.reconcile_plan import OutboxGap

log = structlog.get_logger("printwarden.remote")


class Pusher:
    def __init__(self, db: Database, central: CentralClient, *, batch: int = 500,
                 jobs_batch: int = 200, clock: Clock | None = None) -> None:
        self._db = db
        self._central = central
        self._batch = batch
        self._jobs_batch = jobs_batch
        self._clock = clock or SystemClock()

    def pending(self) -> int:
        return self._db.read(outbox.pending_count)

    def push_once(self) -> bool:
        """Push one batch of entries, then one of ended jobs; True: more wait (push
        again at once)."""
        ended = self._db.read(lambda conn: job_outbox.unsent(conn, self._jobs_batch))
        if self._push_entries():
            return True  # the jobs go once every entry before them is acked
        return self._push_jobs(ended)

    def _push_entries(self) -> bool:
        def read(conn: Connection) -> tuple[list[dict[str, Any]], int]:
            return outbox.unacked(conn, self._batch), outbox.pending_count(conn)

        batch, pending = self._db.read(read)
        if not batch:
            return False
        try:
            acked = self._central.push_outbox(batch, pending=pending)
        except OutboxGap as gap:
            log.warning("outbox_resend", acked_through=gap.acked_through,
                        first_sent=batch[0]["seq"])
            acked = gap.acked_through
        self._db.write(lambda conn: outbox.record_ack(conn, acked))
        return acked < int(batch[-1]["seq"]) or len(batch) == self._batch

    def _push_jobs(self, batch: list[dict[str, Any]]) -> bool:
        if not batch:
            return False
        try:
            answer = self._central.push_jobs(batch)
        except CentralError as exc:  # refused or broken: the entries and pulls go on
            log.warning("jobs_push_failed", error=str(exc), first_job=batch[0]["id"])
            return False
        acked = set(answer) & {str(job["id"]) for job in batch}
        now = self._clock.now()
        self._db.write(lambda conn: job_outbox.record_sent(conn, sorted(acked), now))
        return len(batch) == self._jobs_batch

    def push_all(self, max_batches: int = 1_000_000) -> int:
        """Push until nothing waits (tests, shutdown); answer the acked sequence."""
        for _ in range(max_batches):
            if not self.push_once():
                break
        return self._db.read(outbox.acked_through)
