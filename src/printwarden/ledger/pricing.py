"""Pricing (``printwarden.core.pricing``), under the ledger's name: the ledger prices with
it, and the agent prices tracker jobs with the same code."""

from __future__ import annotations

from printwarden.core.pricing import (
    ANY,
    COLORS,
    PRICE_LIST_KINDS,
    SIDES,
    CostBreakdown,
    CostLine,
    JobSpec,
    PriceList,
    PriceRule,
    best_rule,
    price_job,
)

__all__ = ["ANY", "COLORS", "PRICE_LIST_KINDS", "SIDES", "CostBreakdown", "CostLine",
           "JobSpec", "PriceList", "PriceRule", "best_rule", "price_job"]
