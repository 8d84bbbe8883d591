"""Tracker pricing at the agent counts as the server's authorize does, from the price
lists the server sent (the same wire format, the same ``price_job``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from printwarden.agent.model import JobMeta, LocalJob, LocalState
from printwarden.agent.processing.offline_pricing import job_spec, quote
from printwarden.agent.server_link.offline_uploader import offline_job_body, printed_cost
from printwarden.core.price_list_wire import price_list_json
from printwarden.core.pricing import PriceList, PriceRule, price_job
from printwarden.jobs.messages import Analysis, AuthorizeRequest
from printwarden.ledger.model import JobSpec

NOW = datetime(2026, 12, 1, tzinfo=UTC)
A4, LETTER = "iso_a4_210x297mm", "na_letter_8.5x11in"
PRICES = PriceList(id="p1", name="Standard", kind="print", currency="EUR",
                   per_job_fee_minor=3, rules=(
                       PriceRule(color="mono", per_page_minor=5),
                       PriceRule(color="color", per_page_minor=20),
                       PriceRule(media=LETTER, color="mono", sides="duplex",
                                 per_page_minor=4, per_sheet_minor=1)))
DEARER = replace(PRICES, id="p2", rules=(PriceRule(per_page_minor=50),))


def local_job(*, pages: int | None, color: int | None, sizes: dict[str, int],
              copies: int = 1, sides: str = "one-sided", mode: str = "auto") -> LocalJob:
    analysis: dict[str, Any] = {"pages": pages, "color_pages": color, "sizes": sizes}
    return LocalJob(local_id="01J", queue="hall",
                    meta=JobMeta(username="alice", copies=copies, sides=sides,
                                 color_mode=mode),
                    spool_name="01J", size_bytes=10, created_at=NOW, updated_at=NOW,
                    state=LocalState.ANALYSED, analysis=analysis, pages=pages,
                    color_pages=color)


def server_cost(job: LocalJob) -> int:
    """What the server's authorize prices the same job at."""
    meta, analysis = job.meta, job.analysis
    request = AuthorizeRequest(agent_job_key="k", queue="hall", username="alice",
                               copies=meta.copies, sides=meta.sides, color_mode=meta.color_mode,
                               analysis=Analysis(pages=analysis["pages"],
                                                 color_pages=analysis["color_pages"],
                                                 sizes=analysis["sizes"]))
    spec = JobSpec(media=request.media, pages=request.analysis.pages or 0,
                   color_pages=request.billable_color_pages or 0, copies=request.copies,
                   duplex=request.duplex)
    return price_job(PRICES, spec).total.minor


@pytest.mark.parametrize("job", [
    local_job(pages=3, color=0, sizes={A4: 3}),
    local_job(pages=3, color=2, sizes={A4: 3}, copies=4),
    local_job(pages=3, color=None, sizes={A4: 3}),                   # unknown colour: all
    local_job(pages=3, color=None, sizes={A4: 3}, mode="monochrome"),
    local_job(pages=5, color=0, sizes={LETTER: 3, A4: 2}, sides="two-sided-long-edge",
              copies=2),
    local_job(pages=2, color=0, sizes={LETTER: 1, A4: 1}),            # a tie: name order
    local_job(pages=4, color=1, sizes={}, sides="two-sided-short-edge"),
])
def test_the_agent_prices_a_job_as_the_server_does(job: LocalJob) -> None:
    priced = quote(job_spec(job), [price_list_json(PRICES)])
    assert priced.priced and priced.currency == "EUR"
    assert priced.cost_minor == server_cost(job)


def test_the_dearest_list_applies_and_no_list_prices_nothing_with_a_flag() -> None:
    job = local_job(pages=2, color=0, sizes={A4: 2})
    both = quote(job_spec(job), [price_list_json(PRICES), price_list_json(DEARER)])
    assert both.cost_minor == 2 * 50 + 3
    assert quote(job_spec(job), []) == quote(job_spec(job), [{"rules": "bad"}])
    assert quote(job_spec(job), []).priced is False
    assert quote(job_spec(job), []).cost_minor == 0


def test_what_is_reported_is_what_printed_priced_with_the_journaled_lists() -> None:
    job = replace(local_job(pages=3, color=0, sizes={A4: 3}, copies=2),
                  offline={"price_lists": [price_list_json(PRICES)], "priced": True,
                           "currency": "EUR", "prices_version": "v"})
    printed = replace(job, state=LocalState.FORWARDED, pages_printed=3, copies_printed=1)
    failed_blank = replace(job, state=LocalState.FAILED, pages_printed=0, copies_printed=0)
    cut = replace(job, state=LocalState.CANCELLED, pages_printed=2, copies_printed=1)

    assert printed_cost(printed) == (3 * 5 + 3, "EUR", True)
    assert printed_cost(failed_blank) == (0, "EUR", True)
    assert printed_cost(cut) == (2 * 5 + 3, "EUR", True)
    body = offline_job_body(printed)
    assert (body["status"], body["pages"], body["copies"], body["cost_minor"]) == (
        "completed", 3, 2, 18)
