"""A cost breakdown as JSON (stored with a job's decision, sent to agents)."""

from __future__ import annotations

from typing import Any

from printwarden.core.money import Money
from printwarden.ledger.model import CostBreakdown, CostLine


def dump_lines(cost: CostBreakdown) -> list[dict[str, Any]]:
    return [{"description": line.description, "quantity": line.quantity,
             "unit_minor": line.unit_minor, "amount_minor": line.amount_minor}
            for line in cost.lines]


def dump(cost: CostBreakdown) -> dict[str, Any]:
    return {"lines": dump_lines(cost), "total_minor": cost.total.minor,
            "currency": cost.total.currency, "price_list_id": cost.price_list_id}


def load(data: dict[str, Any]) -> CostBreakdown:
    lines = tuple(CostLine(description=str(item["description"]), quantity=int(item["quantity"]),
                           unit_minor=int(item["unit_minor"]),
                           amount_minor=int(item["amount_minor"]))
                  for item in data.get("lines", ()))
    return CostBreakdown(lines=lines, total=Money(int(data["total_minor"]), str(data["currency"])),
                         price_list_id=data.get("price_list_id"))
