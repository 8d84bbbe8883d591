"""Authorize a job an agent received: record it, price it, reserve the money, decide.

One write transaction does it all (one BEGIN IMMEDIATE and one fsync on SQLite): look
up the queue, the user and their groups, price the job (``queue_pricing``: a release
queue's at the dearest device of its group), reserve the cost in the ledger
(``reserve_in``), then insert the job row with its decision and its log (received ->
analysed -> decision). The job row and the money can never disagree, and a failure
leaves nothing behind. A retry with the same (agent, agent_job_key) finds the job and
answers its stored decision; a concurrent duplicate fails on the job's UNIQUE key and is
re-run, finding the winner's decision; so there is never a second reservation. A job
left undecided by an older server (which used several transactions) resumes with the
same idempotency key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import structlog
from sqlalchemy.engine import Connection, RowMapping

from printwarden.core.clock import Clock
from printwarden.core.errors import InsufficientFunds, NotFoundError
from printwarden.core.ids import new_id
from printwarden.core.money import Money
from printwarden.core.principal import Principal
from printwarden.db.engine import Database
from printwarden.jobs import cost_codec, store
from printwarden.jobs.agent_requests import agent_queue_in, write_once_per_key
from printwarden.jobs.messages import (
    AccountCharge,
    AuthorizeRequest,
    Decision,
    unknown_pages_denial,
)
from printwarden.jobs.model import DECISION_STATES, Job, JobEvent, JobState, received, transition
from printwarden.jobs.ports import (
    Asker,
    Devices,
    Directory,
    Dispatcher,
    Ledger,
    Notifier,
    QueueView,
    RuleSet,
    UserView,
)
from printwarden.jobs.queue_pricing import Unpriceable, quote_for_queue
from printwarden.jobs.rule_facts import UNLIMITED_MINOR, balance_in, facts_in
from printwarden.jobs.rule_plan import Plan, plan_in
from printwarden.jobs.rule_questions import question_for
from printwarden.ledger.model import CostBreakdown, JobSpec
from printwarden.notify.notices import post_in as post_notice_in
from printwarden.policy.evaluation import evaluate

log = structlog.get_logger("printwarden.jobs.authorization")


@dataclass(frozen=True)
class RulesWiring:
    """What authorize needs to apply print rules (``JobsService.attach_policy``)."""

    rules: RuleSet
    asker: Asker
    dispatcher: Dispatcher
    fail_safe: str = "deny"
    timeout_cap_seconds: int = 3600


@dataclass(frozen=True)
class _Verdict:
    decision: str
    message: str
    user_id: str | None = None
    cost: CostBreakdown | None = None
    reservation_id: str | None = None
    accounts: tuple[AccountCharge, ...] = ()
    plan: Plan | None = None
    rules: dict[str, Any] | None = None
    #: What the user could spend before this job, when the rules read it (else None).
    balance_minor: int | None = None
    #: The user's groups (their quotas pay), when they were read.
    group_ids: tuple[str, ...] | None = None


class Authorizer:
    def __init__(self, db: Database, clock: Clock, *, ledger: Ledger, devices: Devices,
                 accounts: Directory) -> None:
        self._db = db
        self._clock = clock
        self._ledger = ledger
        self._devices = devices
        self._accounts = accounts
        self.policy: RulesWiring | None = None
        #: Rules that failed on a job since start (``printwarden_rule_errors_total``).
        self.rule_errors = 0
        #: Told of denials and low balances (None: nobody is told).
        self.notifier: Notifier | None = None
        #: Below this balance after a job its owner is warned (0: never).
        self.low_balance_minor = 0
        #: Called in the transaction with (agent, job id, followed job id) when a new job's
        #: key had a drop-twin first (a late twin: ``JobService.drop_twin``).
        self.late_twin: Callable[[Connection, Principal, str, str], None] | None = None

    def authorize(self, agent: Principal, request: AuthorizeRequest) -> Decision:
        def work(conn: Connection) -> Decision:
            return self.authorize_in(conn, agent, request)

        return write_once_per_key(self._db, work)  # a concurrent duplicate: the winner's

    def authorize_in(self, conn: Connection, agent: Principal,
                     request: AuthorizeRequest) -> Decision:
        """The whole authorize inside the caller's write transaction."""
        printer = agent_queue_in(conn, self._devices, agent, request.queue)
        row = store.find_job_by_key(conn, agent.id, request.agent_job_key)
        if row is not None:
            job = store.job_from_row(row)
            if job.decision is not None:
                return decision_of(job, row["decision_detail"])
            verdict = self._decide(conn, job, printer, request, resume=True)
            return self._record(conn, job, [], request, verdict, insert=False)
        job, events = self._opened(agent, printer, request)
        verdict = self._decide(conn, job, printer, request, resume=False)
        decision = self._record(conn, job, events, request, verdict, insert=True)
        if self.late_twin is not None:
            followed = store.twin_drop_of(conn, agent.id, request.agent_job_key)
            if followed is not None:
                self.late_twin(conn, agent, job.id, followed)
                return stored_decision(conn, job.id)  # its state: cancelled
        return decision

    # --- steps -----------------------------------------------------------------------------

    def _opened(self, agent: Principal, printer: QueueView,
                request: AuthorizeRequest) -> tuple[Job, list[JobEvent]]:
        """The new job, received and analysed (in memory: it is inserted once, decided)."""
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
        return job, [first, analysed]

    def _decide(self, conn: Connection, job: Job, printer: QueueView, request: AuthorizeRequest,
                *, resume: bool) -> _Verdict:
        if not printer.enabled:
            return _Verdict("deny", f"Queue '{printer.name}' is disabled.")
        user = self._accounts.find_user_by_username_in(conn, request.username)
        if user is None or not user.active:
            return _Verdict("deny", f"Unknown user '{request.username}': ask your "
                                    "administrator for an account.")
        denial = unknown_pages_denial(request)
        if denial is not None or request.analysis.pages is None:
            return _Verdict("deny", denial or "unknown page count", user_id=user.id)
        spec = JobSpec(media=job.media, pages=request.analysis.pages,
                       color_pages=request.billable_color_pages or 0, copies=request.copies,
                       duplex=request.duplex)
        try:
            cost = quote_for_queue(conn, self._ledger, self._devices, printer, spec).cost
        except Unpriceable as exc:
            return _Verdict("deny", exc.message, user_id=user.id)
        refs = self._accounts.group_refs_of_in(conn, user.id)
        group_ids = tuple(ref[0] for ref in refs)
        plan, evaluated, balance = self._apply_rules(
            conn, job, printer, request, user, group_ids, tuple(ref[1] for ref in refs), spec,
            cost)
        if plan is not None:
            if plan.deny is not None:
                return _Verdict("deny", plan.deny, user.id, plan.cost, rules=evaluated,
                                balance_minor=balance, group_ids=group_ids)
            cost = plan.cost
            if plan.questions and plan.questions[0].kind == "ask_account":
                message = "Waiting for you to choose the account that pays (pop-up)."
                return _Verdict("hold", message, user.id, cost, plan=plan, rules=evaluated,
                                balance_minor=balance, group_ids=group_ids)
        try:
            reservation = self._ledger.reserve_in(
                conn, job_id=job.id, user_id=user.id, amount=cost.total,
                idempotency_key=f"reserve:{job.id}", group_ids=group_ids,
                shared_account_id=request.shared_account_id, actor=f"agent:{job.agent_id}",
                resume=resume,
            )
        except InsufficientFunds as exc:  # nothing was held: the transaction goes on
            return _Verdict("deny", exc.message, user_id=user.id, cost=cost, rules=evaluated,
                            balance_minor=balance, group_ids=group_ids)
        accounts = tuple(AccountCharge(part.account_id, part.amount)
                         for part in reservation.parts)
        held = plan.hold if plan is not None else printer.hold_for_release
        if plan is not None and (plan.questions or plan.approval):
            message = ("Waiting for your answer (pop-up)." if plan.questions
                       else "Waiting for an operator to approve the job.")
            return _Verdict("hold", message, user.id, cost, reservation.id, accounts, plan,
                            evaluated, balance, group_ids)
        if held or (plan is not None and plan.redirected):
            message = (f"Held: release the job at a printer ({cost.total.format()})."
                       if held or plan is None
                       else f"Sent to queue '{plan.queue.name}' by a print rule "
                            f"({cost.total.format()}).")
            return _Verdict("hold", message, user.id, cost, reservation.id, accounts, plan,
                            evaluated, balance, group_ids)
        return _Verdict("allow", f"Printing, cost {cost.total.format()}.", user.id, cost,
                        reservation.id, accounts, plan, evaluated, balance, group_ids)

    def _apply_rules(self, conn: Connection, job: Job, printer: QueueView,
                     request: AuthorizeRequest, user: UserView, group_ids: tuple[str, ...],
                     group_names: tuple[str, ...], spec: JobSpec, cost: CostBreakdown,
                     ) -> tuple[Plan | None, dict[str, Any] | None, int | None]:
        """The rules' plan for the job (None when there are no rules) and the user's
        balance when it was read (rules that need it, a denial or a question show it)."""
        wiring = self.policy
        if wiring is None:
            return None, None, None
        rules = wiring.rules.compiled_in(conn)
        if not rules:
            return None, None, None
        facts = facts_in(
            conn, request, printer, user_id=user.id, group_ids=group_ids,
            group_names=group_names, roles=user.roles, needs=rules.needs,
            cost_minor=cost.total.minor, currency=cost.total.currency, at=self._clock.now())
        outcome = evaluate(rules, facts, fail_safe=wiring.fail_safe)
        for error in outcome.errors:
            self.rule_errors += 1
            log.warning("rule_evaluation_failed", rule=error.rule, reason=error.reason,
                        job=job.id, fail_safe=wiring.fail_safe)
        evaluated = outcome.as_json()
        balance = (facts.balance() if outcome.deny is not None or outcome.asks
                   else facts.balance_if_read())
        if outcome.deny is not None:
            plan = Plan(spec, cost, printer, deny=_denial(outcome.deny, cost, balance or 0))
            return plan, evaluated, balance
        plan = plan_in(conn, outcome, ledger=self._ledger, devices=self._devices,
                       queue=printer, spec=spec, cost=cost,
                       document_format=request.document_format)
        evaluated["notes"] = list(plan.notes)
        return plan, evaluated, balance

    def _record(self, conn: Connection, job: Job, events: list[JobEvent],
                request: AuthorizeRequest, verdict: _Verdict, *, insert: bool) -> Decision:
        reason = verdict.message if verdict.decision == "deny" else f"decision {verdict.decision}"
        job, event = transition(job, DECISION_STATES[verdict.decision], reason[:500],
                                self._clock.now())
        total = verdict.cost.total if verdict.cost else None
        plan = verdict.plan if verdict.decision != "deny" else None
        job = replace(
            job, user_id=verdict.user_id, decision=verdict.decision,
            message=verdict.message[:1000], reservation_id=verdict.reservation_id,
            estimated_cost_minor=total.minor if total else None,
            currency=total.currency if total else job.currency,
            charged_cost_minor=0 if verdict.decision == "deny" else None,
        )
        if plan is not None:
            job = replace(job, printer_id=plan.queue.id, color_pages=plan.spec.color_pages,
                          duplex=plan.spec.duplex, fee_minor=plan.fee_minor,
                          hold_reason=_hold_reason(plan) if verdict.decision == "hold"
                          else None)
        detail: dict[str, Any] = {
            "estimated": request.estimated,
            "accounts": [{"account_id": a.account_id, "minor": a.amount.minor,
                          "currency": a.amount.currency} for a in verdict.accounts],
            "cost": cost_codec.dump(verdict.cost) if verdict.cost else None,
            "transforms": list(plan.transforms) if plan is not None else [],
        }
        if verdict.rules is not None:
            detail["rules"] = verdict.rules
        if plan is not None and plan.questions:
            detail["questions"] = [q.as_json() for q in plan.questions]
            detail["hold_after"] = plan.hold
            detail["approval"] = plan.approval
            detail["shared_account_id"] = request.shared_account_id
        if insert:
            store.insert_job(conn, job, decision_detail=detail)
        else:
            store.save_job(conn, job, decision_detail=detail)
        store.insert_events(conn, [*events, event])
        if plan is not None and verdict.decision == "hold":
            self._follow_up(conn, job, plan, verdict)
        self._tell_in(conn, job, verdict, request)
        return decision_of(job, detail)

    def _tell_in(self, conn: Connection, job: Job, verdict: _Verdict,
                 request: AuthorizeRequest) -> None:
        """A denial (``job.denied``), a balance gone low (``balance.low``, once a day per
        user) and the rules' notices, told in the authorize transaction."""
        if self.notifier is None or verdict.user_id is None:
            return
        for text in (verdict.rules or {}).get("notices", []) \
                if verdict.decision != "deny" else ():  # a denial says why, alone
            post_notice_in(conn, user_id=verdict.user_id, kind="info", text=str(text),
                           at=self._clock.now(), data={"job_id": job.id})
        threshold = self.low_balance_minor
        if verdict.decision != "deny" and threshold <= 0:
            return  # nothing below needs the balance
        currency = verdict.cost.total.currency if verdict.cost else job.currency or "EUR"
        if verdict.balance_minor is not None:  # read before: what the job reserved is off it
            held = verdict.cost.total.minor if verdict.reservation_id and verdict.cost else 0
            balance = verdict.balance_minor if verdict.balance_minor >= UNLIMITED_MINOR \
                else max(verdict.balance_minor - held, 0)
        else:
            group_ids = verdict.group_ids
            if group_ids is None:
                group_ids = tuple(self._accounts.group_ids_of_in(conn, verdict.user_id))
            balance = balance_in(conn, verdict.user_id, group_ids, currency)
        shown = "unlimited" if balance >= UNLIMITED_MINOR else Money(balance, currency).format()
        if verdict.decision == "deny":
            self.notifier.emit_in(conn, "job.denied", user_id=verdict.user_id, data={
                "job_id": job.id, "title": job.title, "queue": request.queue,
                "reason": verdict.message,
                "cost": verdict.cost.total.format() if verdict.cost else "",
                "balance": shown})
            return
        if balance < threshold:
            day = self._clock.now().strftime("%Y-%m-%d")
            self.notifier.emit_in(
                conn, "balance.low", user_id=verdict.user_id,
                once_key=f"balance.low:{verdict.user_id}:{day}",
                data={"account": request.username, "balance": shown,
                      "threshold": Money(threshold, currency).format(),
                      "balance_minor": balance, "threshold_minor": threshold})

    def _follow_up(self, conn: Connection, job: Job, plan: Plan, verdict: _Verdict) -> None:
        """A held job the rules hold for a reason of theirs: ask the first question, or
        send a redirected job on to its new queue's device."""
        wiring = self.policy
        if wiring is None or verdict.cost is None:
            return
        if plan.questions:
            question = question_for(conn, plan.questions[0], job, cost=verdict.cost.total,
                                    balance_minor=verdict.balance_minor or 0,
                                    now=self._clock.now(),
                                    timeout_cap=wiring.timeout_cap_seconds)
            wiring.asker.ask_in(conn, question)
        elif plan.redirected and not plan.hold and not plan.approval:
            wiring.dispatcher.dispatch_in(conn, job, why=f"sent to {plan.queue.name} by a "
                                          "print rule", transforms=plan.transforms)

    def dry_run_in(self, conn: Connection, request: AuthorizeRequest) -> DryRun:
        """Evaluate the rules on ``request`` as authorize would, in a read transaction:
        which rules fire (in order), the decision, the cost; no job, no ledger entry."""
        printer = self._devices.find_queue_by_name_in(conn, request.queue)
        if printer is None:
            raise NotFoundError(f"no queue named {request.queue!r}")
        user = self._accounts.find_user_by_username_in(conn, request.username)
        if user is None:
            raise NotFoundError(f"no user named {request.username!r}")
        denial = unknown_pages_denial(request)
        if denial is not None or request.analysis.pages is None:
            return DryRun("deny", denial or "unknown page count", None, None, 0, {})
        spec = JobSpec(media=request.media, pages=request.analysis.pages,
                       color_pages=request.billable_color_pages or 0, copies=request.copies,
                       duplex=request.duplex)
        try:
            base = quote_for_queue(conn, self._ledger, self._devices, printer,
                                   spec).cost
        except Unpriceable as exc:
            return DryRun("deny", exc.message, None, None, 0, {})
        refs = self._accounts.group_refs_of_in(conn, user.id)
        group_ids = tuple(ref[0] for ref in refs)
        job, _ = self._opened(Principal("agent", printer.agent_id or "", "dry-run"),
                              printer, request)
        plan, evaluated, known = self._apply_rules(conn, job, printer, request, user, group_ids,
                                                   tuple(ref[1] for ref in refs), spec, base)
        balance = known if known is not None else balance_in(conn, user.id, group_ids,
                                                             base.total.currency)
        if plan is None:
            plan = Plan(spec, base, printer, hold=printer.hold_for_release)
        rules = evaluated or {"fired": [], "errors": []}
        kinds = tuple("account" if q.kind == "ask_account" else q.kind for q in plan.questions)
        if plan.deny is not None:
            return DryRun("deny", plan.deny, plan.cost, base, balance, rules, queue=plan.queue.name)
        paid_now = not (kinds and kinds[0] == "account")
        if paid_now and plan.cost.total.minor > balance:
            message = (f"Denied: this job costs {plan.cost.total.format()} but only "
                       f"{Money(balance, plan.cost.total.currency).format()} is available.")
            return DryRun("deny", message, plan.cost, base, balance, rules, plan.transforms,
                          plan.queue.name)
        reason = _hold_reason(plan) or ("release" if plan.hold else None)
        decision = "hold" if reason is not None else "allow"
        message = {"question": "held until its owner answers " + ", then ".join(kinds),
                   "approval": "held for an operator's approval",
                   "redirect": f"sent to queue {plan.queue.name}",
                   "release": "held for release at a printer"}.get(reason or "", "printed now")
        return DryRun(decision, message, plan.cost, base, balance, rules, plan.transforms,
                      plan.queue.name, kinds, reason)


@dataclass(frozen=True)
class DryRun:
    """What authorize would do with a job, nothing written (``Authorizer.dry_run``)."""

    decision: str
    message: str
    cost: CostBreakdown | None
    base_cost: CostBreakdown | None
    balance_minor: int
    rules: dict[str, Any]
    transforms: tuple[str, ...] = ()
    queue: str = ""
    questions: tuple[str, ...] = ()
    hold_reason: str | None = None


def _hold_reason(plan: Plan) -> str | None:
    if plan.questions:
        return "question"
    if plan.approval:
        return "approval"
    if plan.redirected and not plan.hold:
        return "redirect"
    return None


def _denial(message: str, cost: CostBreakdown, balance_minor: int) -> str:
    """A rule's denial, with the cost and the balance (the person learns both at once)."""
    balance = Money(balance_minor, cost.total.currency)
    shown = "unlimited" if balance_minor >= UNLIMITED_MINOR else balance.format()
    return f"{message} (cost {cost.total.format()}, balance {shown})"


def decision_of(job: Job, detail: dict[str, Any] | None) -> Decision:
    """The decision recorded for ``job`` (with its stored ``decision_detail``)."""
    detail = dict(detail) if detail else {}
    accounts = tuple(AccountCharge(item["account_id"], _money(item))
                     for item in detail.get("accounts", ()))
    cost = cost_codec.load(detail["cost"]) if detail.get("cost") else None
    return Decision(job_id=job.id, decision=job.decision or "deny", message=job.message,
                    cost=cost, reservation_id=job.reservation_id, accounts=accounts,
                    estimated=bool(detail.get("estimated", False)), state=job.state,
                    transforms=tuple(str(t) for t in detail.get("transforms", ())))


def stored_decision(conn: Connection, job_id: str) -> Decision:
    """The decision recorded for ``job_id``, as first answered."""
    row: RowMapping = store.get_job_row(conn, job_id)
    return decision_of(store.job_from_row(row), row["decision_detail"])


def _money(item: dict[str, Any]) -> Money:
    return Money(int(item["minor"]), str(item["currency"]))
