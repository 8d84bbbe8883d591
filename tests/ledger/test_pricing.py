"""Pricing is a pure function: rules, specificity, sheets, fees, and its invariants."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from printwarden.core.errors import ValidationError
from printwarden.core.money import Money
from printwarden.ledger.model import JobSpec, PriceList, PriceRule, best_rule, price_job

A4 = "iso_a4_210x297mm"
A3 = "iso_a3_297x420mm"


def standard(**kwargs: object) -> PriceList:
    rules = (
        PriceRule(media="*", color="mono", per_page_minor=5),
        PriceRule(media="*", color="color", per_page_minor=20),
        PriceRule(media=A3, color="mono", per_page_minor=10),
        PriceRule(media=A3, color="color", sides="duplex", per_page_minor=35),
        PriceRule(media=A3, color="color", per_page_minor=40),
    )
    return PriceList("pl1", "Standard", "print", "EUR", rules=rules, **kwargs)  # type: ignore[arg-type]


def test_mono_and_colour_pages_are_priced_per_copy() -> None:
    cost = price_job(standard(), JobSpec(media=A4, pages=10, color_pages=2, copies=3))
    assert cost.total == Money(8 * 3 * 5 + 2 * 3 * 20, "EUR")
    assert [line.quantity for line in cost.lines] == [24, 6]


def test_exact_media_beats_a_wildcard_rule() -> None:
    assert price_job(standard(), JobSpec(media=A3, pages=1)).total.minor == 10


def test_exact_sides_beats_wildcard_sides_when_media_and_colour_tie() -> None:
    duplex = JobSpec(media=A3, pages=2, color_pages=2, duplex=True)
    simplex = JobSpec(media=A3, pages=2, color_pages=2)
    assert price_job(standard(), duplex).total.minor == 70
    assert price_job(standard(), simplex).total.minor == 80


def test_on_equal_specificity_the_first_rule_wins() -> None:
    rules = (PriceRule(color="mono", per_page_minor=1), PriceRule(color="mono", per_page_minor=9))
    assert best_rule(rules, A4, "mono", "simplex") == rules[0]


def test_pages_no_rule_matches_are_free() -> None:
    only_a3 = PriceList("p", "A3 only", "print", "EUR", rules=(PriceRule(media=A3,
                                                                          per_page_minor=7),))
    assert price_job(only_a3, JobSpec(media=A4, pages=5)).total.minor == 0


def test_sheets_default_to_half_the_pages_rounded_up_when_duplex() -> None:
    per_sheet = PriceList("p", "Sheets", "print", "EUR",
                          rules=(PriceRule(per_sheet_minor=3),))
    assert price_job(per_sheet, JobSpec(media=A4, pages=5, duplex=True, copies=2)).total.minor \
        == 3 * 3 * 2
    assert price_job(per_sheet, JobSpec(media=A4, pages=5, copies=2)).total.minor == 5 * 2 * 3
    assert price_job(per_sheet, JobSpec(media=A4, pages=5, sheets=4)).total.minor == 12


def test_the_per_job_fee_is_a_line_of_its_own() -> None:
    cost = price_job(standard(per_job_fee_minor=25), JobSpec(media=A4, pages=1))
    assert cost.lines[-1].description == "Per-job fee"
    assert cost.total.minor == 30


@pytest.mark.parametrize("spec", [
    dict(pages=-1), dict(pages=2, color_pages=3), dict(pages=1, copies=0),
    dict(pages=1, sheets=-2),
])
def test_impossible_job_specs_are_rejected(spec: dict[str, int]) -> None:
    with pytest.raises(ValidationError):
        JobSpec(media=A4, **spec)  # type: ignore[arg-type]


def test_negative_prices_and_unknown_modes_are_rejected() -> None:
    with pytest.raises(ValidationError):
        PriceRule(per_page_minor=-1)
    with pytest.raises(ValidationError):
        PriceRule(color="sepia")


prices = st.integers(min_value=0, max_value=500)
rule_strategy = st.builds(
    PriceRule, media=st.sampled_from(["*", A4, A3]), color=st.sampled_from(["*", "mono", "color"]),
    sides=st.sampled_from(["*", "simplex", "duplex"]), per_page_minor=prices,
    per_sheet_minor=prices)
list_strategy = st.builds(
    PriceList, id=st.just("p"), name=st.just("Any"), kind=st.just("print"),
    currency=st.just("EUR"), per_job_fee_minor=prices,
    rules=st.lists(rule_strategy, max_size=6).map(tuple))


@st.composite
def specs(draw: st.DrawFn) -> JobSpec:
    pages = draw(st.integers(min_value=0, max_value=400))
    return JobSpec(media=draw(st.sampled_from([A4, A3, "na_letter_8.5x11in"])), pages=pages,
                   color_pages=draw(st.integers(min_value=0, max_value=pages)),
                   copies=draw(st.integers(min_value=1, max_value=20)),
                   duplex=draw(st.booleans()))


@given(list_strategy, specs())
def test_the_total_is_the_sum_of_the_lines_and_never_negative(price_list: PriceList,
                                                              spec: JobSpec) -> None:
    cost = price_job(price_list, spec)
    assert cost.total.minor == sum(line.amount_minor for line in cost.lines)
    assert all(line.amount_minor == line.quantity * line.unit_minor for line in cost.lines)
    assert cost.total.minor >= 0


@given(list_strategy, specs(), st.integers(min_value=1, max_value=50))
def test_more_pages_never_cost_less(price_list: PriceList, spec: JobSpec, extra: int) -> None:
    bigger = JobSpec(media=spec.media, pages=spec.pages + extra, color_pages=spec.color_pages,
                     copies=spec.copies, duplex=spec.duplex)
    assert price_job(price_list, bigger).total >= price_job(price_list, spec).total
