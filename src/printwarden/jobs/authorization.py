"""Authorize a job an agent received: record it, price it, reserve the money, decide.

The job row is written first (received -> analysed); pricing and the reservation run in
the ledger's own transactions; the decision is written last. A retry with the same
(agent, agent_job_key) finds the job: a decided job answers its stored decision, an
undecided one (a crash in between) resumes with the same idempotency key, so there is
never a second reservation.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from printwarden.core.clock import Clock
from printwarden.core.errors import InsufficientFunds, NotFoundError, PermissionDenied
from printwarden.core.ids import new_id
from printwarden.core.money import Money
from printwarden.core.principal import Principal
from printwarden.db.engine import Database
from printwarden.devices.model import Printer
from printwarden.devices.service import DevicesService
from printwarden.jobs import cost_codec, store
from printwarden.jobs.messages import (
    AccountCharge,
    AuthorizeRequest,
    Decision,
    unknown_pages_denial,
)
from printwarden.jobs.model import DECISION_STATES, Job, JobState, received, transition
from printwarden.jobs.ports import Directory, Ledger
from printwarden.jobs.tables import jobs
from printwarden.ledger.model import CostBreakdown, JobSpec


@dataclass(frozen=True)
class _Verdict:
    decision: str
    message: str
    user_id: str | None = None
    cost: CostBreakdown | None = None
    reservation_id: str | None = None
    accounts: tuple[AccountCharge, ...] = ()


class Authorizer:
    def __init__(self, db: Database, clock: Clock, *, ledger: Ledger, devices: DevicesService,
                 accounts: Directory) -> None:
        self._db = db
        self._clock = clock
        self._ledger = ledger
        self._devices = devices
        self._accounts = accounts

    def authorize(self, agent: Principal, request: AuthorizeRequest) -> Decision:
        printer = self._devices.find_printer_by_name(request.queue)
        if printer is None:
            raise NotFoundError(f"no queue named {request.queue!r}")
        if printer.agent_id != agent.id:
            raise PermissionDenied(f"queue {request.queue!r} is not served by agent "
                                   f"{agent.name!r}")
        job = self._open(agent, printer, request)
        if job.decision is not None:
            return self._db.read(lambda conn: stored_decision(conn, job.id))
        verdict = self._decide(job, printer, request)
        return self._db.write(lambda conn: self._record(conn, job.id, request, verdict))

    # --- steps -----------------------------------------------------------------------------

    def _open(self, agent: Principal, printer: Printer, request: AuthorizeRequest) -> Job:
        def write(conn: Connection) -> Job:
            row = store.find_job_row(conn, (jobs.c.agent_id == agent.id)
                                     & (jobs.c.agent_job_key == request.agent_job_key))
            if row is not None:
                return store.job_from_row(row)
            now = self._clock.now()
            job, first = received(new_id(), agent_id=agent.id,
                                  agent_job_key=request.agent_job_key, printer_id=printer.id,
                                  username=request.username[:200], at=now)
            job = replace(
                job, title=request.title[:500], document_format=request.document_format[:100],
                size_bytes=request.size_bytes, pages=request.analysis.pages,
                color_pages=request.billable_color_pages, copies=request.copies,
                duplex=request.duplex, media=request.media[:100],
            )
            reason = "analysed by agent" + (" (estimated)" if request.estimated else "")
            job, analysed = transition(job, JobState.ANALYSED, reason, now)
            store.insert_job(conn, job)
            store.insert_events(conn, [first, analysed])
            return job

        try:
            return self._db.write(write)
        except IntegrityError:  # the same job opened concurrently: take the winner's row
            return self._db.write(write)

    def _decide(self, job: Job, printer: Printer, request: AuthorizeRequest) -> _Verdict:
        if not printer.enabled:
            return _Verdict("deny", f"Queue '{printer.name}' is disabled.")
        user = self._accounts.find_user_by_username(request.username)
        if user is None or not user.active:
            return _Verdict("deny", f"Unknown user '{request.username}': ask your "
                                    "administrator for an account.")
        denial = unknown_pages_denial(request)
        if denial is not None or request.analysis.pages is None:
            return _Verdict("deny", denial or "unknown page count", user_id=user.id)
        spec = JobSpec(media=job.media, pages=request.analysis.pages,
                       color_pages=request.billable_color_pages or 0, copies=request.copies,
                       duplex=request.duplex)
        cost = self._ledger.cost(self._devices.price_list_for_printer(printer), spec)
        try:
            reservation = self._ledger.reserve(
                job_id=job.id, user_id=user.id, amount=cost.total,
                idempotency_key=f"reserve:{job.id}",
                group_ids=tuple(group.id for group in self._accounts.groups_of(user.id)),
                shared_account_id=request.shared_account_id, actor=f"agent:{job.agent_id}",
            )
        except InsufficientFunds as exc:
            return _Verdict("deny", exc.message, user_id=user.id, cost=cost)
        accounts = tuple(AccountCharge(part.account_id, part.amount)
                         for part in reservation.parts)
        if printer.hold_for_release:
            message = f"Held: release the job at a printer ({cost.total.format()})."
            return _Verdict("hold", message, user.id, cost, reservation.id, accounts)
        return _Verdict("allow", f"Printing, cost {cost.total.format()}.", user.id, cost,
                        reservation.id, accounts)

    def _record(self, conn: Connection, job_id: str, request: AuthorizeRequest,
                verdict: _Verdict) -> Decision:
        job = store.get_job(conn, job_id, lock=True)
        if job.decision is not None:  # a concurrent retry decided first
            return stored_decision(conn, job_id)
        reason = verdict.message if verdict.decision == "deny" else f"decision {verdict.decision}"
        job, event = transition(job, DECISION_STATES[verdict.decision], reason[:500],
                                self._clock.now())
        total = verdict.cost.total if verdict.cost else None
        job = replace(
            job, user_id=verdict.user_id, decision=verdict.decision,
            message=verdict.message[:1000], reservation_id=verdict.reservation_id,
            estimated_cost_minor=total.minor if total else None,
            currency=total.currency if total else job.currency,
            charged_cost_minor=0 if verdict.decision == "deny" else None,
        )
        detail: dict[str, Any] = {
            "estimated": request.estimated,
            "accounts": [{"account_id": a.account_id, "minor": a.amount.minor,
                          "currency": a.amount.currency} for a in verdict.accounts],
            "cost": cost_codec.dump(verdict.cost) if verdict.cost else None,
        }
        store.save_job(conn, job, decision_detail=detail)
        store.insert_events(conn, [event])
        return stored_decision(conn, job_id)


def stored_decision(conn: Connection, job_id: str) -> Decision:
    """The decision recorded for ``job_id``, as first answered."""
    job = store.get_job(conn, job_id)
    detail = store.decision_detail(conn, job_id)
    accounts = tuple(AccountCharge(item["account_id"], _money(item))
                     for item in detail.get("accounts", ()))
    cost = cost_codec.load(detail["cost"]) if detail.get("cost") else None
    return Decision(job_id=job.id, decision=job.decision or "deny", message=job.message,
                    cost=cost, reservation_id=job.reservation_id, accounts=accounts,
                    estimated=bool(detail.get("estimated", False)), state=job.state)


def _money(item: dict[str, Any]) -> Money:
    return Money(int(item["minor"]), str(item["currency"]))
