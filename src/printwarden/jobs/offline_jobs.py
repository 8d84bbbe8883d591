"""Jobs an agent printed while no server answered (tracker mode): record and charge each
exactly once, and the price lists the agent prices them with.

Recording one report is one write transaction:

1. the queue must be the reporting agent's (else PermissionDenied: the item is refused);
2. ``(agent, agent_job_key)`` already known: a job recorded offline before (a replayed
   or retried upload) or one that ended online answers ``duplicate`` and changes nothing,
   except a job the server ended without printing (denied, expired, cancelled) that the
   agent reports **completed**: the denial's answer was lost (or the job ended at the
   server while the agent was cut off), and the agent printed it. What printed counts:
   the job moves to completed (``printed_after_all``, audited ``job.printed_after_all``)
   and is charged below, past the limit if need be, once.
   A job still open online is the **lost answer**: its authorize reached the server but
   the answer never reached the agent, which then decided offline. Its reservation is
   released (key ``release:JOB``) and the job is charged below, once: it is the same
   job, never a second one;
3. otherwise the job row is inserted first (the UNIQUE (agent, agent_job_key) makes a
   concurrent duplicate fail before any money moves; it is re-run and answers
   ``duplicate``);
4. the cost the agent priced is charged through the ledger with the key
   ``offline:AGENT:KEY`` (``charge_printed_in``: past the limit if need be, never
   refused: it printed), or 0 when the queue only logs offline jobs
   (``offline_charging: log``), the user is unknown, or the agent had no price list;
5. the job ends with its whole path in the job log, ``offline`` set and a ``flag``
   saying why an operator may look at it (always "offline (tracker)", plus what else).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from printwarden.core.clock import Clock
from printwarden.core.ids import new_id
from printwarden.core.money import Money
from printwarden.core.price_list_wire import price_list_json, prices_version
from printwarden.core.price_quote import printed_spec, quote
from printwarden.core.pricing import JobSpec, PriceList
from printwarden.core.principal import Principal
from printwarden.db.audit import AuditLog
from printwarden.db.engine import Database
from printwarden.jobs import store
from printwarden.jobs.agent_requests import agent_queue_in, write_once_per_key
from printwarden.jobs.model import (
    OVERRIDDEN_BY_PRINT,
    Job,
    JobEvent,
    JobState,
    can_transition,
    printed_after_all,
    received,
    transitions,
)
from printwarden.jobs.ports import Devices, Directory, Ledger, QueueView

S = JobState
OFFLINE_FLAG = "offline (tracker)"
PAST_LIMIT_FLAG = "charged past the account's limit"


@dataclass(frozen=True)
class OfflineJobReport:
    """One job as the agent's tracker journal holds it (validated by the web layer)."""

    agent_job_key: str
    queue: str
    username: str
    status: str
    cost_minor: int
    currency: str
    priced: bool = True
    prices_version: str = ""
    title: str = ""
    document_format: str = "application/octet-stream"
    size_bytes: int = 0
    copies: int = 1
    duplex: bool = False
    media: str = ""
    pages: int = 0
    color_pages: int = 0
    pages_printed: int | None = None
    copies_printed: int | None = None
    decided_at: datetime | None = None
    reason: str = ""


@dataclass(frozen=True)
class OfflineResult:
    agent_job_key: str
    outcome: str  # "recorded" or "duplicate"
    job: Job

    @property
    def charged(self) -> Money:
        return Money(self.job.charged_cost_minor or 0, self.job.currency or "EUR")


class OfflineRecorder:
    def __init__(self, db: Database, clock: Clock, audit: AuditLog, *, ledger: Ledger,
                 devices: Devices, accounts: Directory) -> None:
        self._db = db
        self._clock = clock
        self._audit = audit
        self._ledger = ledger
        self._devices = devices
        self._accounts = accounts

    def record(self, agent: Principal, report: OfflineJobReport) -> OfflineResult:
        """Record and charge ``report`` once (see the module's steps)."""
        def work(conn: Connection) -> OfflineResult:
            return self._record_in(conn, agent, report)

        return write_once_per_key(self._db, work)

    def _record_in(self, conn: Connection, agent: Principal,
                   report: OfflineJobReport) -> OfflineResult:
        queue = agent_queue_in(conn, self._devices, agent, report.queue)
        actor = f"agent:{agent.name}"
        row = store.find_job_by_key(conn, agent.id, report.agent_job_key)
        events: list[JobEvent] = []
        ended_online: JobState | None = None
        if row is not None:
            job = store.get_job(conn, row["id"], lock=True)
            if job.offline or job.terminal:
                if not _printed_after_all(job, report):
                    return OfflineResult(report.agent_job_key, "duplicate", job)
                ended_online = job.state  # an end released its reservation already
            elif job.reservation_id is not None:  # the lost answer: its hold goes, the
                self._ledger.release_in(conn, job.reservation_id,  # offline cost counts
                                        idempotency_key=f"release:{job.id}", actor=actor)
            job = self._described(job, report)
        else:
            job, first = received(new_id(), agent_id=agent.id,
                                  agent_job_key=report.agent_job_key, printer_id=queue.id,
                                  username=report.username[:200], at=self._clock.now())
            job = self._described(job, report)
            job, analysed = transitions(job, (S.ANALYSED,), "analysed by agent (offline)",
                                        self._clock.now())
            store.insert_job(conn, job)  # first: a concurrent duplicate fails here
            events = [first, *analysed]
        user = self._accounts.find_user_by_username_in(conn, report.username)
        job = replace(job, user_id=user.id if user is not None else job.user_id)
        charged, flags = self._charge(conn, agent, queue, job, report)
        when = f" at {report.decided_at.isoformat()} (agent clock)" if report.decided_at \
            else ""
        why = f"{report.status} offline (tracker){when}"[:500]
        if ended_online is None:
            job, ended = transitions(job, _path(job.state, report.status), why,
                                     self._clock.now())
        else:
            flags.append(f"{ended_online.value} by the server, printed by the agent "
                         "offline: settled as printed")
            job, moved = printed_after_all(job, why, self._clock.now())
            ended = [moved]
            self._audit.record_in(conn, actor, "job.printed_after_all", job.id,
                                  ended_online=ended_online.value,
                                  agent_job_key=report.agent_job_key)
        job = replace(job, charged_cost_minor=charged.minor,
                      currency=report.currency if report.priced else charged.currency,
                      offline=True, flag="; ".join(flags)[:500],
                      message=(f"Printed while no server answered, cost "
                               f"{Money(report.cost_minor, report.currency).format()}.")[:1000])
        store.save_job(conn, job)
        store.insert_events(conn, [*events, *ended])
        self._audit.record_in(conn, actor, "job.offline_recorded", job.id,
                              agent_job_key=report.agent_job_key, status=report.status,
                              cost_minor=report.cost_minor, charged_minor=charged.minor,
                              prices_version=report.prices_version, flag=job.flag or "")
        if PAST_LIMIT_FLAG in flags:
            self._audit.record_in(conn, actor, "job.flagged", job.id, reason=job.flag or "",
                                  status=report.status)
        return OfflineResult(report.agent_job_key, "recorded", job)

    def _described(self, job: Job, report: OfflineJobReport) -> Job:
        return replace(job, title=report.title[:500],
                       document_format=report.document_format[:100],
                       size_bytes=report.size_bytes, pages=report.pages,
                       color_pages=report.color_pages, copies=report.copies,
                       duplex=report.duplex, media=report.media[:100], decision="allow",
                       estimated_cost_minor=report.cost_minor, currency=report.currency)

    def _charge(self, conn: Connection, agent: Principal, queue: QueueView, job: Job,
                report: OfflineJobReport) -> tuple[Money, list[str]]:
        """What the job is charged (the ledger's currency) and its flags."""
        flags = [OFFLINE_FLAG]
        nothing = Money.zero(self._ledger.currency)
        if not report.priced:
            flags.append("no price list at the agent: reported at price 0")
            return nothing, flags
        if job.user_id is None:
            flags.append(f"unknown user {report.username[:100]!r}: not charged")
            return nothing, flags
        if queue.offline_charging == "log":
            flags.append("logged, not charged (queue setting offline_charging: log)")
            return nothing, flags
        if report.currency != self._ledger.currency:
            flags.append(f"priced in {report.currency}, the accounts use "
                         f"{self._ledger.currency}: not charged")
            return nothing, flags
        cost = self._checked_cost(conn, queue, report, flags)
        charge = self._ledger.charge_printed_in(
            conn, job_id=job.id, user_id=job.user_id, amount=cost,
            idempotency_key=f"offline:{agent.id}:{report.agent_job_key}",
            group_ids=tuple(self._accounts.group_ids_of_in(conn, job.user_id)),
            actor=f"agent:{agent.name}")
        if charge.past_limit:
            flags.append(PAST_LIMIT_FLAG)
        return charge.charged, flags

    def _checked_cost(self, conn: Connection, queue: QueueView, report: OfflineJobReport,
                      flags: list[str]) -> Money:
        """What the job is charged: the agent's figure, checked against the queue's price
        lists here (the same counting, ``core.price_quote``). The agent priced with the
        lists central gave it: when it names today's lists (``prices_version``) and its
        figure differs, the agent is wrong (broken or lying) and central's price is
        charged; when it names older lists (prices changed while it was cut off), its
        figure stands, as the price in force when it printed. Either difference is
        flagged for an operator."""
        agent = Money(report.cost_minor, report.currency)
        lists = self._prices_in(conn, [queue])[queue.id]
        printed = printed_spec(_spec_of(report), completed=report.status == "completed",
                               pages_printed=report.pages_printed,
                               copies_printed=report.copies_printed)
        here = quote(printed, lists) if printed is not None else None
        if here is None or not here.priced or here.currency != agent.currency \
                or here.cost_minor == agent.minor:
            return agent
        ours = Money(here.cost_minor, here.currency)
        if prices_version(lists) == report.prices_version:
            flags.append(f"the agent reported {agent.format()}, its price list prices it "
                         f"{ours.format()}: charged {ours.format()}")
            return ours
        flags.append(f"priced by the agent with older price lists ({agent.format()}); "
                     f"today's give {ours.format()}")
        return agent

    def prices_for(self, queues: list[QueueView]) -> dict[str, list[dict[str, Any]]]:
        """Queue id -> the price lists its jobs price with (``price_list_json``): a
        direct queue's device's, every distinct one of a release queue's group (the agent
        takes the dearest, as authorize does). A queue with none gets a free list, so the
        agent knows it prices at 0 and is not missing prices."""
        return self._db.read(lambda conn: self._prices_in(conn, queues))

    def _prices_in(self, conn: Connection,
                   queues: list[QueueView]) -> dict[str, list[dict[str, Any]]]:
        found: dict[str | None, PriceList | None] = {}
        answer: dict[str, list[dict[str, Any]]] = {}
        for queue in queues:
            lists: list[dict[str, Any]] = []
            for target in self._devices.price_targets_in(conn, queue):
                key = target.price_list_id
                if key not in found:
                    found[key] = self._ledger.price_list_in(conn, key)
                priced = found[key] or PriceList(id="", name="free", kind="print",
                                                 currency=self._ledger.currency)
                if (wire := price_list_json(priced)) not in lists:
                    lists.append(wire)
            answer[queue.id] = lists
        return answer


def _spec_of(report: OfflineJobReport) -> JobSpec:
    """The job as the agent analysed it (its report's figures)."""
    pages = max(report.pages, 0)
    return JobSpec(media=report.media, pages=pages,
                   color_pages=min(max(report.color_pages, 0), pages),
                   copies=max(min(report.copies, 9999), 1), duplex=report.duplex)


def _printed_after_all(job: Job, report: OfflineJobReport) -> bool:
    """The server ended ``job`` without printing it, and the agent says it printed."""
    return (report.status == "completed" and not job.offline
            and job.state in OVERRIDDEN_BY_PRINT and not job.charged_cost_minor)


def _path(state: JobState, status: str) -> tuple[JobState, ...]:
    """From ``state`` to the reported ending, each step a legal move."""
    path: list[JobState] = [S.AUTHORIZED] if state is S.ANALYSED else []
    here = path[-1] if path else state
    if status == "completed":
        steps = {S.HELD: (S.RELEASING, S.PRINTING), S.AUTHORIZED: (S.RELEASING, S.PRINTING),
                 S.RELEASING: (S.PRINTING,)}.get(here, ())
        return (*path, *steps, S.COMPLETED)
    target = S(status)
    if not can_transition(here, target):
        path.append(S.PRINTING)
    return (*path, target)
