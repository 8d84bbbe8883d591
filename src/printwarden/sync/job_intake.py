"""Central records a remote's ended jobs in its job log: each once, by its id.

A remote sends a job once it has ended (``sync/job_outbox.py``), with its job log. Central
inserts it as it was at the remote, its id included, with ``origin_site`` = the remote's
name (as central knows it, whatever the remote says) and no reservation: nothing is
charged here (the money came with the ledger outbox). One transaction per push, the
remote's row locked first (two pushes of one remote take turns), so a job is recorded
once however often it is sent: a job central has from this remote is a duplicate.

Never dropped. A job central cannot record as it is is kept, with its reason, among the
remote's problems (``sync_reconcile_problems``, key ``job:<id>``) and acknowledged all the
same: ``job_conflict`` (its id is another site's job, or its agent's job key is a job
central has under another id: the same print authorized at both servers), and
``unknown_agent`` / ``unknown_queue`` (not at central: removed there meanwhile).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from printwarden.core.clock import Clock
from printwarden.core.errors import NotFoundError
from printwarden.core.ids import new_id
from printwarden.db.engine import Database
from printwarden.devices.tables import agents, queues
from printwarden.jobs import store
from printwarden.jobs.model import Job, JobEvent, JobState
from printwarden.jobs.tables import jobs
from printwarden.sync.tables import sync_reconcile_problems as problems
from printwarden.sync.tables import sync_remotes

JOB_CONFLICT = "job_conflict"
UNKNOWN_AGENT = "unknown_agent"
UNKNOWN_QUEUE = "unknown_queue"


@dataclass(frozen=True)
class PushedJob:
    """One ended job as the remote sends it (``job`` has no origin yet)."""

    job: Job
    events: Sequence[tuple[datetime, JobState | None, JobState, str]]
    #: The job as it was sent, kept with a problem.
    raw: dict[str, Any]


@dataclass(frozen=True)
class JobPushResult:
    acked: list[str]
    recorded: int
    duplicates: int
    problems: int


def problem_key(job_id: str) -> str:
    return f"job:{job_id}"


class JobIntake:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def apply(self, remote_id: str, pushed: Sequence[PushedJob]) -> JobPushResult:
        """Record one push of remote ``remote_id``. Another writer inserting one of its
        jobs meanwhile fails an insert on its unique index: the push runs again."""
        def run(conn: Connection) -> JobPushResult:
            return self._apply_in(conn, remote_id, pushed)

        try:
            return self._db.write(run)
        except IntegrityError:
            return self._db.write(run)

    def _apply_in(self, conn: Connection, remote_id: str,
                  pushed: Sequence[PushedJob]) -> JobPushResult:
        remote = conn.execute(self._db.for_update(
            sa.select(sync_remotes.c.name).where(sync_remotes.c.id == remote_id))).first()
        if remote is None:
            raise NotFoundError("this remote is gone")
        site = str(remote.name)
        ids = sorted({p.job.id for p in pushed})
        held = {str(row.id): row.origin_site for row in conn.execute(
            sa.select(jobs.c.id, jobs.c.origin_site).where(jobs.c.id.in_(ids)))}
        kept = set(conn.execute(sa.select(problems.c.idempotency_key).where(
            problems.c.remote_id == remote_id,
            problems.c.idempotency_key.in_([problem_key(i) for i in ids]))).scalars())
        known_agents = _present(conn, agents.c.id, {p.job.agent_id for p in pushed})
        known_queues = _present(conn, queues.c.id, {p.job.printer_id for p in pushed})
        recorded = duplicates = found = 0
        now = self._clock.now()
        for item in pushed:
            job = item.job
            if problem_key(job.id) in kept or (job.id in held and held[job.id] == site):
                duplicates += 1
                continue
            reason = _refusal(conn, job, held, known_agents, known_queues)
            if reason is not None:
                conn.execute(problems.insert().values(
                    id=new_id(), remote_id=remote_id, remote_name=site, seq=0,
                    idempotency_key=problem_key(job.id), reason=reason[0],
                    message=reason[1][:500], entry=item.raw, created_at=now))
                kept.add(problem_key(job.id))
                found += 1
                continue
            store.insert_job(conn, replace(job, origin_site=site))
            store.insert_events(conn, [JobEvent(new_id(), job.id, at, from_state, to_state,
                                                reason_text)
                                       for at, from_state, to_state, reason_text in item.events])
            held[job.id] = site
            recorded += 1
        conn.execute(sync_remotes.update().where(sync_remotes.c.id == remote_id)
                     .values(last_contact_at=now))
        return JobPushResult([p.job.id for p in pushed], recorded, duplicates, found)


def _present(conn: Connection, column: sa.Column[Any], ids: set[str]) -> set[str]:
    return set(conn.execute(sa.select(column).where(column.in_(sorted(ids)))).scalars())


def _refusal(conn: Connection, job: Job, held: dict[str, str | None], known_agents: set[str],
             known_queues: set[str]) -> tuple[str, str] | None:
    if job.id in held:
        return JOB_CONFLICT, f"job {job.id} is {held[job.id] or 'central'}'s job here"
    if job.agent_id not in known_agents:
        return UNKNOWN_AGENT, f"central has no agent {job.agent_id}"
    if job.printer_id not in known_queues:
        return UNKNOWN_QUEUE, f"central has no queue {job.printer_id}"
    same = store.find_job_by_key(conn, job.agent_id, job.agent_job_key)
    if same is not None:
        return JOB_CONFLICT, (f"central has this agent's job {job.agent_job_key!r} as job "
                              f"{same['id']}")
    return None
