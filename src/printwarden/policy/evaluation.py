"""Rules in order, folded into one outcome for a job (pure: no I/O; CEL via ``cel.py``).

Evaluation walks the enabled rules by position. A rule fires when the job is in its scope
and every condition holds; its actions are added to the outcome in order; ``stop`` ends
the walk. Later rules cannot undo an earlier deny (a deny ends the walk). Several rules
may force transforms, add fees, ask questions (one of each kind: the first wins).

A rule whose CEL expression fails on the job's facts is skipped, counted and reported in
``errors``; under the ``deny`` fail-safe (the default) the job is then denied, under
``allow`` evaluation goes on as if the rule had not matched.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from printwarden.policy.cel import Bindings, CelProgram, CelRuntimeError, compile_condition
from printwarden.policy.model import (
    Action,
    Check,
    JobFacts,
    Rule,
    condition_checks,
    in_scope,
    needed_facts,
)

__all__ = ["FAIL_SAFES", "CompiledRule", "CompiledRules", "Outcome", "RuleError",
           "compile_rules", "evaluate"]

FAIL_SAFES = ("deny", "allow")
FAIL_SAFE_MESSAGE = ("A print rule could not be checked for this job, so it is refused for "
                     "safety: ask your administrator.")


@dataclass(frozen=True)
class CompiledRule:
    rule: Rule
    program: CelProgram | None
    #: The structured conditions the rule sets (``condition_checks``).
    checks: tuple[Check, ...]


class CompiledRules(Sequence[CompiledRule]):
    """The enabled rules in order, with what a job needs read for them (``needs``) and,
    per queue, only the rules whose scope can include it (a queue-scoped rule of another
    queue is never walked): with 200 rules, half of them scoped to one of 20 queues, a
    job walks about 100."""

    def __init__(self, rules: Sequence[CompiledRule]) -> None:
        self._rules = tuple(rules)
        self.needs: frozenset[str] = frozenset().union(
            *(needed_facts(c.rule) for c in self._rules))
        self._by_queue: dict[str, tuple[CompiledRule, ...]] = {}

    def __len__(self) -> int:
        return len(self._rules)

    def __iter__(self) -> Iterator[CompiledRule]:
        return iter(self._rules)

    def __getitem__(self, index: Any) -> Any:
        return self._rules[index]

    def for_queue(self, queue: str) -> tuple[CompiledRule, ...]:
        """The rules a job on ``queue`` may meet, in order (computed once per queue;
        bounded by the queues that exist)."""
        found = self._by_queue.get(queue)
        if found is None:
            found = tuple(c for c in self._rules
                          if c.rule.scope.kind != "queue" or c.rule.scope.value == queue)
            if len(self._by_queue) < 10_000:
                self._by_queue[queue] = found
        return found


@dataclass(frozen=True)
class RuleError:
    rule: str
    reason: str


@dataclass
class Outcome:
    """What the rules decided for one job."""

    fired: list[str] = field(default_factory=list)
    errors: list[RuleError] = field(default_factory=list)
    deny: str | None = None
    allow: bool = False
    transforms: set[str] = field(default_factory=set)
    redirect: str | None = None
    suggest: Action | None = None
    confirm: Action | None = None
    ask_account: Action | None = None
    hold: bool = False
    approval: bool = False
    notices: list[str] = field(default_factory=list)
    fees: list[Action] = field(default_factory=list)
    #: The rule that asked each question (by action type), for the question's log.
    askers: dict[str, str] = field(default_factory=dict)

    @property
    def asks(self) -> bool:
        """Whether a question is asked (its text shows the balance)."""
        return any(a is not None for a in (self.suggest, self.confirm, self.ask_account))

    def fee_minor(self, cost_minor: int) -> int:
        """The fees minus the discounts on ``cost_minor`` (the cost after transforms),
        never below minus the cost (a job is never paid to print)."""
        total = 0
        for action in self.fees:
            amount = action.amount_minor or (cost_minor * action.percent + 50) // 100
            total += amount if action.type == "fee" else -amount
        return max(total, -cost_minor)

    def as_json(self) -> dict[str, Any]:
        return {
            "fired": list(self.fired), "errors": [e.__dict__ for e in self.errors],
            "deny": self.deny, "transforms": sorted(self.transforms),
            "redirect": self.redirect, "hold": self.hold, "approval": self.approval,
            "questions": [kind for kind, action in (("suggest", self.suggest),
                                                    ("confirm", self.confirm),
                                                    ("ask_account", self.ask_account))
                          if action is not None],
            "notices": list(self.notices),
            "fees": [{"type": f.type, "amount_minor": f.amount_minor, "percent": f.percent}
                     for f in self.fees],
        }


def compile_rules(rules: Iterable[Rule]) -> CompiledRules:
    """Enabled rules in order, CEL compiled (a stored expression compiled at save)."""
    ordered = sorted((r for r in rules if r.enabled), key=lambda r: (r.position, r.id))
    return CompiledRules([
        CompiledRule(rule, compile_condition(rule.conditions.cel)
                     if rule.conditions.cel else None, condition_checks(rule.conditions))
        for rule in ordered])


def evaluate(rules: Sequence[CompiledRule], facts: JobFacts, *,
             fail_safe: str = "deny") -> Outcome:
    outcome = Outcome()
    bindings: Bindings | None = None
    walked = rules.for_queue(facts.queue) if isinstance(rules, CompiledRules) else rules
    for compiled in walked:
        rule = compiled.rule
        if not in_scope(rule.scope, facts):
            continue
        checks = compiled.checks
        if checks and not all(check(facts) for check in checks):
            continue
        if compiled.program is not None:
            if bindings is None:
                bindings = Bindings(facts)
            try:
                matched = compiled.program.matches(bindings)
            except CelRuntimeError as exc:
                outcome.errors.append(RuleError(rule.name, str(exc.args[0])))
                if fail_safe == "deny":
                    outcome.deny = FAIL_SAFE_MESSAGE
                    return outcome
                continue
            if not matched:
                continue
        outcome.fired.append(rule.name)
        for action in rule.actions:
            _apply(outcome, action, rule.name)
        if outcome.deny is not None or rule.stop:
            break
    return outcome


def _apply(outcome: Outcome, action: Action, rule: str) -> None:
    kind = action.type
    if kind == "deny":
        outcome.deny = action.message
    elif kind == "allow":
        outcome.allow = True
    elif kind in ("grayscale", "duplex"):
        outcome.transforms.add(kind)
    elif kind == "redirect":
        outcome.redirect = outcome.redirect or action.queue
    elif kind in ("suggest", "confirm", "ask_account"):
        if getattr(outcome, kind) is None:
            setattr(outcome, kind, action)
            outcome.askers[kind] = rule
    elif kind == "hold":
        outcome.hold = True
    elif kind == "approval":
        outcome.approval = True
    elif kind == "notify":
        outcome.notices.append(action.message)
    else:  # fee, discount
        outcome.fees.append(action)
