"""Jobs use cases: authorize, printing, complete, cancel, the job log and agent events."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Connection

from printwarden.core.clock import Clock
from printwarden.core.errors import ConflictError
from printwarden.core.principal import Principal
from printwarden.db.audit import AuditLog
from printwarden.db.engine import Database
from printwarden.jobs import store
from printwarden.jobs.agent_requests import write_once_per_key
from printwarden.jobs.authorization import Authorizer, DryRun, RulesWiring
from printwarden.jobs.completion import Completer, check_reporter
from printwarden.jobs.messages import AuthorizeRequest, CompletionResult, Decision
from printwarden.jobs.model import (
    RESERVED_STATES,
    Job,
    JobEvent,
    JobState,
    note,
    transitions,
)
from printwarden.jobs.offline_jobs import (
    PAST_LIMIT_FLAG,
    OfflineJobReport,
    OfflineRecorder,
    OfflineResult,
)
from printwarden.jobs.ports import Devices, Directory, Ledger, QueueView

if TYPE_CHECKING:
    from printwarden.notify.notifier import Notifier

#: How long past its queue's job lifetime a job that holds a reservation may stay still
#: before the sweep ends it (the agent, counting from the job's arrival, gives up first).
STALE_GRACE = timedelta(hours=1)
#: A twin the agent did not follow is dropped only before it prints.
_TWIN_DROPPABLE = frozenset({JobState.HELD, JobState.AUTHORIZED, JobState.RELEASING})
MIN_JOB_LIFETIME_SECONDS = 60

_TO_PRINTING: dict[JobState, tuple[JobState, ...]] = {
    JobState.HELD: (JobState.RELEASING, JobState.PRINTING),
    JobState.AUTHORIZED: (JobState.RELEASING, JobState.PRINTING),
    JobState.RELEASING: (JobState.PRINTING,),
    JobState.PRINTING: (),
}


class JobsService:
    def __init__(self, db: Database, clock: Clock, audit: AuditLog, *, ledger: Ledger,
                 devices: Devices, accounts: Directory,
                 notifier: Notifier | None = None, low_balance_minor: int = 0) -> None:
        self._db = db
        #: Told of completions (the receipt, ``job.completed`` webhooks); None: nobody.
        self.notifier = notifier
        self._clock = clock
        self._audit = audit
        self._ledger = ledger
        self._devices = devices
        self._authorizer = Authorizer(db, clock, ledger=ledger, devices=devices,
                                      accounts=accounts)
        self._authorizer.notifier = notifier
        self._authorizer.low_balance_minor = low_balance_minor
        self._authorizer.late_twin = self._drop_late_twin_in
        self._completer = Completer(db, clock, ledger=ledger, devices=devices, audit=audit,
                                    notifier=notifier)
        self._offline = OfflineRecorder(db, clock, audit, ledger=ledger, devices=devices,
                                        accounts=accounts)

    def attach_policy(self, wiring: RulesWiring) -> None:
        """Apply print rules at authorize (the composition root, once)."""
        self._authorizer.policy = wiring

    def dry_run(self, request: AuthorizeRequest) -> DryRun:
        """What the rules would do with ``request``: fired rules, decision, cost; nothing
        is written (no job, no reservation)."""
        return self._db.read(lambda conn: self._authorizer.dry_run_in(conn, request))

    @property
    def rule_errors(self) -> int:
        return self._authorizer.rule_errors

    # --- the agent's side ------------------------------------------------------------------

    def authorize(self, agent: Principal, req: AuthorizeRequest) -> Decision:
        """Record, price and decide a job; a retry answers the first decision."""
        return self._authorizer.authorize(agent, req)

    def complete(self, agent: Principal, job_id: str, *, status: str,
                 pages_printed: int | None = None, color_pages_printed: int | None = None,
                 copies_printed: int | None = None, reason: str = "",
                 flag: str = "") -> CompletionResult:
        """Settle (completed) or release (failed, cancelled, expired) a job; idempotent.
        A ``flag`` (why an operator should look at the job) goes to the audit log."""
        return self._completer.complete(
            agent, job_id, status=status, pages_printed=pages_printed,
            color_pages_printed=color_pages_printed, copies_printed=copies_printed,
            reason=reason, flag=flag)

    def record_offline(self, agent: Principal, report: OfflineJobReport) -> OfflineResult:
        """Record and charge, once, a job the agent printed while no server answered
        (tracker mode, ``offline_jobs``); a repeat answers ``duplicate``."""
        return self._offline.record(agent, report)

    def offline_prices(self, queues: list[QueueView]) -> dict[str, list[dict[str, Any]]]:
        """Queue id -> the price lists its agent prices offline jobs with."""
        return self._offline.prices_for(queues)

    def mark_printing(self, agent: Principal, job_id: str) -> Job:
        """The agent started sending the job to the printer (idempotent)."""

        def write(conn: Connection) -> Job:
            job = store.get_job(conn, job_id, lock=True)
            check_reporter(conn, self._devices, agent, job)
            if job.state not in _TO_PRINTING:
                raise ConflictError(f"job {job_id} is {job.state.value}: it cannot print")
            job, events = transitions(job, _TO_PRINTING[job.state], "sent to the printer",
                                      self._clock.now())
            if events:
                store.save_job(conn, job)
                store.insert_events(conn, events)
            return job

        return self._db.write(write)

    def fetch_failed(self, agent: Principal, job_id: str, reason: str) -> Job:
        """Find-me: the agent of the device a job was released at could not fetch it from
        the agent holding it (unreachable until the token expired, refused, not
        configured). The job goes back to held (its reservation stays), releasable again;
        a job that moved on (printing, ended) is answered as it is. Once held again the
        job is the holding agent's alone: a repeat from the releasing agent is refused."""

        def write(conn: Connection) -> Job:
            job = store.get_job(conn, job_id, lock=True)
            check_reporter(conn, self._devices, agent, job)
            if job.state is not JobState.RELEASING or job.agent_id == agent.id:
                return job
            why = f"back to held: {agent.name} could not fetch it ({reason})"[:500]
            held, events = transitions(job, (JobState.HELD,), why, self._clock.now())
            held = replace(held, device_id=None)
            store.save_job(conn, held)
            store.insert_events(conn, events)
            self._audit.record_in(conn, f"agent:{agent.name}", "job.fetch_failed", job.id,
                                  reason=reason[:300])
            return held

        return self._db.write(write)

    def drop_twin(self, agent: Principal, agent_job_key: str, followed_job_id: str
                  ) -> Job | None:
        """The agent prints its job ``agent_job_key`` as another server's job
        ``followed_job_id`` (its authorize here was in doubt: answered too late, or before
        a crash): this server's job of that key, if it has not started printing, is
        cancelled, its reservation released. None when this server has no such job (the
        drop is kept: a job the authorize the agent gave up on makes here later is
        cancelled as it is recorded, ``_drop_late_twin_in``); the job as it is when it is
        the followed one, printing or ended. Idempotent."""

        def write(conn: Connection) -> Job | None:
            row = store.find_job_by_key(conn, agent.id, agent_job_key)
            if row is None:
                store.record_twin_drop(conn, agent.id, agent_job_key, followed_job_id,
                                       self._clock.now())
                return None
            job = store.get_job(conn, str(row["id"]), lock=True)
            if job.id == followed_job_id or job.state not in _TWIN_DROPPABLE:
                return job
            return self._drop_twin_in(conn, agent, job, followed_job_id)

        return write_once_per_key(self._db, write)

    def _drop_twin_in(self, conn: Connection, agent: Principal, job: Job,
                      followed_job_id: str) -> Job:
        return self.cancel_unprinted_in(
            conn, job, actor=f"agent:{agent.name}",
            reason=f"printed through another server (its job {followed_job_id})"[:300])

    def _drop_late_twin_in(self, conn: Connection, agent: Principal, job_id: str,
                           followed_job_id: str) -> None:
        """The authorize of a key whose drop-twin came first: its job, just recorded, is
        cancelled in the same transaction if it has not started printing."""
        job = store.get_job(conn, job_id, lock=True)
        if job.id != followed_job_id and job.state in _TWIN_DROPPABLE:
            self._drop_twin_in(conn, agent, job, followed_job_id)

    # --- staff -----------------------------------------------------------------------------

    def cancel(self, job_id: str, *, actor: str, reason: str = "") -> Job:
        """Cancel a job not yet finished: no charge, and its agent is told to drop it.

        A job being printed cannot be taken back from the printer by the server: its agent
        is told to stop it, and it ends when the agent reports what printed before (those
        pages are charged, the rest of the reservation is released)."""
        job = self.get_job(job_id)
        if job.terminal:
            raise ConflictError(f"job {job_id} is already {job.state.value}")
        if job.state is JobState.PRINTING:
            return self._ask_agent_to_stop(job, actor=actor, reason=reason)
        if job.reservation_id and job.state in RESERVED_STATES:
            self._ledger.release(job.reservation_id, idempotency_key=f"release:{job_id}",
                                 actor=actor)
        why = f"cancelled by {actor}" + (f": {reason}" if reason else "")

        def write(conn: Connection) -> Job:
            current = store.get_job(conn, job_id, lock=True)
            moved, events = transitions(current, (JobState.CANCELLED,), why[:500],
                                        self._clock.now())
            moved = _with_charge(moved, 0)
            store.save_job(conn, moved)
            store.insert_events(conn, events)
            self._devices.append_event_in(conn, moved.agent_id, "cancel", {
                "job_id": moved.id, "agent_job_key": moved.agent_job_key, "reason": why,
            })
            self._audit.record_in(conn, actor, "job.cancel", job_id, reason=reason)
            return moved

        return self._db.write(write)

    def cancel_unprinted_in(self, conn: Connection, job: Job, *, actor: str, reason: str,
                       message: str = "") -> Job:
        """Cancel ``job``, which has not started printing (held, authorized or releasing;
        locked by the caller), in the caller's transaction: reservation released, nothing
        charged, the agent told to drop the document."""
        if job.reservation_id:
            self._ledger.release_in(conn, job.reservation_id,
                                    idempotency_key=f"release:{job.id}", actor=actor)
        why = f"cancelled by {actor}" + (f": {reason}" if reason else "")
        moved, events = transitions(job, (JobState.CANCELLED,), why[:500], self._clock.now())
        moved = replace(_with_charge(moved, 0), hold_reason=None,
                        message=(message or moved.message)[:1000])
        store.save_job(conn, moved)
        store.insert_events(conn, events)
        self._devices.append_event_in(conn, moved.agent_id, "cancel", {
            "job_id": moved.id, "agent_job_key": moved.agent_job_key, "reason": why})
        self._audit.record_in(conn, actor, "job.cancel", job.id, reason=reason)
        return moved

    def _ask_agent_to_stop(self, job: Job, *, actor: str, reason: str) -> Job:
        why = f"cancel requested by {actor}" + (f": {reason}" if reason else "")

        def write(conn: Connection) -> Job:
            current = store.get_job(conn, job.id, lock=True)
            if current.terminal:
                raise ConflictError(f"job {job.id} is already {current.state.value}")
            noted, event = note(current, why[:500], self._clock.now())
            store.save_job(conn, noted)
            store.insert_events(conn, [event])
            self._devices.append_event_in(conn, noted.agent_id, "cancel", {
                "job_id": noted.id, "agent_job_key": noted.agent_job_key, "reason": why,
            })
            self._audit.record_in(conn, actor, "job.cancel", job.id, reason=reason,
                                  printing=True)
            return noted

        return self._db.write(write)

    # --- faults ----------------------------------------------------------------------------

    def revoke_agent(self, agent_id: str, *, actor: str) -> int:
        """Revoke an agent and end its open jobs in the same transaction: each is failed
        with the reason and its reservation released (a revoked agent can no longer report
        what it printed; jobs it was printing at that moment are not charged). Answers
        how many jobs were ended."""

        def write(conn: Connection) -> int:
            self._devices.revoke_agent_in(conn, agent_id, actor=actor)
            ended = 0
            while batch := store.open_jobs(conn, agent_id=agent_id):
                for job in batch:
                    self._end(conn, job, JobState.FAILED, f"its agent was revoked by {actor}: "
                              "no result can come from it", actor=actor)
                    ended += 1
            return ended

        return self._db.write(write)

    def expire_stale(self, *, grace: timedelta = STALE_GRACE, limit: int = 500) -> int:
        """End jobs that hold a reservation but have not moved within their queue's job
        lifetime (plus ``grace``, so an agent that is still trying gives up first): expired,
        reservation released, the agent told to drop the document. Answers how many."""
        now = self._clock.now()
        shortest = timedelta(seconds=MIN_JOB_LIFETIME_SECONDS) + grace

        def write(conn: Connection) -> int:
            expired = 0
            lifetimes: dict[str, timedelta] = {}
            for job in store.open_jobs(conn, states=RESERVED_STATES,
                                       not_moved_since=now - shortest, limit=limit,
                                       skip_locked=True):
                if job.printer_id not in lifetimes:
                    printer = self._devices.get_queue_in(conn, job.printer_id)
                    lifetimes[job.printer_id] = timedelta(
                        seconds=printer.job_lifetime_seconds) + grace
                if now - job.updated_at < lifetimes[job.printer_id]:
                    continue
                self.expire_in(conn, job, "nothing moved within the queue's job lifetime: "
                               "expired, nothing charged", actor="scheduler")
                expired += 1
            return expired

        return self._db.write(write)

    def expire_in(self, conn: Connection, job: Job, reason: str, *, actor: str) -> None:
        """End ``job`` expired in the caller's transaction: nothing charged, reservation
        released, its agent told to delete the document (an ``expire`` event)."""
        self._end(conn, job, JobState.EXPIRED, reason, actor=actor)
        self._devices.append_event_in(conn, job.agent_id, "expire", {
            "job_id": job.id, "agent_job_key": job.agent_job_key,
            "reason": f"expired at the server: {reason}"[:500]})

    def _end(self, conn: Connection, job: Job, state: JobState, reason: str, *,
             actor: str) -> None:
        if job.reservation_id and job.state in RESERVED_STATES:
            self._ledger.release_in(conn, job.reservation_id,
                                    idempotency_key=f"release:{job.id}", actor=actor)
        moved, events = transitions(job, (state,), reason[:500], self._clock.now())
        store.save_job(conn, _with_charge(moved, 0))
        store.insert_events(conn, events)

    def get_job(self, job_id: str) -> Job:
        return self._db.read(lambda conn: store.get_job(conn, job_id))

    def list_jobs(self, *, user_id: str | None = None, username: str | None = None,
                  printer_id: str | None = None, agent_id: str | None = None,
                  state: JobState | str | None = None, since: datetime | None = None,
                  until: datetime | None = None, offline: bool | None = None,
                  past_limit: bool | None = None, offset: int = 0,
                  limit: int = 100) -> tuple[list[Job], int]:
        """Jobs newest first, filtered, one page of them and the total count.
        ``past_limit``: offline jobs charged past their account's limit."""
        where = store.JobFilter(user_id=user_id, username=username, printer_id=printer_id,
                                agent_id=agent_id,
                                state=JobState(state) if state is not None else None,
                                since=since, until=until, offline=offline,
                                flag_contains=PAST_LIMIT_FLAG if past_limit else None)
        return self._db.read(lambda conn: store.list_jobs(conn, where, offset, limit))

    def job_events(self, job_id: str) -> list[JobEvent]:
        """The job log, oldest first."""
        return self._db.read(lambda conn: store.list_events(conn, job_id))


def _with_charge(job: Job, minor: int) -> Job:
    return replace(job, charged_cost_minor=minor)
