"""What a job printed in tracker mode costs, priced here with the queue's last price lists
and the same counting as the server (``core.job_counting``, ``core.pricing``): the
dominant paper size, colour pages (none in monochrome, all when unknown), duplex from
``sides``, per copy x copies; a queue with several lists (a release group) takes the
dearest, as authorize does (``core.price_quote``, which central's check of the report
uses too). A queue with no list yet prices nothing and says so.
"""

from __future__ import annotations

from printwarden.agent.model import LocalJob
from printwarden.agent.server_link.bodies import COLOR_MODES, SIDES
from printwarden.core.job_counting import billable_color_pages, dominant_media
from printwarden.core.price_quote import NO_CURRENCY, Quote, quote
from printwarden.core.pricing import JobSpec

__all__ = ["NO_CURRENCY", "Quote", "job_spec", "quote"]


def job_spec(job: LocalJob) -> JobSpec:
    """The job as analysed: pages and colour pages per copy, copies, paper, duplex (what
    printed is charged through ``core.price_quote.printed_spec``)."""
    analysis = job.analysis or {}
    analysed = analysis.get("pages", job.pages)
    per_copy = int(analysed or 0)
    meta = job.meta
    mode = meta.color_mode if meta.color_mode in COLOR_MODES else "auto"
    colour = billable_color_pages(mode, analysis.get("color_pages", job.color_pages),
                                  analysed) or 0
    sides = meta.sides if meta.sides in SIDES else "one-sided"
    return JobSpec(media=dominant_media(dict(analysis.get("sizes") or {})), pages=per_copy,
                   color_pages=min(int(colour), per_copy),
                   copies=max(min(meta.copies, 9999), 1), duplex=sides != "one-sided")
