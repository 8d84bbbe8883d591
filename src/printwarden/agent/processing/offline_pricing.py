"""What a job printed in tracker mode costs, priced here with the queue's last price lists
and the same counting as the server (``core.job_counting``, ``core.pricing``): the
dominant paper size, colour pages (none in monochrome, all when unknown), duplex from
``sides``, per copy x copies; a queue with several lists (a release group) takes the
dearest, as authorize does. A queue with no list yet prices nothing and says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from printwarden.agent.model import LocalJob
from printwarden.agent.server_link.bodies import COLOR_MODES, SIDES
from printwarden.core.errors import ValidationError
from printwarden.core.job_counting import billable_color_pages, dominant_media
from printwarden.core.price_list_wire import price_list_from_json
from printwarden.core.pricing import JobSpec, price_job

#: The currency of a job priced without any price list (ISO 4217 "no currency").
NO_CURRENCY = "XXX"


@dataclass(frozen=True)
class OfflineQuote:
    cost_minor: int
    currency: str
    #: False: no price list was known for the queue (cost 0, flagged at the server).
    priced: bool


def job_spec(job: LocalJob, *, pages: int | None = None,
             copies: int | None = None) -> JobSpec:
    """The job as priced: its analysed pages and copies unless ``pages`` (per copy) and
    ``copies`` say what really printed."""
    analysis = job.analysis or {}
    analysed = analysis.get("pages", job.pages)
    per_copy = int(analysed or 0) if pages is None else pages
    meta = job.meta
    mode = meta.color_mode if meta.color_mode in COLOR_MODES else "auto"
    colour = billable_color_pages(mode, analysis.get("color_pages", job.color_pages),
                                  analysed) or 0
    sides = meta.sides if meta.sides in SIDES else "one-sided"
    return JobSpec(media=dominant_media(dict(analysis.get("sizes") or {})), pages=per_copy,
                   color_pages=min(int(colour), per_copy),
                   copies=max(min(meta.copies if copies is None else copies, 9999), 1),
                   duplex=sides != "one-sided")


def quote(spec: JobSpec, lists: Iterable[Mapping[str, Any]]) -> OfflineQuote:
    """``spec`` priced with the dearest of ``lists``; unpriced when there is none usable."""
    costs = []
    for item in lists:
        try:
            costs.append(price_job(price_list_from_json(item), spec).total)
        except ValidationError:
            continue  # a list this agent cannot read prices nothing
    if not costs:
        return OfflineQuote(0, NO_CURRENCY, priced=False)
    dearest = max(costs, key=lambda money: money.minor)
    return OfflineQuote(dearest.minor, dearest.currency, priced=True)
