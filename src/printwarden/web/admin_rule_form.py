"""The print rule form: what an admin types, to the rule JSON the rules service checks,
and back (a saved rule shown for editing).

The form holds text as typed; nothing is parsed here beyond splitting lists and turning
empty fields into "not set": the service parses and checks (``policy.model``) and a
refusal names its field (``conditions.pages_min``), which maps to the input of that name.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from printwarden.policy.model import SCOPE_KINDS, WEEKDAYS, Rule, action_json, conditions_json

__all__ = ["CONDITION_INPUTS", "LIST_INPUTS", "RuleForm", "blank_rule_form",
           "form_of_rule", "input_of_field", "rule_body"]

#: Condition inputs typed as text (numbers, times, CEL, regex).
CONDITION_INPUTS = (
    "pages_min", "pages_max", "sheets_min", "sheets_max", "copies_min", "copies_max",
    "color_pages_min", "cost_min_minor", "cost_max_minor", "balance_below_minor",
    "balance_above_minor", "time_from", "time_until", "document_regex", "cel",
)
#: Condition inputs holding comma-separated names or patterns.
LIST_INPUTS = ("paper_sizes", "document_names", "applications", "formats", "users",
               "groups", "roles")
TRISTATE_INPUTS = ("color", "duplex")
ACTIONS_EXAMPLE = '[{"type": "grayscale"}, {"type": "duplex"}]'


@dataclass
class RuleForm:
    values: dict[str, str] = field(default_factory=dict)
    weekdays: list[str] = field(default_factory=list)
    enabled: bool = True
    stop: bool = False
    errors: dict[str, str] = field(default_factory=dict)


def blank_rule_form() -> RuleForm:
    values = {name: "" for name in (*CONDITION_INPUTS, *LIST_INPUTS, *TRISTATE_INPUTS)}
    values.update(name="", description="", scope_kind="all", scope_value="",
                  actions=ACTIONS_EXAMPLE)
    return RuleForm(values)


def form_of_rule(rule: Rule) -> RuleForm:
    form = blank_rule_form()
    stored = conditions_json(rule.conditions)
    for name in CONDITION_INPUTS:
        if name in stored:
            form.values[name] = str(stored[name])
    for name in LIST_INPUTS:
        form.values[name] = ", ".join(stored.get(name, []))
    for name in TRISTATE_INPUTS:
        value = stored.get(name)
        form.values[name] = "" if value is None else ("yes" if value else "no")
    form.weekdays = list(stored.get("weekdays", []))
    form.values.update(name=rule.name, description=rule.description,
                       scope_kind=rule.scope.kind, scope_value=rule.scope.value,
                       actions=json.dumps([action_json(a) for a in rule.actions], indent=1))
    form.enabled, form.stop = rule.enabled, rule.stop
    return form


def read_rule_form(fields: Mapping[str, str], weekdays: list[str]) -> tuple[RuleForm,
                                                                          dict[str, Any] | None]:
    """The form as typed and the rule body to save (None when the actions are not JSON)."""
    form = blank_rule_form()
    for name in form.values:
        form.values[name] = str(fields.get(name, ""))[:4000]
    form.weekdays = [day for day in weekdays if day in WEEKDAYS]
    form.enabled = bool(fields.get("enabled"))
    form.stop = bool(fields.get("stop"))
    if form.values["scope_kind"] not in SCOPE_KINDS:
        form.values["scope_kind"] = "all"
    try:
        actions = json.loads(form.values["actions"] or "[]")
    except json.JSONDecodeError as exc:
        form.errors["actions"] = (f"not JSON: {exc.msg} at line {exc.lineno}, column "
                                  f"{exc.colno}; e.g. {ACTIONS_EXAMPLE}")
        return form, None
    return form, rule_body(form, actions)


def rule_body(form: RuleForm, actions: Any) -> dict[str, Any]:
    conditions: dict[str, Any] = {}
    for name in CONDITION_INPUTS:
        text = form.values[name].strip()
        if text:
            conditions[name] = text
    for name in LIST_INPUTS:
        items = [part.strip() for part in form.values[name].split(",") if part.strip()]
        if items:
            conditions[name] = items
    for name in TRISTATE_INPUTS:
        if form.values[name] in ("yes", "no"):
            conditions[name] = form.values[name] == "yes"
    if form.weekdays:
        conditions["weekdays"] = form.weekdays
    return {"name": form.values["name"], "description": form.values["description"],
            "scope": {"kind": form.values["scope_kind"], "value": form.values["scope_value"]},
            "conditions": conditions, "actions": actions, "enabled": form.enabled,
            "stop": form.stop}


def input_of_field(field_name: str) -> str:
    """The form input a service error's field is about."""
    if field_name.startswith("conditions."):
        return field_name.split(".", 1)[1]
    if field_name.startswith("actions"):
        return "actions"
    if field_name.startswith("scope."):
        return "scope_" + field_name.split(".", 1)[1]
    return field_name if field_name in ("name", "description") else ""
