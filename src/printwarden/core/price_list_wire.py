"""A price list as JSON, for the agent link: the server sends each queue's price lists
with the agent's configuration, the agent keeps them and prices tracker jobs with them.

``prices_version`` is a digest of the lists' content: the same lists always give the same
version, so the agent (and the offline job reports) can say which prices were used
without the server keeping a version counter.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from printwarden.core.errors import ValidationError
from printwarden.core.money import Money
from printwarden.core.pricing import PriceList, PriceRule

#: The most rules one list may carry over the wire (a list is a handful in practice).
MAX_RULES = 1000


def price_list_json(price_list: PriceList) -> dict[str, Any]:
    return {"id": price_list.id, "name": price_list.name, "kind": price_list.kind,
            "currency": price_list.currency,
            "per_job_fee_minor": price_list.per_job_fee_minor,
            "rules": [{"media": r.media, "color": r.color, "sides": r.sides,
                       "per_page_minor": r.per_page_minor,
                       "per_sheet_minor": r.per_sheet_minor} for r in price_list.rules]}


def _minor(value: object, what: str) -> int:
    if type(value) is not int or not 0 <= value <= 10**9:
        raise ValidationError(f"{what} must be a whole number from 0 to 1000000000")
    return value


def price_list_from_json(data: Mapping[str, Any]) -> PriceList:
    """The price list ``price_list_json`` wrote; ValidationError for anything else."""
    rules = data.get("rules")
    if not isinstance(rules, list) or len(rules) > MAX_RULES:
        raise ValidationError(f"a price list needs a list of at most {MAX_RULES} rules")
    parsed = []
    for rule in rules:
        if not isinstance(rule, Mapping):
            raise ValidationError("a price rule must be an object")
        parsed.append(PriceRule(
            media=str(rule.get("media", "*")), color=str(rule.get("color", "*")),
            sides=str(rule.get("sides", "*")),
            per_page_minor=_minor(rule.get("per_page_minor", 0), "per_page_minor"),
            per_sheet_minor=_minor(rule.get("per_sheet_minor", 0), "per_sheet_minor")))
    currency = Money.zero(str(data.get("currency") or "")).currency
    return PriceList(id=str(data.get("id") or ""), name=str(data.get("name") or "prices"),
                     kind=str(data.get("kind") or "print"), currency=currency,
                     per_job_fee_minor=_minor(data.get("per_job_fee_minor", 0),
                                              "per_job_fee_minor"),
                     rules=tuple(parsed))


def prices_version(lists: Iterable[Mapping[str, Any]]) -> str:
    """A short digest of the lists (as ``price_list_json`` wrote them)."""
    canonical = json.dumps(list(lists), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]
