"""Advanced rule conditions in CEL (Common Expression Language) with ``cel-python``.

CEL is sandboxed and not Turing-complete: an expression reads the job's facts
(``JobFacts.as_cel``: ``job``, ``user``, ``queue``, ``now``) and answers true or false; it
cannot loop for ever, touch files or call Python. Nothing here uses ``eval``: celpy parses
the expression and its compiled runner builds the program from that parse tree.

At save an expression is parsed (a syntax error says line, column and what was expected)
and tried on a sample job, so unknown names (``jb.pages``), type errors (``job.pages +
"a"``) and non-boolean results are refused with the reason. At run time an error on a
real job's facts raises ``CelRuntimeError``; the evaluator applies the fail-safe.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import celpy
from celpy import CompiledRunner, celtypes
from celpy.adapter import json_to_cel
from celpy.celparser import CELParseError
from celpy.evaluation import CELEvalError

from printwarden.policy.model import JobFacts, RuleInvalid

__all__ = ["Bindings", "CelProgram", "CelRuntimeError", "compile_condition"]

#: celpy logs every evaluation error itself ("Internal error: ..."); the evaluator logs
#: ours once, with the rule's name.
logging.getLogger("celpy").setLevel(logging.CRITICAL)
for _name in ("Environment", "NameContainer", "Evaluator", "evaluation"):
    logging.getLogger(_name).setLevel(logging.CRITICAL)

_ENV = celpy.Environment(runner_class=CompiledRunner)
_SAMPLE = JobFacts(
    queue="sample", username="sample", pages=3, copies=2, color_pages=1, duplex=False,
    paper="iso_a4_210x297mm", title="sample.pdf", document_format="application/pdf",
    at=datetime(2026, 1, 5, 10, 30, tzinfo=UTC), cost_minor=40, balance_minor=1000,
    currency="EUR", application="", groups=("staff",), roles=("user",),
    device_groups=("floor-1",), release_group="", queue_kind="direct")


class CelRuntimeError(Exception):
    """An expression failed on a job's facts (the reason is in ``args[0]``)."""


#: The names an expression sees, each a map (``JobFacts.as_cel``).
NAMES = ("job", "user", "queue", "now")
#: Per name, the fields an expression reads (None: the whole map).
Needs = dict[str, frozenset[str] | None]


class Bindings:
    """One job's CEL bindings, converted to CEL values lazily and once per job: each
    program gets the maps it names, holding only the fields it reads (building every
    field as CEL values costs more than evaluating a typical expression)."""

    __slots__ = ("_cache", "_chosen_cache", "_facts", "_plain")

    def __init__(self, facts: JobFacts) -> None:
        self._facts = facts
        self._plain = facts.as_cel(with_balance=False)  # the balance is read if named
        self._chosen_cache: dict[tuple[str, frozenset[str] | None], dict[str, Any]] = {}
        self._cache: dict[tuple[str, frozenset[str] | None], Any] = {}

    def _chosen(self, name: str, fields: frozenset[str] | None) -> dict[str, Any]:
        """The plain values of ``name``'s ``fields``, chosen once per job (the memo key
        and, on a memo miss, the CEL values are both made from them)."""
        chosen = self._chosen_cache.get((name, fields))
        if chosen is None:
            plain: dict[str, Any] = self._plain[name]
            if name == "user" and (fields is None or "balance" in fields):
                plain = {**plain, "balance": self._facts.balance()}
            chosen = plain if fields is None else {f: plain[f] for f in fields}
            self._chosen_cache[(name, fields)] = chosen
        return chosen

    def key_for(self, needs: Needs) -> tuple[Any, ...]:
        """What a program with ``needs`` reads of this job, as a hashable value: two jobs
        with the same key get the same answer (CEL has no clock, no I/O, no randomness)."""
        return tuple((name, _frozen(self._chosen(name, fields)))
                     for name, fields in needs.items())

    def for_program(self, needs: Needs) -> dict[str, Any]:
        bound: dict[str, Any] = {}
        for name, fields in needs.items():
            value = self._cache.get((name, fields))
            if value is None:
                value = _cel(self._chosen(name, fields))
                self._cache[(name, fields)] = value
            bound[name] = value
        return bound


def _frozen(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    return (type(value).__name__, value)  # True and 1 are different answers' inputs


#: Answers kept per program (a bounded memo: cleared when full).
MEMO_SIZE = 4096


def needs_of(source: str) -> Needs:
    """Which maps and fields ``source`` reads: ``name.field`` of known fields only; a name
    used otherwise (a macro on the map, an index ``[``...) binds its whole map."""
    whole = "[" in source
    needs: Needs = {}
    sample = _SAMPLE.as_cel()
    for name in NAMES:
        mentions = len(re.findall(rf"\b{name}\b", source))
        if not mentions:
            continue
        fields = re.findall(rf"\b{name}\s*\.\s*([A-Za-z_]\w*)", source)
        known = whole or len(fields) != mentions or not set(fields) <= sample[name].keys()
        needs[name] = None if known else frozenset(fields)
    return needs


@dataclass(frozen=True)
class CelProgram:
    """A compiled expression. Its answers are remembered by what it reads of a job
    (``Bindings.key_for``): jobs alike in those fields (the same page count and groups,
    say) are answered without running celpy again, which costs about 100 µs a run."""

    source: str
    _program: Any
    needs: Needs
    _memo: dict[tuple[Any, ...], bool | str] = field(default_factory=dict, compare=False,
                                                     repr=False)

    def matches(self, bindings: Bindings) -> bool:
        """True or False on one job's ``bindings``; CelRuntimeError otherwise."""
        key = bindings.key_for(self.needs)
        known = self._memo.get(key)
        if known is None:
            known = self._run(bindings)
            if len(self._memo) >= MEMO_SIZE:
                self._memo.clear()
            self._memo[key] = known
        if isinstance(known, str):
            raise CelRuntimeError(known)
        return known

    def _run(self, bindings: Bindings) -> bool | str:
        """The answer, or the reason it failed."""
        try:
            result = self._program.evaluate(bindings.for_program(self.needs))
        except Exception as exc:  # celpy raises its own errors and Python's
            return _reason(exc)
        if isinstance(result, CELEvalError):
            return _reason(result)
        if not isinstance(result, celtypes.BoolType | bool):
            return f"the expression gave {type(result).__name__}, not a true/false answer"
        return bool(result)


def compile_condition(source: str, *, field_name: str = "conditions.cel") -> CelProgram:
    """The program of ``source``; RuleInvalid with position and reason when it is bad."""
    try:
        ast = _ENV.compile(source)
    except CELParseError as exc:
        raise RuleInvalid(field_name, _syntax(source, getattr(exc, "line", None),
                                              getattr(exc, "column", None))) from None
    except Exception as exc:
        raise RuleInvalid(field_name, f"cannot compile: {_reason(exc)}") from None
    try:
        program = CelProgram(source, _ENV.program(ast), needs_of(source))
    except Exception as exc:
        raise RuleInvalid(field_name, f"cannot compile: {_reason(exc)}") from None
    try:
        program.matches(Bindings(_SAMPLE))
    except CelRuntimeError as exc:
        raise RuleInvalid(field_name, f"fails on a sample job: {exc.args[0]} (names: job, "
                          "user, queue, now; see docs/rules.md)") from None
    return program


def _cel(value: Any) -> Any:
    """``value`` (what ``JobFacts.as_cel`` holds: maps, lists, bool, int, str) as CEL
    values, built directly: celpy's generic ``json_to_cel`` costs several times more and
    the bindings are built for every job that reaches a CEL rule."""
    if isinstance(value, bool):
        return celtypes.BoolType(value)
    if isinstance(value, int):
        return celtypes.IntType(value)
    if isinstance(value, str):
        return celtypes.StringType(value)
    if isinstance(value, dict):
        return celtypes.MapType({celtypes.StringType(k): _cel(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return celtypes.ListType([_cel(v) for v in value])
    return json_to_cel(value)


def _reason(exc: BaseException) -> str:
    """The innermost message of celpy's nested errors ("no such member in mapping: 'jb'")."""
    seen = 0
    current: Any = exc
    message = str(exc)
    while current is not None and seen < 6:
        seen += 1
        args = getattr(current, "args", ())
        if args and isinstance(args[0], str) and args[0] not in ("evaluation error",):
            message = args[0]
        nested = [a for a in args[1:] if isinstance(a, tuple)]
        inner = [x for group in nested for x in group if isinstance(x, BaseException)]
        current = inner[0] if inner else None
    return _first_line(message)[:300]


def _syntax(source: str, line: int | None, column: int | None) -> str:
    if line is None or column is None:
        return "syntax error"
    lines = source.splitlines() or [""]
    text = lines[min(max(line, 1), len(lines)) - 1]
    near = text[max(column - 1, 0):][:20]
    return (f"syntax error at line {line}, column {column}: "
            + (f"unexpected {near!r}" if near.strip() else "the expression ends too early"))


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "invalid expression"
