"""Rules on print jobs: what a rule says, what a job looks like to rules, what they decide.

Pure values and checks, no I/O. A rule has a scope (every queue, one queue, a device
group, a release group, a user group), conditions that must all hold (structured fields,
plus an optional CEL expression compiled in ``cel.py``), actions, and ``stop`` (evaluation
ends once it fires). Rules run in ``position`` order; ``evaluation.py`` folds the actions
of the rules that fire into one ``Outcome``.

Every number a rule holds is bounded and every text is length-checked at save: a rule the
store accepts cannot make evaluation fail on its own data (only a CEL expression can, at
run time, on a job's facts: see the fail-safe in ``evaluation.py``).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any

from printwarden.core.errors import ValidationError

__all__ = [
    "ACTION_TYPES", "CONVERSIONS", "OPTIONAL_FACTS", "SCOPE_KINDS", "WEEKDAYS", "Action",
    "Conditions", "JobFacts", "Rule", "RuleInvalid", "Scope", "condition_checks",
    "needed_facts", "parse_actions", "parse_conditions", "parse_scope",
]

SCOPE_KINDS = ("all", "queue", "device_group", "release_group", "user_group")
ACTION_TYPES = (
    "allow", "deny", "grayscale", "duplex", "redirect", "suggest", "confirm", "ask_account",
    "hold", "approval", "notify", "fee", "discount",
)
CONVERSIONS = ("grayscale", "duplex", "grayscale+duplex")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_NAME = 200
MAX_TEXT = 500
MAX_PATTERNS = 50
MAX_ACTIONS = 20
MAX_COUNT = 10_000_000
MAX_MINOR = 10**12
MAX_TIMEOUT_SECONDS = 24 * 3600
DEFAULT_TIMEOUT_SECONDS = 120


class RuleInvalid(ValidationError):
    """A rule refused at save: ``field`` names what is wrong (``conditions.pages_min``,
    ``actions[2].queue``, ``cel`` ...), the message says why."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.reason = message


@dataclass(frozen=True)
class Scope:
    kind: str = "all"
    #: The queue, device group, release group or user group name ("" for all).
    value: str = ""


@dataclass(frozen=True)
class Conditions:
    """All that are set must hold. Counts are of the whole job (every copy)."""

    pages_min: int | None = None
    pages_max: int | None = None
    sheets_min: int | None = None
    sheets_max: int | None = None
    copies_min: int | None = None
    copies_max: int | None = None
    color_pages_min: int | None = None
    #: True: the job has colour pages; False: it has none.
    color: bool | None = None
    duplex: bool | None = None
    paper_sizes: tuple[str, ...] = ()
    #: Glob patterns (``*.xlsx``, ``Invoice*``) or, with ``document_regex``, one regex.
    document_names: tuple[str, ...] = ()
    document_regex: str = ""
    applications: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()
    users: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    #: Local time window [from, until); until < from wraps midnight.
    time_from: time | None = None
    time_until: time | None = None
    weekdays: tuple[str, ...] = ()
    cost_min_minor: int | None = None
    cost_max_minor: int | None = None
    balance_below_minor: int | None = None
    balance_above_minor: int | None = None
    #: An advanced condition in CEL (compiled and checked at save by ``cel.py``).
    cel: str = ""


@dataclass(frozen=True)
class Action:
    type: str
    message: str = ""
    #: redirect / suggest: the target queue's name.
    queue: str = ""
    #: suggest: a conversion instead of (or beside) a queue.
    convert: str = ""
    #: confirm / suggest / ask_account: what applies when nobody answers in time.
    default: str = ""
    timeout_seconds: int = DEFAULT_TIMEOUT_SECONDS
    #: fee / discount: a fixed amount or a percentage of the cost (one of them).
    amount_minor: int = 0
    percent: int = 0


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    position: int
    enabled: bool = True
    scope: Scope = field(default_factory=Scope)
    conditions: Conditions = field(default_factory=Conditions)
    actions: tuple[Action, ...] = ()
    #: Evaluation stops after this rule when it fires.
    stop: bool = False
    description: str = ""


@dataclass(frozen=True)
class JobFacts:
    """A job as rules see it (counts of the whole job, every copy)."""

    queue: str
    username: str
    pages: int
    copies: int
    color_pages: int
    duplex: bool
    paper: str
    title: str
    document_format: str
    at: datetime
    cost_minor: int
    balance_minor: int
    currency: str
    application: str = ""
    groups: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    device_groups: tuple[str, ...] = ()
    release_group: str = ""
    queue_kind: str = "direct"
    #: Reads the balance when a rule first needs it (None: ``balance_minor`` is it). A
    #: job's balance costs a database read, and most jobs meet no rule that looks at it.
    balance_loader: Callable[[], int] | None = field(default=None, compare=False,
                                                      repr=False)

    def balance(self) -> int:
        """What the user may spend now (read once, on first use, when loaded lazily)."""
        if self.balance_loader is None:
            return self.balance_minor
        known = self.__dict__.get("_balance")
        if known is None:
            known = self.balance_loader()
            object.__setattr__(self, "_balance", known)
        return int(known)

    def balance_if_read(self) -> int | None:
        """The balance if it is known without a read (None: no rule needed it)."""
        if self.balance_loader is None:
            return self.balance_minor
        known = self.__dict__.get("_balance")
        return None if known is None else int(known)

    @property
    def total_pages(self) -> int:
        return self.pages * self.copies

    @property
    def total_color_pages(self) -> int:
        return self.color_pages * self.copies

    @property
    def sheets(self) -> int:
        per_copy = (self.pages + 1) // 2 if self.duplex else self.pages
        return per_copy * self.copies

    def as_cel(self, *, with_balance: bool = True) -> dict[str, Any]:
        """The activation CEL expressions see (documented in docs/rules.md);
        ``with_balance=False`` leaves ``user.balance`` out (not read)."""
        cel = self._cel_maps()
        if with_balance:
            cel["user"]["balance"] = self.balance()
        return cel

    def _cel_maps(self) -> dict[str, Any]:
        return {
            "job": {"pages": self.total_pages, "pages_per_copy": self.pages,
                    "copies": self.copies, "color_pages": self.total_color_pages,
                    "color": self.color_pages > 0, "duplex": self.duplex,
                    "sheets": self.sheets, "paper": self.paper, "title": self.title,
                    "format": self.document_format, "application": self.application,
                    "cost": self.cost_minor},
            "user": {"name": self.username, "groups": list(self.groups),
                     "roles": list(self.roles)},
            "queue": {"name": self.queue, "kind": self.queue_kind,
                      "device_groups": list(self.device_groups),
                      "release_group": self.release_group},
            "now": {"hour": self.at.hour, "minute": self.at.minute,
                    "weekday": WEEKDAYS[self.at.weekday()]},
        }


# --- matching ---------------------------------------------------------------------------------

def in_scope(scope: Scope, facts: JobFacts) -> bool:
    if scope.kind == "all":
        return True
    if scope.kind == "queue":
        return facts.queue == scope.value
    if scope.kind == "device_group":
        return scope.value in facts.device_groups
    if scope.kind == "release_group":
        return facts.release_group == scope.value
    return scope.value in facts.groups  # user_group


#: One structured condition, ready to run on a job's facts.
Check = Callable[[JobFacts], bool]


def structured_match(c: Conditions, facts: JobFacts) -> bool:
    """True when every structured condition set holds (CEL is checked by the caller)."""
    return all(check(facts) for check in condition_checks(c))


def condition_checks(c: Conditions) -> tuple[Check, ...]:
    """The checks of the conditions ``c`` sets, cheapest first (compiled once per rule set:
    a job runs only the conditions a rule has, not every field of ``Conditions``)."""
    checks: list[Check] = []

    def bounded(value: Callable[[JobFacts], int], low: int | None, high: int | None) -> None:
        if low is not None or high is not None:
            checks.append(lambda f: _within(value(f), low, high))

    bounded(lambda f: f.total_pages, c.pages_min, c.pages_max)
    bounded(lambda f: f.sheets, c.sheets_min, c.sheets_max)
    bounded(lambda f: f.copies, c.copies_min, c.copies_max)
    bounded(lambda f: f.total_color_pages, c.color_pages_min, None)
    bounded(lambda f: f.cost_minor, c.cost_min_minor, c.cost_max_minor)
    if c.color is not None:
        color = c.color
        checks.append(lambda f: color == (f.color_pages > 0))
    if c.duplex is not None:
        duplex = c.duplex
        checks.append(lambda f: duplex == f.duplex)
    if c.paper_sizes:
        papers = frozenset(c.paper_sizes)
        checks.append(lambda f: f.paper in papers)
    bounded(lambda f: f.balance(),
            None if c.balance_above_minor is None else c.balance_above_minor + 1,
            None if c.balance_below_minor is None else c.balance_below_minor - 1)
    if c.document_regex or c.document_names:
        checks.append(lambda f: _names_match(c, f.title))
    for patterns, value in ((c.applications, _application), (c.formats, _format),
                            (c.users, _username)):
        if patterns:
            checks.append(_globbing(patterns, value))
    if c.groups:
        groups = frozenset(c.groups)
        checks.append(lambda f: not groups.isdisjoint(f.groups))
    if c.roles:
        roles = frozenset(c.roles)
        checks.append(lambda f: not roles.isdisjoint(f.roles))
    if c.weekdays:
        days = frozenset(c.weekdays)
        checks.append(lambda f: WEEKDAYS[f.at.weekday()] in days)
    if c.time_from is not None or c.time_until is not None:
        start, until = c.time_from, c.time_until
        checks.append(lambda f: _in_window(start, until, f.at.time()))
    return tuple(checks)


def _application(facts: JobFacts) -> str:
    return facts.application


def _format(facts: JobFacts) -> str:
    return facts.document_format


def _username(facts: JobFacts) -> str:
    return facts.username


def _globbing(patterns: Sequence[str], value: Callable[[JobFacts], str]) -> Check:
    return lambda f: _glob_any(patterns, value(f))


#: Facts read from the database only when a rule needs them (``needed_facts``): the
#: queue's device groups and release group. (The user's groups come with the user in one
#: statement, and the balance is read lazily by ``JobFacts.balance()``: neither needs
#: planning.)
OPTIONAL_FACTS = ("device_groups", "release_group")


def needed_facts(rule: Rule) -> frozenset[str]:
    """Which of ``OPTIONAL_FACTS`` ``rule`` may read: its scope and, for CEL, every such
    name its expression mentions (or all of them when it indexes a map with ``[``, which
    could reach any)."""
    needs: set[str] = set()
    kind = rule.scope.kind
    if kind == "device_group":
        needs.add("device_groups")
    elif kind == "release_group":
        needs.add("release_group")
    c = rule.conditions
    if c.cel:
        if "[" in c.cel:
            return frozenset(OPTIONAL_FACTS)
        needs.update(name for name in OPTIONAL_FACTS if re.search(rf"\b{name}\b", c.cel))
    return frozenset(needs)


def _within(value: int, low: int | None, high: int | None) -> bool:
    return (low is None or value >= low) and (high is None or value <= high)


def _glob_any(patterns: Sequence[str], value: str) -> bool:
    folded = value.casefold()
    return any(fnmatch.fnmatchcase(folded, pattern.casefold()) for pattern in patterns)


def _names_match(c: Conditions, title: str) -> bool:
    if c.document_regex:
        return re.search(c.document_regex, title) is not None
    return not c.document_names or _glob_any(c.document_names, title)


def _in_window(start: time | None, until: time | None, now: time) -> bool:
    if start is None and until is None:
        return True
    low = start or time(0, 0)
    high = until or time(23, 59, 59, 999999)
    if low <= high:
        return low <= now < high or (until is None and now >= low)
    return now >= low or now < high  # wraps midnight


# --- parsing (the store's JSON and the API's bodies) ------------------------------------------

_INT_FIELDS = ("pages_min", "pages_max", "sheets_min", "sheets_max", "copies_min",
               "copies_max", "color_pages_min")
_MONEY_FIELDS = ("cost_min_minor", "cost_max_minor", "balance_below_minor",
                 "balance_above_minor")
_LIST_FIELDS = ("paper_sizes", "document_names", "applications", "formats", "users",
                "groups", "roles", "weekdays")
_BOOL_FIELDS = ("color", "duplex")


def parse_scope(data: Mapping[str, Any] | None) -> Scope:
    data = data or {}
    kind = str(data.get("kind") or "all")
    if kind not in SCOPE_KINDS:
        raise RuleInvalid("scope.kind", f"must be one of {', '.join(SCOPE_KINDS)}")
    value = _text(data.get("value", ""), "scope.value", MAX_NAME)
    if kind != "all" and not value:
        raise RuleInvalid("scope.value", f"name the {kind.replace('_', ' ')}")
    return Scope(kind, "" if kind == "all" else value)


def parse_conditions(data: Mapping[str, Any] | None) -> Conditions:
    data = dict(data or {})
    unknown = sorted(set(data) - _CONDITION_FIELDS)
    if unknown:
        raise RuleInvalid(f"conditions.{unknown[0]}", "unknown condition")
    values: dict[str, Any] = {}
    for name in _INT_FIELDS:
        values[name] = _count(data.get(name), f"conditions.{name}", MAX_COUNT)
    for name in _MONEY_FIELDS:
        values[name] = _count(data.get(name), f"conditions.{name}", MAX_MINOR,
                              negative=name.startswith("balance"))
    for name in _BOOL_FIELDS:
        raw = data.get(name)
        if raw is not None and not isinstance(raw, bool):
            raise RuleInvalid(f"conditions.{name}", "must be true, false or absent")
        values[name] = raw
    for name in _LIST_FIELDS:
        values[name] = _patterns(data.get(name), f"conditions.{name}")
    bad_days = [day for day in values["weekdays"] if day not in WEEKDAYS]
    if bad_days:
        raise RuleInvalid("conditions.weekdays", f"{bad_days[0]!r} is not one of "
                          f"{', '.join(WEEKDAYS)}")
    regex = _text(data.get("document_regex", ""), "conditions.document_regex", MAX_TEXT)
    if regex:
        try:
            re.compile(regex)
        except re.error as exc:
            raise RuleInvalid("conditions.document_regex",
                              f"invalid regular expression at position {exc.pos}: {exc.msg}"
                              ) from None
    values["document_regex"] = regex
    values["time_from"] = _clock_time(data.get("time_from"), "conditions.time_from")
    values["time_until"] = _clock_time(data.get("time_until"), "conditions.time_until")
    values["cel"] = _text(data.get("cel", ""), "conditions.cel", 2000)
    _ordered(values, "pages_min", "pages_max")
    _ordered(values, "sheets_min", "sheets_max")
    _ordered(values, "copies_min", "copies_max")
    _ordered(values, "cost_min_minor", "cost_max_minor")
    return Conditions(**values)


_CONDITION_FIELDS = frozenset(
    (*_INT_FIELDS, *_MONEY_FIELDS, *_LIST_FIELDS, *_BOOL_FIELDS, "document_regex",
     "time_from", "time_until", "cel"))
_ACTION_FIELDS = frozenset(("type", "message", "queue", "convert", "default",
                            "timeout_seconds", "amount_minor", "percent"))
_DEFAULTS = {"confirm": ("print", "cancel"), "suggest": ("accept", "keep"),
             "ask_account": ("personal", "cancel")}


def parse_actions(items: Sequence[Mapping[str, Any]] | None) -> tuple[Action, ...]:
    items = list(items or [])
    if not items:
        raise RuleInvalid("actions", "a rule needs at least one action")
    if len(items) > MAX_ACTIONS:
        raise RuleInvalid("actions", f"at most {MAX_ACTIONS} actions")
    actions = tuple(_action(item, f"actions[{index}]") for index, item in enumerate(items))
    kinds = [action.type for action in actions]
    if "allow" in kinds and "deny" in kinds:
        raise RuleInvalid("actions", "a rule cannot both allow and deny")
    for once in ("redirect", "suggest", "confirm", "ask_account"):
        if kinds.count(once) > 1:
            raise RuleInvalid("actions", f"at most one {once} action per rule")
    return actions


def _action(item: Mapping[str, Any], where: str) -> Action:
    if not isinstance(item, Mapping):
        raise RuleInvalid(where, "an action is an object with a type")
    unknown = sorted(set(item) - _ACTION_FIELDS)
    if unknown:
        raise RuleInvalid(f"{where}.{unknown[0]}", "unknown action field")
    kind = str(item.get("type") or "")
    if kind not in ACTION_TYPES:
        raise RuleInvalid(f"{where}.type", f"must be one of {', '.join(ACTION_TYPES)}")
    message = _text(item.get("message", ""), f"{where}.message", MAX_TEXT)
    queue = _text(item.get("queue", ""), f"{where}.queue", MAX_NAME)
    convert = _text(item.get("convert", ""), f"{where}.convert", 40)
    timeout = _count(item.get("timeout_seconds", DEFAULT_TIMEOUT_SECONDS),
                     f"{where}.timeout_seconds", MAX_TIMEOUT_SECONDS)
    amount = _count(item.get("amount_minor", 0), f"{where}.amount_minor", MAX_MINOR) or 0
    percent = _count(item.get("percent", 0), f"{where}.percent", 1000) or 0
    default = _text(item.get("default", ""), f"{where}.default", MAX_NAME)
    if kind == "redirect" and not queue:
        raise RuleInvalid(f"{where}.queue", "name the queue to redirect to")
    if kind == "suggest":
        if bool(queue) == bool(convert):
            raise RuleInvalid(f"{where}.queue", "a suggestion names a queue or a conversion")
        if convert and convert not in CONVERSIONS:
            raise RuleInvalid(f"{where}.convert", f"must be one of {', '.join(CONVERSIONS)}")
    if kind in _DEFAULTS:
        default = default or _DEFAULTS[kind][-1 if kind != "ask_account" else 0]
        allowed = _DEFAULTS[kind]
        if kind == "ask_account" and default.startswith("account:") and len(default) > 8:
            pass
        elif default not in allowed:
            raise RuleInvalid(f"{where}.default", f"must be one of {', '.join(allowed)}"
                              + (" or account:ID" if kind == "ask_account" else ""))
        if (timeout or 0) < 5:
            raise RuleInvalid(f"{where}.timeout_seconds", "at least 5 seconds")
    if kind in ("fee", "discount"):
        if bool(amount) == bool(percent):
            raise RuleInvalid(f"{where}.amount_minor", "give an amount or a percentage, "
                              "not both, not neither")
        if kind == "discount" and percent > 100:
            raise RuleInvalid(f"{where}.percent", "a discount is at most 100%")
    if kind == "deny" and not message:
        message = "Your administrator's rules do not allow this job."
    if kind == "notify" and not message:
        raise RuleInvalid(f"{where}.message", "say what to tell the user")
    return Action(kind, message, queue, convert, default, timeout or DEFAULT_TIMEOUT_SECONDS,
                  amount, percent)


def _text(raw: Any, where: str, limit: int) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise RuleInvalid(where, "must be text")
    value = raw.strip()
    if len(value) > limit:
        raise RuleInvalid(where, f"at most {limit} characters")
    if any(ord(ch) < 32 for ch in value):
        raise RuleInvalid(where, "control characters are not allowed")
    return value


def _count(raw: Any, where: str, limit: int, *, negative: bool = False) -> int | None:
    """An integer from JSON: real ints, or ASCII digit strings (no Arabic-Indic or
    full-width digits, no 1e3, no True), within bounds."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool) or not isinstance(raw, int):
        if isinstance(raw, str) and raw.isascii() and raw.lstrip("-").isdigit() \
                and len(raw) <= 20:
            raw = int(raw)
        else:
            raise RuleInvalid(where, "must be a whole number written in ASCII digits")
    low = -limit if negative else 0
    if not low <= raw <= limit:
        raise RuleInvalid(where, f"must be between {low} and {limit}")
    return int(raw)


def _patterns(raw: Any, where: str) -> tuple[str, ...]:
    if raw is None or raw == "":
        return ()
    if isinstance(raw, str):
        raw = [part for part in raw.split(",")]
    if not isinstance(raw, Sequence) or len(raw) > MAX_PATTERNS:
        raise RuleInvalid(where, f"a list of at most {MAX_PATTERNS} names or patterns")
    return tuple(value for value in (_text(item, where, MAX_NAME) for item in raw) if value)


def _clock_time(raw: Any, where: str) -> time | None:
    if raw in (None, ""):
        return None
    if isinstance(raw, time):
        return raw
    text = _text(raw, where, 8)
    match = re.fullmatch(r"([01][0-9]|2[0-3]):([0-5][0-9])", text)
    if match is None:
        raise RuleInvalid(where, "a time of day as HH:MM (00:00 to 23:59)")
    return time(int(match.group(1)), int(match.group(2)))


def _ordered(values: dict[str, Any], low: str, high: str) -> None:
    if values[low] is not None and values[high] is not None and values[low] > values[high]:
        raise RuleInvalid(f"conditions.{high}", f"must not be below {low}")


def conditions_json(c: Conditions) -> dict[str, Any]:
    """The stored form of ``c`` (only what is set)."""
    out: dict[str, Any] = {}
    for name in (*_INT_FIELDS, *_MONEY_FIELDS, *_BOOL_FIELDS):
        value = getattr(c, name)
        if value is not None:
            out[name] = value
    for name in _LIST_FIELDS:
        if getattr(c, name):
            out[name] = list(getattr(c, name))
    for name in ("time_from", "time_until"):
        value = getattr(c, name)
        if value is not None:
            out[name] = value.strftime("%H:%M")
    if c.document_regex:
        out["document_regex"] = c.document_regex
    if c.cel:
        out["cel"] = c.cel
    return out


def action_json(a: Action) -> dict[str, Any]:
    out: dict[str, Any] = {"type": a.type}
    for name in ("message", "queue", "convert", "default"):
        if getattr(a, name):
            out[name] = getattr(a, name)
    if a.type in _DEFAULTS:
        out["timeout_seconds"] = a.timeout_seconds
    if a.amount_minor:
        out["amount_minor"] = a.amount_minor
    if a.percent:
        out["percent"] = a.percent
    return out
