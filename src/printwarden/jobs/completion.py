"""Finish a job the agent reports done: charge what was really printed, or release.

Charging rule: a completed job is re-priced with the pages and copies the agent really
sent (falling back to the analysed figures when it does not say) and the reservation is
settled with that amount. A failed or cancelled job is not charged, unless the agent
reports pages printed before the failure: those pages (x copies printed, default 1) are
charged. Ledger calls carry ``settle:JOB`` / ``release:JOB`` idempotency keys.

One write transaction: lock the job row, settle or release (``settle_in`` /
``release_in``), write the final state and its log. A repeated ``complete`` finds the
job finished (concurrent repeats wait on the job's lock) and charges once.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from sqlalchemy.engine import Connection

from printwarden.core.clock import Clock
from printwarden.core.errors import ConflictError, PermissionDenied, ValidationError
from printwarden.core.money import Money
from printwarden.core.principal import Principal
from printwarden.db.audit import AuditLog
from printwarden.db.engine import Database
from printwarden.jobs import store
from printwarden.jobs.messages import COMPLETION_STATUSES, CompletionResult
from printwarden.jobs.model import Job, JobState, transitions, with_fee
from printwarden.jobs.ports import Devices, Ledger
from printwarden.jobs.queue_pricing import Unpriceable, quote_for_queue
from printwarden.ledger.model import JobSpec

if TYPE_CHECKING:
    from printwarden.notify.notifier import Notifier

S = JobState
#: The path from each state still open to a completed job (every step is logged).
_TO_COMPLETED: dict[JobState, tuple[JobState, ...]] = {
    S.HELD: (S.RELEASING, S.PRINTING, S.COMPLETED),
    S.AUTHORIZED: (S.RELEASING, S.PRINTING, S.COMPLETED),
    S.RELEASING: (S.PRINTING, S.COMPLETED),
    S.PRINTING: (S.COMPLETED,),
}


def check_reporter(conn: Connection, devices: Devices, agent: Principal, job: Job) -> None:
    """Who may report on a job: the agent that holds it, or, once it was released at a
    device of another agent (find-me), the agent serving that device (it fetched the
    document and prints it). Anyone else: PermissionDenied."""
    if job.agent_id == agent.id:
        return
    if job.device_id is not None and job.state is not S.HELD and \
            devices.device_in(conn, job.device_id).agent_id == agent.id:
        return
    raise PermissionDenied(f"job {job.id} belongs to another agent")


def result_of(job: Job) -> CompletionResult:
    return CompletionResult(job_id=job.id, state=job.state,
                            charged=Money(job.charged_cost_minor or 0, job.currency or "EUR"),
                            message=job.state_reason)


class Completer:
    def __init__(self, db: Database, clock: Clock, *, ledger: Ledger,
                 devices: Devices, audit: AuditLog, notifier: Notifier | None = None) -> None:
        self._db = db
        self._notifier = notifier
        self._clock = clock
        self._ledger = ledger
        self._devices = devices
        self._audit = audit

    def complete(self, agent: Principal, job_id: str, *, status: str,
                 pages_printed: int | None, color_pages_printed: int | None,
                 copies_printed: int | None, reason: str = "",
                 flag: str = "") -> CompletionResult:
        if status not in COMPLETION_STATUSES:
            raise ValidationError(f"status must be one of {', '.join(COMPLETION_STATUSES)}")

        def work(conn: Connection) -> CompletionResult:
            job = store.get_job(conn, job_id, lock=True)
            check_reporter(conn, self._devices, agent, job)
            if job.state is S.DENIED:
                raise ConflictError(f"job {job_id} was denied: there is nothing to complete")
            if job.terminal:
                return result_of(job)
            if status == "completed" and job.state not in _TO_COMPLETED:
                raise ConflictError(f"job {job_id} is {job.state.value}: it was never "
                                    "authorized")
            charged = self._charge(conn, agent, job, status, pages_printed,
                                   color_pages_printed, copies_printed)
            why = reason or f"{status} (reported by agent)"
            if flag:
                self._audit.record_in(conn, f"agent:{agent.name}", "job.flagged", job.id,
                                      reason=flag[:500], status=status)
            result = self._finish(conn, job, status, charged, why)
            if self._notifier is not None:
                self._tell_in(conn, job, status, charged, pages_printed, copies_printed)
            return result

        return self._db.write(work)

    def _charge(self, conn: Connection, agent: Principal, job: Job, status: str,
                pages: int | None, color_pages: int | None, copies: int | None) -> Money:
        currency = job.currency or "EUR"
        if job.reservation_id is None:
            return Money.zero(currency)
        actor = f"agent:{agent.name}"
        if status == "completed":
            pages = job.pages if pages is None else pages
            copies = job.copies if copies is None else copies
        else:
            copies = 1 if copies is None else copies
        if not pages or not copies:
            self._ledger.release_in(conn, job.reservation_id,
                                    idempotency_key=f"release:{job.id}", actor=actor)
            return Money.zero(currency)
        colour = job.color_pages if color_pages is None else color_pages
        spec = JobSpec(media=job.media, pages=pages, color_pages=min(colour or 0, pages),
                       copies=copies, duplex=job.duplex)
        actual = self._actual_cost(conn, job, spec)
        actual = with_fee(actual, job.fee_minor)  # a rule's fee goes with what printed
        settlement = self._ledger.settle_in(conn, job.reservation_id, actual,
                                            idempotency_key=f"settle:{job.id}", actor=actor)
        return settlement.charged

    def _actual_cost(self, conn: Connection, job: Job, spec: JobSpec) -> Money:
        """What printed costs at the device that printed it: the device a held job was
        released at (a mono device prints grey: colour pages charged mono; one without
        duplex prints simplex), else the queue's (``queue_pricing``); a queue left with
        nothing to price at (its devices removed since) prices with the default list."""
        if job.device_id is not None:
            device = self._devices.device_in(conn, job.device_id)
            spec = replace(spec, color_pages=spec.color_pages if device.color_capable else 0,
                           duplex=spec.duplex and device.duplex_capable)
            price_list_id = self._devices.price_list_for_device_in(conn, device)
            return self._ledger.cost_in(conn, price_list_id, spec).total
        queue = self._devices.get_queue_in(conn, job.printer_id)
        try:
            return quote_for_queue(conn, self._ledger, self._devices, queue, spec,
                                   printable=False).cost.total
        except Unpriceable:
            return self._ledger.cost_in(conn, None, spec).total

    def _tell_in(self, conn: Connection, job: Job, status: str, charged: Money,
                 pages: int | None, copies: int | None) -> None:
        """The receipt (``job.completed``: pop-up, e-mail, webhooks) or the
        ``job.failed`` / ``job.cancelled`` webhooks, in the completion's transaction."""
        assert self._notifier is not None
        kind = {"completed": "job.completed", "failed": "job.failed",
                "cancelled": "job.cancelled"}.get(status)
        if kind is None:
            return
        queue = self._devices.get_queue_in(conn, job.printer_id)
        self._notifier.emit_in(conn, kind, user_id=job.user_id, data={
            "job_id": job.id, "title": job.title, "username": job.username,
            "queue": queue.name, "queue_id": queue.id, "device_id": job.device_id,
            "status": status, "pages": job.pages if pages is None else pages,
            "copies": (job.copies if status == "completed" else 1) if copies is None
            else copies,
            "charged": charged.format(), "charged_minor": charged.minor,
            "currency": charged.currency})

    def _finish(self, conn: Connection, job: Job, status: str, charged: Money,
                reason: str) -> CompletionResult:
        now = self._clock.now()
        path = _TO_COMPLETED[job.state] if status == "completed" else (S(status),)
        job, events = transitions(job, path, reason[:500], now)
        job = replace(job, charged_cost_minor=charged.minor,
                      currency=job.currency or charged.currency)
        store.save_job(conn, job)
        store.insert_events(conn, events)
        return result_of(job)
