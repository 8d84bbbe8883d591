"""What happens to a job a print rule held: sent on after a redirect, after its owner's
answer (or the default at the deadline), after an operator's approval; cancelled when the
answer is "cancel"; charged to the account its owner chose.

Everything runs in the caller's transaction with the job row locked, and only while the
job is still held for that reason: an answer for a job that ended meanwhile (cancelled at
the printer, expired) changes nothing. Money moves once: the reservation authorize made
(``reserve:JOB``) is kept when the answer costs no more; a dearer choice (a suggestion to a
dearer queue) releases it and reserves the new amount under a key of its own
(``reserve:JOB:QUESTION``), so the job's ``release:JOB`` / ``settle:JOB`` at its end act on
the reservation it holds then.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy.engine import Connection

from printwarden.core.clock import Clock
from printwarden.core.errors import (
    ConflictError,
    InsufficientFunds,
    NotFoundError,
    PermissionDenied,
    ValidationError,
)
from printwarden.core.money import Money
from printwarden.core.principal import Principal
from printwarden.db.audit import AuditLog
from printwarden.db.engine import Database
from printwarden.jobs import store
from printwarden.jobs.model import Job, JobState, note
from printwarden.jobs.ports import Directory, Ledger
from printwarden.jobs.question_model import CANCEL, Question
from printwarden.jobs.questions import QuestionService
from printwarden.jobs.rule_facts import balance_in
from printwarden.jobs.rule_plan import PlannedQuestion
from printwarden.jobs.rule_questions import ACCEPT, question_for
from printwarden.jobs.service import JobsService
from printwarden.policy.model import parse_actions
from printwarden.release.ports import ReleaseDevices
from printwarden.release.service import OPERATOR_ROLES, ReleaseService

ACTOR = "system:rules"


class RuleActions:
    """The dispatcher authorize uses and the resolver of questions' answers."""

    def __init__(self, db: Database, clock: Clock, audit: AuditLog, *, release: ReleaseService,
                 jobs: JobsService, ledger: Ledger, devices: ReleaseDevices,
                 accounts: Directory, questions: QuestionService,
                 timeout_cap_seconds: int = 3600) -> None:
        self._db = db
        self._clock = clock
        self._audit = audit
        self._release = release
        self._jobs = jobs
        self._ledger = ledger
        self._devices = devices
        self._accounts = accounts
        self._questions = questions
        self._timeout_cap = timeout_cap_seconds

    # --- dispatch -----------------------------------------------------------------------------

    def dispatch_in(self, conn: Connection, job: Job, *, why: str,
                    transforms: Sequence[str]) -> str | None:
        """Send the held job to its queue's device now. When it cannot go (device stopped,
        holding agent unreachable) the job stays held for release at that device, with
        the reason in its log."""
        targets = self._devices.release_targets_in(conn, job.printer_id)
        if len(targets) != 1:  # a release queue: its owner releases it at a device
            self._held_for_release(conn, job, "Held: release the job at a printer.")
            return "held for release"
        outcome = self._release.send_in(conn, job, targets[0], why=why, actor=ACTOR,
                                        transforms=transforms)
        if outcome.ok:
            return None
        self._held_for_release(conn, job, f"Held: {outcome.message}")
        return outcome.message

    # --- answers -------------------------------------------------------------------------------

    def resolve_in(self, conn: Connection, question: Question) -> None:
        job = store.get_job(conn, question.job_id, lock=True)
        if job.state is not JobState.HELD or job.hold_reason != "question":
            return  # it ended or moved on meanwhile: the answer changes nothing
        detail = dict(store.get_job_row(conn, job.id)["decision_detail"] or {})
        pending = list(detail.get("questions") or [])
        current = pending.pop(0) if pending else {"kind": question.kind}
        how = "by its owner" if question.answered_by == "user" else "by default (no answer)"
        if question.answer == CANCEL:
            self._jobs.cancel_unprinted_in(conn, job, actor=ACTOR, reason=f"cancelled {how}",
                                      message=f"Cancelled {how}: nothing charged.")
            return
        transforms = [str(t) for t in detail.get("transforms", ())]
        try:
            job = self._apply_answer(conn, job, question, current, detail, transforms)
        except (InsufficientFunds, PermissionDenied, NotFoundError, ValidationError) as exc:
            self._jobs.cancel_unprinted_in(conn, job, actor=ACTOR, reason=exc.message[:300],
                                      message=f"Not printed: {exc.message}"[:1000])
            return
        detail["questions"] = pending
        detail["transforms"] = transforms
        store.save_job(conn, job, decision_detail=detail)
        if pending:
            self._ask_next(conn, job, pending[0], detail)
            return
        self._proceed(conn, job, detail, transforms, why=f"answered {how}")

    def _apply_answer(self, conn: Connection, job: Job, question: Question,
                      current: dict[str, Any], detail: dict[str, Any],
                      transforms: list[str]) -> Job:
        answer = question.answer or ""
        if question.kind == "account":
            shared = answer[len("account:"):] if answer.startswith("account:") else None
            return self._reserve(conn, job, Money(job.estimated_cost_minor or 0,
                                                  job.currency), shared, detail,
                                 key=f"reserve:{job.id}", only_shared=shared is not None)
        if question.kind != "suggest" or answer != ACCEPT:
            return job
        action = parse_actions([current["action"]])[0]
        accept_minor = int(current.get("accept_minor") or 0)
        if action.queue:
            target = self._devices.find_queue_by_name_in(conn, action.queue)
            if target is None or not target.enabled:
                raise NotFoundError(f"queue {action.queue!r} is not there any more")
            job = replace(job, printer_id=target.id)
        else:
            for part in action.convert.split("+"):
                if part not in transforms:
                    transforms.append(part)
            job = replace(job, color_pages=0 if "grayscale" in transforms else job.color_pages,
                          duplex=job.duplex or "duplex" in transforms)
        reserved = job.estimated_cost_minor or 0
        job = replace(job, estimated_cost_minor=accept_minor)
        if accept_minor > reserved and job.reservation_id is not None:
            self._ledger.release_in(conn, job.reservation_id,
                                    idempotency_key=f"release:{job.id}:{question.id}",
                                    actor=ACTOR)
            job = self._reserve(conn, job, Money(accept_minor, job.currency),
                                detail.get("shared_account_id"), detail,
                                key=f"reserve:{job.id}:{question.id}")
        return job

    def _reserve(self, conn: Connection, job: Job, amount: Money, shared: str | None,
                 detail: dict[str, Any], *, key: str, only_shared: bool = False) -> Job:
        reservation = self._ledger.reserve_in(
            conn, job_id=job.id, user_id=job.user_id or "", amount=amount, idempotency_key=key,
            group_ids=tuple(self._accounts.group_ids_of_in(conn, job.user_id or "")),
            shared_account_id=shared, actor=f"user:{job.user_id}", resume=True,
            only_shared=only_shared)
        if only_shared:
            detail["shared_account_id"] = shared
        detail["accounts"] = [{"account_id": part.account_id, "minor": part.amount.minor,
                               "currency": part.amount.currency}
                              for part in reservation.parts]
        return replace(job, reservation_id=reservation.id)

    def _ask_next(self, conn: Connection, job: Job, item: dict[str, Any],
                  detail: dict[str, Any]) -> None:
        planned = PlannedQuestion(str(item["kind"]), parse_actions([item["action"]])[0],
                                  str(item.get("rule") or ""), item.get("accept_minor"))
        cost = Money(job.estimated_cost_minor or 0, job.currency)
        groups = tuple(self._accounts.group_ids_of_in(conn, job.user_id or ""))
        question = question_for(conn, planned, job, cost=cost,
                                balance_minor=balance_in(conn, job.user_id or "", groups,
                                                         job.currency),
                                now=self._clock.now(), timeout_cap=self._timeout_cap)
        self._questions.ask_in(conn, question)

    def _proceed(self, conn: Connection, job: Job, detail: dict[str, Any],
                 transforms: Sequence[str], *, why: str) -> None:
        if detail.get("approval"):
            self._set_hold(conn, job, "approval", "Waiting for an operator to approve the job.")
            return
        if detail.get("hold_after"):
            self._held_for_release(conn, job, "Held: release the job at a printer.")
            return
        self.dispatch_in(conn, job, why=why, transforms=transforms)

    # --- approval ------------------------------------------------------------------------------

    def approve(self, principal: Principal, job_id: str, *, approved: bool,
                reason: str = "") -> Job:
        """An operator approves (the job goes on) or refuses (cancelled, nothing charged)
        a job a rule held for approval."""
        if principal.kind != "user" or not principal.has_role(*OPERATOR_ROLES):
            raise PermissionDenied("only an operator approves jobs")

        def write(conn: Connection) -> Job:
            job = store.get_job(conn, str(job_id)[:40], lock=True)
            if job.state is not JobState.HELD or job.hold_reason != "approval":
                raise ConflictError(f"job {job.id} does not wait for an approval")
            actor = f"user:{principal.id}"
            self._audit.record_in(conn, actor, "job.approval", job.id, approved=approved,
                                  reason=reason[:300])
            if not approved:
                return self._jobs.cancel_unprinted_in(
                    conn, job, actor=actor, reason=f"refused by {principal.name}",
                    message=f"Refused by an operator{': ' + reason if reason else ''}."[:1000])
            detail = dict(store.get_job_row(conn, job.id)["decision_detail"] or {})
            detail["approval"] = False
            store.save_job(conn, job, decision_detail=detail)
            self._proceed(conn, job, detail, [str(t) for t in detail.get("transforms", ())],
                          why=f"approved by {principal.name}")
            return store.get_job(conn, job.id)

        return self._db.write(write)

    # --- helpers -------------------------------------------------------------------------------

    def _held_for_release(self, conn: Connection, job: Job, message: str) -> None:
        self._set_hold(conn, job, None, message)

    def _set_hold(self, conn: Connection, job: Job, reason: str | None, message: str) -> None:
        current = store.get_job(conn, job.id)
        if current.state is not JobState.HELD:
            return
        noted, event = note(replace(current, hold_reason=reason, message=message[:1000]),
                            message[:500], self._clock.now())
        store.save_job(conn, noted)
        store.insert_events(conn, [event])
