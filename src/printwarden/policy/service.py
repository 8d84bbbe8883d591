"""The print rules: create, change, order, delete (audited), and the compiled set that
authorize evaluates.

Every save parses the whole rule (``model.parse_*``) and compiles its CEL, so a rule in the
table is one evaluation can run; names a rule refers to (queues, groups) are checked
through ``references`` (wired by the composition root: the policy context knows no
queues). Positions stay dense (0..n-1): a move shifts the rules between.

``compiled()`` caches the compiled set by the table's (count, highest version): one small
read per authorize finds a change made by this or another server process.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping
from sqlalchemy.exc import IntegrityError

from printwarden.core.clock import Clock
from printwarden.core.errors import ConflictError, NotFoundError
from printwarden.core.ids import new_id
from printwarden.db.audit import AuditLog
from printwarden.db.engine import Database
from printwarden.policy.cel import compile_condition
from printwarden.policy.evaluation import CompiledRules, compile_rules
from printwarden.policy.model import (
    MAX_NAME,
    Rule,
    RuleInvalid,
    Scope,
    action_json,
    conditions_json,
    parse_actions,
    parse_conditions,
    parse_scope,
)
from printwarden.policy.tables import policy_rule_set as rule_set
from printwarden.policy.tables import policy_rules as table

__all__ = ["MAX_RULES", "References", "RulesService", "rule_json"]

MAX_RULES = 1000
#: ``references(kind, name)``: does a queue / device_group / release_group / user_group
#: of that name exist? (None: not checked.)
References = Callable[[str, str], bool]


class RulesService:
    def __init__(self, db: Database, clock: Clock, audit: AuditLog, *,
                 references: References | None = None) -> None:
        self._db = db
        self._clock = clock
        self._audit = audit
        self._references = references
        self._lock = threading.Lock()
        self._cache: tuple[int, CompiledRules] | None = None

    # --- reading ------------------------------------------------------------------------------

    def list_rules(self) -> list[Rule]:
        return self._db.read(_all)

    def get(self, rule_id: str) -> Rule:
        return self._db.read(lambda conn: _one(conn, rule_id))

    def compiled_in(self, conn: Connection) -> CompiledRules:
        """The enabled rules, compiled, as of ``conn``'s transaction (cached by version)."""
        key = _set_version(conn)
        with self._lock:
            if self._cache is not None and self._cache[0] == key:
                return self._cache[1]
        compiled = compile_rules(_all(conn))
        with self._lock:
            self._cache = (key, compiled)
        return compiled

    def compiled(self) -> CompiledRules:
        return self._db.read(self.compiled_in)

    # --- writing ------------------------------------------------------------------------------

    def create(self, actor: str, data: Mapping[str, Any]) -> Rule:
        """A new rule from ``data`` (name, scope, conditions, actions, stop, enabled,
        description, position: default last)."""
        draft = self._checked(data)

        def write(conn: Connection) -> Rule:
            count = int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar()
                        or 0)
            if count >= MAX_RULES:
                raise ConflictError(f"at most {MAX_RULES} rules")
            wanted = data.get("position")
            position = count if wanted is None else _position(wanted, count)
            conn.execute(table.update().where(table.c.position >= position)
                         .values(position=table.c.position + 1))
            rule = Rule(new_id(), draft.name, position, draft.enabled, draft.scope,
                        draft.conditions, draft.actions, draft.stop, draft.description)
            now = self._clock.now()
            conn.execute(table.insert().values(**_values(rule), created_at=now,
                                               updated_at=now, version=_version(conn)))
            self._audit.record_in(conn, actor, "policy.rule.create", rule.id,
                                  rule=rule_json(rule))
            return rule

        return self._unique_name(write)

    def update(self, actor: str, rule_id: str, data: Mapping[str, Any]) -> Rule:
        draft = self._checked(data)

        def write(conn: Connection) -> Rule:
            current = _one(conn, rule_id)
            rule = Rule(rule_id, draft.name, current.position, draft.enabled, draft.scope,
                        draft.conditions, draft.actions, draft.stop, draft.description)
            conn.execute(table.update().where(table.c.id == rule_id).values(
                **_values(rule), updated_at=self._clock.now(), version=_version(conn)))
            self._audit.record_in(conn, actor, "policy.rule.update", rule_id,
                                  before=rule_json(current), after=rule_json(rule))
            return rule

        return self._unique_name(write)

    def delete(self, actor: str, rule_id: str) -> None:
        def write(conn: Connection) -> None:
            current = _one(conn, rule_id)
            conn.execute(table.delete().where(table.c.id == rule_id))
            conn.execute(table.update().where(table.c.position > current.position)
                         .values(position=table.c.position - 1, version=_version(conn)))
            self._audit.record_in(conn, actor, "policy.rule.delete", rule_id,
                                  rule=rule_json(current))

        self._db.write(write)

    def move(self, actor: str, rule_id: str, position: Any) -> Rule:
        """Put the rule at ``position`` (0 = evaluated first); the others shift."""
        def write(conn: Connection) -> Rule:
            current = _one(conn, rule_id)
            count = int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar()
                        or 0)
            target = _position(position, count - 1)
            if target == current.position:
                return current
            version = _version(conn)
            if target < current.position:
                conn.execute(table.update().where(table.c.position >= target,
                                                  table.c.position < current.position)
                             .values(position=table.c.position + 1, version=version))
            else:
                conn.execute(table.update().where(table.c.position > current.position,
                                                  table.c.position <= target)
                             .values(position=table.c.position - 1, version=version))
            conn.execute(table.update().where(table.c.id == rule_id)
                         .values(position=target, version=version,
                                 updated_at=self._clock.now()))
            self._audit.record_in(conn, actor, "policy.rule.move", rule_id,
                                  before=current.position, after=target)
            return _one(conn, rule_id)

        return self._db.write(write)

    # --- checks -------------------------------------------------------------------------------

    def check(self, data: Mapping[str, Any]) -> Rule:
        """``data`` as a rule, or RuleInvalid: what a save would refuse, without saving."""
        return self._checked(data)

    def _checked(self, data: Mapping[str, Any]) -> Rule:
        if not isinstance(data, Mapping):
            raise RuleInvalid("rule", "a rule is an object")
        name = data.get("name")
        if not isinstance(name, str) or not name.strip():
            raise RuleInvalid("name", "give the rule a name")
        if len(name.strip()) > MAX_NAME or any(ord(ch) < 32 for ch in name):
            raise RuleInvalid("name", f"at most {MAX_NAME} characters, no control characters")
        description = data.get("description") or ""
        if not isinstance(description, str) or len(description) > 500:
            raise RuleInvalid("description", "text of at most 500 characters")
        for flag in ("enabled", "stop"):
            if flag in data and not isinstance(data[flag], bool):
                raise RuleInvalid(flag, "must be true or false")
        scope = parse_scope(data.get("scope"))
        conditions = parse_conditions(data.get("conditions"))
        actions = parse_actions(data.get("actions"))
        if conditions.cel:
            compile_condition(conditions.cel)
        self._check_names(scope, conditions.groups, [a.queue for a in actions if a.queue])
        return Rule("", name.strip(), 0, bool(data.get("enabled", True)), scope, conditions,
                    actions, bool(data.get("stop", False)), description.strip())

    def _check_names(self, scope: Scope, groups: tuple[str, ...], queues: list[str]) -> None:
        check = self._references
        if check is None:
            return
        if scope.kind != "all" and not check(scope.kind, scope.value):
            raise RuleInvalid("scope.value", f"no {scope.kind.replace('_', ' ')} named "
                              f"{scope.value!r}")
        for group in groups:
            if not check("user_group", group):
                raise RuleInvalid("conditions.groups", f"no user group named {group!r}")
        for index, queue in enumerate(queues):
            if not check("queue", queue):
                raise RuleInvalid(f"actions[{index}].queue", f"no queue named {queue!r}")

    def _unique_name(self, write: Callable[[Connection], Rule]) -> Rule:
        try:
            return self._db.write(write)
        except IntegrityError:
            raise RuleInvalid("name", "another rule has this name") from None


def rule_json(rule: Rule) -> dict[str, Any]:
    return {"id": rule.id, "name": rule.name, "position": rule.position,
            "enabled": rule.enabled, "scope": {"kind": rule.scope.kind,
                                               "value": rule.scope.value},
            "conditions": conditions_json(rule.conditions),
            "actions": [action_json(a) for a in rule.actions], "stop": rule.stop,
            "description": rule.description}


def _values(rule: Rule) -> dict[str, Any]:
    return {"id": rule.id, "name": rule.name, "position": rule.position,
            "enabled": rule.enabled, "scope_kind": rule.scope.kind,
            "scope_value": rule.scope.value, "conditions": conditions_json(rule.conditions),
            "actions": [action_json(a) for a in rule.actions], "stop": rule.stop,
            "description": rule.description}


def _rule(row: RowMapping) -> Rule:
    return Rule(row["id"], row["name"], int(row["position"]), bool(row["enabled"]),
                Scope(row["scope_kind"], row["scope_value"]),
                parse_conditions(row["conditions"]), parse_actions(row["actions"]),
                bool(row["stop"]), row["description"])


def _all(conn: Connection) -> list[Rule]:
    rows = conn.execute(sa.select(table).order_by(table.c.position, table.c.id)).mappings()
    return [_rule(row) for row in rows]


def _one(conn: Connection, rule_id: str) -> Rule:
    row = conn.execute(sa.select(table).where(table.c.id == str(rule_id)[:40])).mappings() \
        .first()
    if row is None:
        raise NotFoundError(f"no rule {rule_id}")
    return _rule(row)


_SET_VERSION = sa.select(rule_set.c.version).where(rule_set.c.id == 1)


def _version(conn: Connection) -> int:
    """The rule set's next version (bumped in the caller's write transaction)."""
    conn.execute(rule_set.update().where(rule_set.c.id == 1)
                 .values(version=rule_set.c.version + 1))
    return _set_version(conn)


def _set_version(conn: Connection) -> int:
    return int(conn.execute(_SET_VERSION).scalar() or 0)


def _position(raw: Any, highest: int) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int):
        if isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) < 10:
            raw = int(raw)
        else:
            raise RuleInvalid("position", "a whole number written in ASCII digits")
    if raw < 0:
        raise RuleInvalid("position", "0 or more")
    return int(min(raw, max(highest, 0)))
