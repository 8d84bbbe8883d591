"""A job priced with the dearest of the price lists its queue has, in their wire form
(``price_list_wire``): the agent prices a tracker-mode job so, and central prices the
agent's report of it the same way to check the agent's figure (``jobs/offline_jobs``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from printwarden.core.errors import ValidationError
from printwarden.core.price_list_wire import price_list_from_json
from printwarden.core.pricing import JobSpec, price_job

#: The currency of a job priced without any price list (ISO 4217 "no currency").
NO_CURRENCY = "XXX"


@dataclass(frozen=True)
class Quote:
    cost_minor: int
    currency: str
    #: False: no usable price list was known for the queue (cost 0).
    priced: bool


def quote(spec: JobSpec, lists: Iterable[Mapping[str, Any]]) -> Quote:
    """``spec`` priced with the dearest of ``lists``; unpriced when there is none usable."""
    costs = []
    for item in lists:
        try:
            costs.append(price_job(price_list_from_json(item), spec).total)
        except ValidationError:
            continue  # a list this reader cannot read prices nothing
    if not costs:
        return Quote(0, NO_CURRENCY, priced=False)
    dearest = max(costs, key=lambda money: money.minor)
    return Quote(dearest.minor, dearest.currency, priced=True)


def printed_spec(spec: JobSpec, *, completed: bool, pages_printed: int | None,
                 copies_printed: int | None) -> JobSpec | None:
    """What is charged of a job described by ``spec`` (its analysed pages and copies):
    a completed job the pages and copies it printed (the analysed figures when the
    printer did not say), another ending only the pages it printed (x copies printed,
    default 1). None: nothing printed, nothing to charge."""
    if completed:
        pages = spec.pages if pages_printed is None else pages_printed
        copies = spec.copies if copies_printed is None else copies_printed
    else:
        pages, copies = pages_printed or 0, copies_printed or 1
    if pages == 0 or copies == 0:
        return None
    return JobSpec(media=spec.media, pages=pages, color_pages=min(spec.color_pages, pages),
                   copies=max(min(copies, 9999), 1), duplex=spec.duplex)
