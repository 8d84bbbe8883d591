"""Compiled rule sets: the per-rule checks mean what the conditions say, the per-queue walk
finds what a walk of every rule finds, and ``needs`` names every fact a rule may read."""

from __future__ import annotations

import fnmatch
import re
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from printwarden.policy.evaluation import compile_rules, evaluate
from printwarden.policy.model import (
    OPTIONAL_FACTS,
    WEEKDAYS,
    Conditions,
    JobFacts,
    Rule,
    condition_checks,
    in_scope,
    needed_facts,
    parse_actions,
    parse_conditions,
    parse_scope,
)

QUEUES = ["hall", "lab", "library"]
GROUPS = ["staff", "students", "guests"]
START = datetime(2026, 12, 7, 0, 0, tzinfo=UTC)


def reference_match(c: Conditions, f: JobFacts) -> bool:
    """The conditions' meaning written out field by field, independently of the compiled
    checks (docs/rules.md)."""
    def within(value: int, low: int | None, high: int | None) -> bool:
        return (low is None or value >= low) and (high is None or value <= high)

    def globbed(patterns: tuple[str, ...], value: str) -> bool:
        return not patterns or any(fnmatch.fnmatchcase(value.casefold(), p.casefold())
                                   for p in patterns)

    sheets = ((f.pages + 1) // 2 if f.duplex else f.pages) * f.copies
    if not (within(f.pages * f.copies, c.pages_min, c.pages_max)
            and within(sheets, c.sheets_min, c.sheets_max)
            and within(f.copies, c.copies_min, c.copies_max)
            and within(f.color_pages * f.copies, c.color_pages_min, None)
            and within(f.cost_minor, c.cost_min_minor, c.cost_max_minor)):
        return False
    if c.color is not None and c.color != (f.color_pages > 0):
        return False
    if c.duplex is not None and c.duplex != f.duplex:
        return False
    if c.balance_below_minor is not None and not f.balance_minor < c.balance_below_minor:
        return False
    if c.balance_above_minor is not None and not f.balance_minor > c.balance_above_minor:
        return False
    if c.paper_sizes and f.paper not in c.paper_sizes:
        return False
    if c.document_regex and re.search(c.document_regex, f.title) is None:
        return False
    if not c.document_regex and not globbed(c.document_names, f.title):
        return False
    if not (globbed(c.applications, f.application) and globbed(c.formats, f.document_format)
            and globbed(c.users, f.username)):
        return False
    if c.groups and not set(c.groups) & set(f.groups):
        return False
    if c.roles and not set(c.roles) & set(f.roles):
        return False
    if c.weekdays and WEEKDAYS[f.at.weekday()] not in c.weekdays:
        return False
    if c.time_from is None and c.time_until is None:
        return True
    low, high, now = c.time_from or time(0), c.time_until, f.at.time()
    if high is None:
        return now >= low
    return low <= now < high if low <= high else (now >= low or now < high)


def optional(value: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), value)


conditions_st = st.fixed_dictionaries({}, optional={
    "pages_min": st.integers(0, 50), "pages_max": st.integers(50, 100),
    "sheets_min": st.integers(0, 40), "copies_min": st.integers(1, 3),
    "color_pages_min": st.integers(0, 30), "color": st.booleans(), "duplex": st.booleans(),
    "paper_sizes": st.lists(st.sampled_from(["iso_a4_210x297mm", "iso_a3_297x420mm"]),
                            min_size=1, max_size=2, unique=True),
    "document_names": st.lists(st.sampled_from(["*.pdf", "*.XLSX", "report*"]), min_size=1,
                               max_size=2, unique=True),
    "users": st.lists(st.sampled_from(["alice", "b*"]), min_size=1, max_size=2, unique=True),
    "groups": st.lists(st.sampled_from(GROUPS), min_size=1, max_size=2, unique=True),
    "roles": st.lists(st.sampled_from(["user", "operator"]), min_size=1, max_size=1),
    "weekdays": st.lists(st.sampled_from(list(WEEKDAYS)), min_size=1, max_size=3,
                         unique=True),
    "time_from": st.sampled_from(["08:00", "22:00"]),
    "time_until": st.sampled_from(["05:00", "18:00"]),
    "cost_min_minor": st.integers(0, 2000), "cost_max_minor": st.integers(2000, 4000),
    "balance_below_minor": st.integers(1, 3000), "balance_above_minor": st.integers(0, 3000),
})

scope_st = st.one_of(
    st.just({"kind": "all"}),
    st.builds(lambda q: {"kind": "queue", "value": q}, st.sampled_from(QUEUES)),
    st.builds(lambda g: {"kind": "user_group", "value": g}, st.sampled_from(GROUPS)))

facts_st = st.builds(
    lambda queue, pages, colour, copies, duplex, paper, title, user, groups, minutes, cost,
    balance: JobFacts(
        queue=queue, username=user, pages=pages, copies=copies,
        color_pages=min(colour, pages), duplex=duplex, paper=paper, title=title,
        document_format="application/pdf", at=START + timedelta(minutes=minutes),
        cost_minor=cost, balance_minor=balance, currency="EUR", groups=tuple(groups),
        roles=("user",)),
    st.sampled_from(QUEUES), st.integers(1, 80), st.integers(0, 80), st.integers(1, 3),
    st.booleans(), st.sampled_from(["iso_a4_210x297mm", "iso_a3_297x420mm"]),
    st.sampled_from(["report.pdf", "budget.xlsx", "x"]), st.sampled_from(["alice", "bob"]),
    st.lists(st.sampled_from(GROUPS), max_size=2, unique=True),
    st.integers(0, 7 * 24 * 60), st.integers(0, 4000), st.integers(0, 4000))


def conditions_of(data: dict[str, Any]) -> Conditions:
    if data.get("pages_max") is not None and data.get("pages_min") is not None:
        data["pages_max"] = max(data["pages_max"], data["pages_min"])
    return parse_conditions(data)


@settings(max_examples=300, deadline=None)
@given(conditions_st, facts_st)
def test_compiled_checks_mean_what_the_conditions_say(data: dict[str, Any],
                                                     f: JobFacts) -> None:
    c = conditions_of(data)
    assert all(check(f) for check in condition_checks(c)) == reference_match(c, f)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(scope_st, conditions_st, st.booleans()), min_size=1, max_size=12),
       facts_st)
def test_the_per_queue_walk_fires_what_walking_every_rule_fires(
        bodies: list[tuple[dict[str, Any], dict[str, Any], bool]], f: JobFacts) -> None:
    rules = [Rule(f"r{i}", f"rule {i}", i, True, parse_scope(scope), conditions_of(cond),
                  parse_actions([{"type": "notify", "message": f"rule {i}"}]), stop)
             for i, (scope, cond, stop) in enumerate(bodies)]
    compiled = compile_rules(rules)
    expected = []
    for r in rules:  # every rule, in order, with the reference meaning
        if in_scope(r.scope, f) and reference_match(r.conditions, f):
            expected.append(r.name)
            if r.stop:
                break
    assert evaluate(compiled, f).fired == expected
    assert evaluate(list(compiled), f).fired == expected


def test_a_queue_walk_skips_other_queues_rules_and_keeps_the_order() -> None:
    def rule(name: str, position: int, scope: dict[str, Any]) -> Rule:
        return Rule(name, name, position, True, parse_scope(scope), parse_conditions(None),
                    parse_actions([{"type": "allow"}]))

    compiled = compile_rules([rule("lab only", 1, {"kind": "queue", "value": "lab"}),
                              rule("everyone", 2, {"kind": "all"}),
                              rule("hall only", 0, {"kind": "queue", "value": "hall"})])
    assert [c.rule.name for c in compiled.for_queue("hall")] == ["hall only", "everyone"]
    assert [c.rule.name for c in compiled.for_queue("lab")] == ["lab only", "everyone"]


def needs_of(scope: dict[str, Any] | None = None,
             conditions: dict[str, Any] | None = None) -> frozenset[str]:
    return needed_facts(Rule("r", "r", 0, True, parse_scope(scope),
                             parse_conditions(conditions), parse_actions([{"type": "allow"}])))


def test_needs_name_the_facts_a_rule_may_read() -> None:
    assert needs_of() == frozenset()
    assert needs_of({"kind": "queue", "value": "hall"}, {"pages_min": 5}) == frozenset()
    # the user's groups come with the user, the balance is read lazily: never planned
    assert needs_of({"kind": "user_group", "value": "staff"}) == frozenset()
    assert needs_of(conditions={"groups": ["staff"]}) == frozenset()
    assert needs_of(conditions={"balance_below_minor": 100}) == frozenset()
    assert needs_of({"kind": "device_group", "value": "floor-1"}) == {"device_groups"}
    assert needs_of({"kind": "release_group", "value": "hall"}) == {"release_group"}
    assert needs_of(conditions={"cel": '"a" in queue.device_groups'}) == {"device_groups"}
    assert needs_of(conditions={"cel": 'queue.release_group == "hall"'}) == {"release_group"}
    # an index could reach any fact: all of them are read
    assert needs_of(conditions={"cel": 'queue["device" + "_groups"]'}) == set(OPTIONAL_FACTS)
    rules = compile_rules([
        Rule("a", "a", 0, True, parse_scope({"kind": "device_group", "value": "x"}),
             parse_conditions({"groups": ["x"]}), parse_actions([{"type": "allow"}])),
        Rule("b", "b", 1, True, parse_scope(None),
             parse_conditions({"cel": "queue.release_group != ''"}),
             parse_actions([{"type": "allow"}]))])
    assert rules.needs == {"device_groups", "release_group"}


EXPRESSIONS = [
    "job.pages > 20 && \"staff\" in user.groups",
    "job.color && job.copies >= 2",
    "user.balance < 1000 || queue.name == \"lab\"",
    "now.hour >= 18 && now.weekday != \"sun\"",
    "job.exists(k, k == \"pages\") && job.pages > 5",  # a macro on the map: all of it
    "has(job.title) && job.title.endsWith(\".pdf\")",
    "job[\"sheets\"] > 10",
    "size(user.groups) > 1 && job . pages > 1",
]


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(EXPRESSIONS), facts_st)
def test_cel_sees_the_fields_it_reads_as_if_it_saw_them_all(source: str,
                                                           f: JobFacts) -> None:
    from dataclasses import replace

    from printwarden.policy.cel import NAMES, Bindings, compile_condition

    program = compile_condition(source)
    everything = replace(program, needs=dict.fromkeys(NAMES), _memo={})
    first = program.matches(Bindings(f))
    assert first == everything.matches(Bindings(f))
    assert program.matches(Bindings(f)) == first  # the remembered answer is the same


def test_a_remembered_failure_fails_again_and_other_facts_are_asked_anew() -> None:
    from printwarden.policy.cel import Bindings, CelRuntimeError, compile_condition

    program = compile_condition("job.pages_per_copy / (job.copies - 1) > 1")
    one = JobFacts(queue="hall", username="alice", pages=4, copies=1, color_pages=0,
                   duplex=False, paper="", title="", document_format="", at=START,
                   cost_minor=0, balance_minor=0, currency="EUR")
    for _ in range(2):  # division by zero, run then remembered
        with pytest.raises(CelRuntimeError):
            program.matches(Bindings(one))
    from dataclasses import replace
    assert program.matches(Bindings(replace(one, copies=2))) is True
    assert program.matches(Bindings(replace(one, copies=9))) is False


def test_cel_binds_only_what_an_expression_names() -> None:
    from printwarden.policy.cel import needs_of

    assert needs_of("job.pages > 2 && \"a\" in user.groups") == {
        "job": {"pages"}, "user": {"groups"}}
    assert needs_of("job.exists(k, k == \"pages\")") == {"job": None}
    assert needs_of("job[\"pages\"] > 1 && now.hour > 2") == {"job": None, "now": None}
