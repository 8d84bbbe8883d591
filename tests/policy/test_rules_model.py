"""Rules as values: what a save refuses (field and reason), how evaluation folds them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from printwarden.policy.cel import compile_condition
from printwarden.policy.evaluation import FAIL_SAFE_MESSAGE, compile_rules, evaluate
from printwarden.policy.model import (
    JobFacts,
    Rule,
    RuleInvalid,
    Scope,
    parse_actions,
    parse_conditions,
    parse_scope,
)

MONDAY_10 = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


def facts(**changes: Any) -> JobFacts:
    values: dict[str, Any] = dict(
        queue="hall", username="alice", pages=60, copies=1, color_pages=60, duplex=False,
        paper="iso_a4_210x297mm", title="thesis.pdf", document_format="application/pdf",
        at=MONDAY_10, cost_minor=1200, balance_minor=5000, currency="EUR",
        groups=("students",), roles=("user",))
    values.update(changes)
    return JobFacts(**values)


def rule(name: str, position: int, *, conditions: dict[str, Any] | None = None,
         actions: list[dict[str, Any]] | None = None, scope: dict[str, Any] | None = None,
         stop: bool = False) -> Rule:
    return Rule(name, name, position, True, parse_scope(scope), parse_conditions(conditions),
                parse_actions(actions or [{"type": "allow"}]), stop)


def refused(call: Any, *args: Any) -> RuleInvalid:
    with pytest.raises(RuleInvalid) as caught:
        call(*args)
    return caught.value


# --- what a save refuses -------------------------------------------------------------------------

@pytest.mark.parametrize(("conditions", "field_name"), [
    ({"pages_min": "\u0665"}, "conditions.pages_min"),     # Arabic-Indic digit five
    ({"pages_min": "\uff15"}, "conditions.pages_min"),     # full-width digit five
    ({"pages_min": 10**30}, "conditions.pages_min"),        # huge
    ({"pages_min": -1}, "conditions.pages_min"),
    ({"pages_min": True}, "conditions.pages_min"),          # a bool is not a number
    ({"pages_min": 1.5}, "conditions.pages_min"),
    ({"pages_min": 10, "pages_max": 5}, "conditions.pages_max"),
    ({"weekdays": ["monday"]}, "conditions.weekdays"),
    ({"time_from": "25:00"}, "conditions.time_from"),
    ({"document_regex": "(unclosed"}, "conditions.document_regex"),
    ({"colour": True}, "conditions.colour"),                # unknown condition
    ({"users": ["a\x00b"]}, "conditions.users"),            # control characters
    ({"color": "yes"}, "conditions.color"),
])
def test_bad_conditions_are_refused_with_the_field(conditions: dict[str, Any],
                                                   field_name: str) -> None:
    assert refused(parse_conditions, conditions).field == field_name


@pytest.mark.parametrize(("actions", "field_name"), [
    ([], "actions"),
    ([{"type": "explode"}], "actions[0].type"),
    ([{"type": "redirect"}], "actions[0].queue"),
    ([{"type": "suggest"}], "actions[0].queue"),
    ([{"type": "suggest", "convert": "sepia"}], "actions[0].convert"),
    ([{"type": "confirm", "default": "maybe"}], "actions[0].default"),
    ([{"type": "confirm", "timeout_seconds": 1}], "actions[0].timeout_seconds"),
    ([{"type": "confirm", "timeout_seconds": 10**9}], "actions[0].timeout_seconds"),
    ([{"type": "fee"}], "actions[0].amount_minor"),
    ([{"type": "fee", "amount_minor": 5, "percent": 5}], "actions[0].amount_minor"),
    ([{"type": "discount", "percent": 150}], "actions[0].percent"),
    ([{"type": "notify"}], "actions[0].message"),
    ([{"type": "allow"}, {"type": "deny"}], "actions"),
    ([{"type": "allow", "sneaky": 1}], "actions[0].sneaky"),
])
def test_bad_actions_are_refused_with_the_field(actions: list[dict[str, Any]],
                                                field_name: str) -> None:
    assert refused(parse_actions, actions).field == field_name


def test_a_scope_must_name_what_it_covers() -> None:
    assert refused(parse_scope, {"kind": "queue"}).field == "scope.value"
    assert refused(parse_scope, {"kind": "planet", "value": "x"}).field == "scope.kind"
    assert parse_scope({"kind": "all", "value": "ignored"}) == Scope("all", "")


@pytest.mark.parametrize(("source", "reason"), [
    ("job.pages > ", "syntax error at line 1, column 11"),
    ("job.pages > 5 &&& 1", "syntax error at line 1"),
    ("jb.pages > 1", "no such member"),
    ('job.pages + "a" > 1', "fails on a sample job"),
    ("job.pages", "not a true/false answer"),
])
def test_a_bad_cel_expression_is_refused_with_position_and_reason(source: str,
                                                                  reason: str) -> None:
    error = refused(compile_condition, source)
    assert error.field == "conditions.cel"
    assert reason in error.reason


def test_cel_is_not_python() -> None:
    for source in ('__import__("os").system("true")', "open('/etc/passwd')",
                   "job.__class__"):
        with pytest.raises(RuleInvalid):
            compile_condition(source)


# --- evaluation ---------------------------------------------------------------------------------

def test_colour_and_more_than_50_pages_forces_grey_and_duplex() -> None:
    rules = compile_rules([rule("big colour", 0, conditions={"color": True, "pages_min": 51},
                                actions=[{"type": "grayscale"}, {"type": "duplex"}])])
    assert evaluate(rules, facts()).transforms == {"grayscale", "duplex"}
    assert evaluate(rules, facts(pages=50)).transforms == set()
    assert evaluate(rules, facts(color_pages=0)).fired == []


def test_rules_run_in_position_order_and_stop_ends_the_walk() -> None:
    rules = compile_rules([
        rule("second", 1, actions=[{"type": "deny", "message": "no"}]),
        rule("first", 0, conditions={"groups": ["staff"]}, actions=[{"type": "allow"}],
             stop=True),
    ])
    assert evaluate(rules, facts(groups=("staff",))).deny is None
    assert evaluate(rules, facts()).deny == "no"
    assert evaluate(rules, facts()).fired == ["second"]


def test_scope_limits_a_rule_to_its_queue_or_group() -> None:
    rules = compile_rules([rule("lab only", 0, scope={"kind": "queue", "value": "lab"},
                                actions=[{"type": "deny", "message": "no"}])])
    assert evaluate(rules, facts()).deny is None
    assert evaluate(rules, facts(queue="lab")).deny == "no"
    group = compile_rules([rule("students", 0, scope={"kind": "user_group",
                                                      "value": "students"},
                                actions=[{"type": "duplex"}])])
    assert evaluate(group, facts()).transforms == {"duplex"}
    assert evaluate(group, facts(groups=())).transforms == set()


def test_time_windows_and_weekdays() -> None:
    night = compile_rules([rule("night", 0, conditions={"time_from": "22:00",
                                                        "time_until": "06:00"},
                                actions=[{"type": "deny", "message": "closed"}])])
    assert evaluate(night, facts()).deny is None
    assert evaluate(night, facts(at=MONDAY_10.replace(hour=23))).deny == "closed"
    assert evaluate(night, facts(at=MONDAY_10.replace(hour=5))).deny == "closed"
    weekend = compile_rules([rule("weekend", 0, conditions={"weekdays": ["sat", "sun"]},
                                  actions=[{"type": "deny", "message": "weekend"}])])
    assert evaluate(weekend, facts()).deny is None
    assert evaluate(weekend, facts(at=datetime(2026, 12, 5, 10, tzinfo=UTC))).deny == "weekend"


def test_document_names_applications_and_formats_match_globs_and_regex() -> None:
    rules = compile_rules([rule("sheets", 0, conditions={"document_names": ["*.XLSX"]},
                                actions=[{"type": "duplex"}])])
    assert evaluate(rules, facts(title="budget.xlsx")).fired == ["sheets"]
    assert evaluate(rules, facts(title="budget.pdf")).fired == []
    regex = compile_rules([rule("invoices", 0, conditions={"document_regex": r"^INV-\d+"},
                                actions=[{"type": "duplex"}])])
    assert evaluate(regex, facts(title="INV-2041 March")).fired == ["invoices"]
    assert evaluate(regex, facts(title="my INV-2041")).fired == []


def test_cost_and_balance_conditions() -> None:
    rules = compile_rules([rule("dear", 0, conditions={"cost_min_minor": 1000},
                                actions=[{"type": "confirm"}]),
                           rule("poor", 1, conditions={"balance_below_minor": 100},
                                actions=[{"type": "notify", "message": "low"}])])
    out = evaluate(rules, facts(balance_minor=50))
    assert out.confirm is not None and out.notices == ["low"]
    assert evaluate(rules, facts(cost_minor=999)).confirm is None


def test_fees_and_discounts_never_make_a_job_cost_less_than_nothing() -> None:
    rules = compile_rules([rule("fee", 0, actions=[{"type": "fee", "amount_minor": 50}]),
                           rule("half", 1, actions=[{"type": "discount", "percent": 50}]),
                           rule("all", 2, actions=[{"type": "discount", "percent": 100}])])
    assert evaluate(rules, facts()).fee_minor(200) == -200  # 50 - 100 - 200, floored
    assert evaluate(rules[:2], facts()).fee_minor(200) == 50 - 100
    assert evaluate(rules[:2], facts()).fee_minor(0) == 50  # a fixed fee is a fee
    free = compile_rules([rule("free", 0, actions=[{"type": "discount", "percent": 100}]),
                          rule("again", 1, actions=[{"type": "discount", "percent": 100}])])
    assert evaluate(free, facts()).fee_minor(200) == -200


def test_cel_conditions_see_the_job_user_queue_and_time() -> None:
    rules = compile_rules([rule("cel", 0, conditions={
        "cel": 'job.pages > 50 && "students" in user.groups && now.weekday == "mon" '
               '&& queue.name.startsWith("ha")'}, actions=[{"type": "duplex"}])])
    assert evaluate(rules, facts()).fired == ["cel"]
    assert evaluate(rules, facts(groups=("staff",))).fired == []


def test_a_rule_failing_at_run_time_applies_the_fail_safe() -> None:
    # passes the sample job at save, divides by zero on a job with no colour pages
    rules = compile_rules([
        rule("ratio", 0, conditions={"cel": "job.pages / job.color_pages > 2"},
             actions=[{"type": "duplex"}]),
        rule("later", 1, actions=[{"type": "grayscale"}])])
    denied = evaluate(rules, facts(color_pages=0), fail_safe="deny")
    assert denied.deny == FAIL_SAFE_MESSAGE
    assert [e.rule for e in denied.errors] == ["ratio"]
    allowed = evaluate(rules, facts(color_pages=0), fail_safe="allow")
    assert allowed.deny is None and allowed.fired == ["later"]
    assert [e.rule for e in allowed.errors] == ["ratio"]


def test_the_first_question_of_each_kind_wins() -> None:
    rules = compile_rules([
        rule("a", 0, actions=[{"type": "confirm", "default": "print"}]),
        rule("b", 1, actions=[{"type": "confirm", "default": "cancel"}]),
    ])
    out = evaluate(rules, facts())
    assert out.confirm is not None and out.confirm.default == "print"
    assert out.askers["confirm"] == "a"
