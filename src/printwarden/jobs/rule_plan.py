"""From what the rules decided to what authorize does: the job after forced transforms and
a forced redirect, priced there, with fees; the questions to ask, in order; the hold.

Pricing follows the transforms (a 60-page colour job forced grey + duplex is priced as
60 mono pages on 30 duplex sheets). Grey is forced only on documents the agent can
convert (PDF, PostScript) that have colour pages: other formats print as they are and are
priced so, and the plan says why in its notes. Duplex is forced only on jobs of two pages
or more at a device that prints duplex (a release queue's device is checked at completion:
one without duplex prices simplex).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy.engine import Connection

from printwarden.jobs.model import with_fee
from printwarden.jobs.ports import Devices, Ledger, QueueView
from printwarden.jobs.queue_pricing import Unpriceable, quote_for_queue
from printwarden.ledger.model import CostBreakdown, CostLine, JobSpec
from printwarden.policy.evaluation import Outcome
from printwarden.policy.model import Action, action_json

#: Formats whose colours the agent converts to grey (``documents/transforms.py``).
CONVERTIBLE_FORMATS = ("application/pdf", "application/postscript")
#: The order questions are asked in when several rules ask.
QUESTION_ORDER = ("ask_account", "suggest", "confirm")


@dataclass(frozen=True)
class PlannedQuestion:
    kind: str
    action: Action
    rule: str
    #: suggest: the cost if the user accepts (minor units).
    accept_minor: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "action": action_json(self.action), "rule": self.rule,
                "accept_minor": self.accept_minor}


@dataclass
class Plan:
    spec: JobSpec
    cost: CostBreakdown
    queue: QueueView
    transforms: tuple[str, ...] = ()
    fee_minor: int = 0
    questions: list[PlannedQuestion] = field(default_factory=list)
    hold: bool = False
    approval: bool = False
    redirected: bool = False
    deny: str | None = None
    notes: list[str] = field(default_factory=list)


def plan_in(conn: Connection, outcome: Outcome, *, ledger: Ledger, devices: Devices,
            queue: QueueView, spec: JobSpec, cost: CostBreakdown,
            document_format: str) -> Plan:
    """The plan for a job the rules did not deny (``outcome.deny`` is None)."""
    plan = Plan(spec, cost, queue, hold=outcome.hold or queue.hold_for_release,
                approval=outcome.approval)
    if outcome.redirect and outcome.redirect != queue.name:
        target = devices.find_queue_by_name_in(conn, outcome.redirect)
        if target is None or not target.enabled:
            plan.deny = (f"A print rule sends this job to queue '{outcome.redirect}', which "
                         "does not exist or is disabled: ask your administrator.")
            return plan
        plan.queue, plan.redirected = target, True
        plan.hold = outcome.hold or target.hold_for_release
    transforms = _applicable(outcome.transforms, spec, document_format, plan.notes)
    plan.transforms = transforms
    plan.spec = transformed(spec, transforms)
    try:
        if plan.redirected or transforms:
            plan.cost = quote_for_queue(conn, ledger, devices, plan.queue, plan.spec).cost
    except Unpriceable as exc:
        plan.deny = exc.message
        return plan
    plan.fee_minor = outcome.fee_minor(plan.cost.total.minor)
    plan.cost = with_fee_line(plan.cost, plan.fee_minor)
    for kind in QUESTION_ORDER:
        action = getattr(outcome, kind)
        if action is None:
            continue
        accept: int | None = None
        if kind == "suggest":
            accept = _suggestion_cost(conn, ledger, devices, plan, action, document_format)
            if accept is None:
                plan.notes.append(f"suggestion of rule {outcome.askers[kind]!r} does not "
                                  "apply to this job")
                continue
        plan.questions.append(PlannedQuestion(kind, action, outcome.askers.get(kind, ""),
                                              accept))
    return plan


def transformed(spec: JobSpec, transforms: tuple[str, ...]) -> JobSpec:
    if "grayscale" in transforms:
        spec = replace(spec, color_pages=0)
    if "duplex" in transforms:
        spec = replace(spec, duplex=True)
    return spec


def with_fee_line(cost: CostBreakdown, fee_minor: int) -> CostBreakdown:
    """``cost`` with the rules' fee as a line of its own (``model.with_fee`` on the total)."""
    if not fee_minor:
        return cost
    line = CostLine("rule fee" if fee_minor > 0 else "rule discount", 1, fee_minor, fee_minor)
    return CostBreakdown((*cost.lines, line), with_fee(cost.total, fee_minor),
                         cost.price_list_id)


def _applicable(wanted: set[str], spec: JobSpec, document_format: str,
                notes: list[str]) -> tuple[str, ...]:
    out: list[str] = []
    if "grayscale" in wanted:
        if spec.color_pages == 0:
            pass  # nothing to convert
        elif document_format.split(";")[0].strip().lower() in CONVERTIBLE_FORMATS:
            out.append("grayscale")
        else:
            notes.append(f"grey not forced: {document_format} cannot be converted")
    if "duplex" in wanted and not spec.duplex and spec.pages > 1:
        out.append("duplex")
    return tuple(out)


def _suggestion_cost(conn: Connection, ledger: Ledger, devices: Devices, plan: Plan,
                     action: Action, document_format: str) -> int | None:
    """What the job costs if the suggestion is accepted; None when it changes nothing."""
    if action.queue:
        target = devices.find_queue_by_name_in(conn, action.queue)
        if target is None or not target.enabled or target.id == plan.queue.id:
            return None
        try:
            cost = quote_for_queue(conn, ledger, devices, target, plan.spec).cost
        except Unpriceable:
            return None
        return with_fee(cost.total, plan.fee_minor).minor
    extra = _applicable(set(action.convert.split("+")), plan.spec, document_format, [])
    if not extra:
        return None
    try:
        cost = quote_for_queue(conn, ledger, devices, plan.queue,
                               transformed(plan.spec, extra)).cost
    except Unpriceable:
        return None
    return with_fee(cost.total, plan.fee_minor).minor
