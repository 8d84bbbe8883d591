"""Central records a remote's ended jobs in its job log: each once, by its id.

A remote sends a job once it has ended (``sync/job_outbox.py``), with its job log. Central
inserts it as it was at the remote, its id included, with ``origin_site`` = the remote's
name (as central knows it, whatever the remote says) and no reservation: nothing is
charged here (the money came with the ledger outbox). One transaction per push, the
remote's row locked first (two pushes of one remote take turns), so a job is recorded
once however often it is sent: a job central has from this remote is a duplicate.

The same print authorized at both servers (a twin): an agent whose authorize reached
central but whose answer did not (a cut, a timeout) asks the remote with the same agent
job key, and follows the remote's answer; central keeps a job of its own for that key,
held or authorized, with a reservation. When the remote's job comes (``settle_twin``):

- it completed (the agent printed it and reported there; the money came with the ledger
  outbox) and central's job charged nothing: central's job takes its ending (state,
  counts, cost, ``origin_site`` the remote), its reservation is released uncharged and
  its log says why. One job in central's log, charged once.
- it ended otherwise (cancelled, expired, denied): central's job stands as it is (the
  agent follows it, or it ends its own way: printed, cancelled or expired); the remote's
  is acknowledged as a duplicate.
- both were charged, or the remote claims a charge central's ledger never got: kept as a
  problem.

Never dropped. A job central cannot record as it is is kept, with its reason, among the
remote's problems (``sync_reconcile_problems``, key ``job:<id>``) and acknowledged all the
same: ``job_conflict`` (its id is another site's job, or its agent's job key is a job
central has under another id that was charged too), and ``unknown_agent`` /
``unknown_queue`` (not at central: removed there meanwhile).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from printwarden.core.clock import Clock
from printwarden.core.errors import ConflictError, NotFoundError
from printwarden.core.ids import new_id
from printwarden.db.engine import Database
from printwarden.devices.tables import agents, queues
from printwarden.jobs import store
from printwarden.jobs.model import Job, JobEvent, JobState
from printwarden.jobs.tables import jobs
from printwarden.ledger.reservations import ReservationOps
from printwarden.ledger.tables import ledger_entries
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
    def __init__(self, db: Database, clock: Clock, ledger: ReservationOps) -> None:
        self._db = db
        self._clock = clock
        self._ledger = ledger

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
            if reason is not None and reason[0] == JOB_CONFLICT and job.id not in held:
                settled = self._settle_twin(conn, job, site, now)
                if settled is not None:
                    recorded += settled
                    duplicates += 1 - settled
                    continue
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

    def _settle_twin(self, conn: Connection, pushed: Job, site: str,
                     now: datetime) -> int | None:
        """Settle the remote's ``pushed`` job against central's own job of the same agent
        job key (module docstring): 1 when central's job took its ending, 0 when it is a
        duplicate, None when it is a problem (both charged, or no charge arrived)."""
        row = store.find_job_by_key(conn, pushed.agent_id, pushed.agent_job_key)
        assert row is not None
        mine = store.job_from_row(row)
        if mine.origin_site == site:  # settled by an earlier push of this remote
            return 0
        if pushed.state is not JobState.COMPLETED:
            return 0
        charged_here = mine.state is JobState.COMPLETED or bool(mine.charged_cost_minor)
        if charged_here or not _charge_arrived(conn, pushed):
            return None
        if mine.reservation_id is not None:
            with contextlib.suppress(ConflictError):  # settled at nothing: none is open
                self._ledger.release_in(conn, mine.reservation_id,
                                        idempotency_key=f"release:{mine.id}",
                                        actor=f"remote:{site}")
        _adopt(conn, mine, pushed, site, now)
        return 1


def _charge_arrived(conn: Connection, pushed: Job) -> bool:
    """Whether the remote's charge for ``pushed`` is in central's ledger (its ledger
    outbox is pushed before its jobs): a job that claims a charge central never got is
    no twin to settle but a problem."""
    if not pushed.charged_cost_minor:
        return True
    found = conn.execute(sa.select(ledger_entries.c.id).where(
        ledger_entries.c.job_id == pushed.id).limit(1)).first()
    return found is not None


def _adopt(conn: Connection, mine: Job, pushed: Job, site: str, now: datetime) -> None:
    """Central's job ``mine`` takes the ending of the remote's twin ``pushed``."""
    why = (f"ended at {site}, which authorized it too (its job {pushed.id}): "
           f"{pushed.state_reason}")[:500]
    store.save_job(conn, replace(
        mine, state=pushed.state, state_reason=why, pages=pushed.pages,
        color_pages=pushed.color_pages, copies=pushed.copies, sheets=pushed.sheets,
        charged_cost_minor=pushed.charged_cost_minor, device_id=pushed.device_id,
        fee_minor=pushed.fee_minor, flag=pushed.flag or mine.flag,
        completed_at=pushed.completed_at or now, updated_at=now, origin_site=site))
    store.insert_events(conn, [JobEvent(new_id(), mine.id, now, mine.state, pushed.state,
                                        why)])


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
