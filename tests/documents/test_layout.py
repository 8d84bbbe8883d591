from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from printwarden.documents import SIDES, sheets_and_impressions


def test_one_sided_uses_one_sheet_per_impression() -> None:
    layout = sheets_and_impressions(5, copies=2)
    assert (layout.sheets, layout.impressions) == (10, 10)


def test_two_sided_copies_each_start_on_a_new_sheet() -> None:
    layout = sheets_and_impressions(5, copies=2, sides="two-sided-long-edge")
    assert (layout.sheets, layout.impressions, layout.blank_sides) == (6, 10, 2)


def test_number_up_shares_impressions() -> None:
    layout = sheets_and_impressions(9, sides="two-sided-short-edge", number_up=4)
    assert (layout.impressions, layout.sheets) == (3, 2)


def test_zero_pages_need_nothing() -> None:
    assert sheets_and_impressions(0, copies=3).sheets == 0


@pytest.mark.parametrize(
    ("pages", "copies", "sides", "up"),
    [
        (-1, 1, "one-sided", 1),
        (1, 0, "one-sided", 1),
        (1, 1, "three-sided", 1),
        (1, 1, "one-sided", 0),
    ],
)
def test_invalid_arguments_are_refused(pages: int, copies: int, sides: str, up: int) -> None:
    with pytest.raises(ValueError):
        sheets_and_impressions(pages, copies, sides, up)


@given(
    pages=st.integers(0, 5000),
    copies=st.integers(1, 50),
    sides=st.sampled_from(SIDES),
    up=st.sampled_from([1, 2, 4, 6, 9, 16]),
)
def test_layout_invariants(pages: int, copies: int, sides: str, up: int) -> None:
    lay = sheets_and_impressions(pages, copies, sides, up)
    assert lay.sheets * 2 >= lay.impressions
    assert lay.sheets <= lay.impressions
    assert lay.impressions * up >= pages * copies
    assert lay.impressions_per_copy * copies == lay.impressions
    assert (lay.impressions_per_copy - 1) * up < pages or pages == 0
    if sides == "one-sided":
        assert lay.sheets == lay.impressions and lay.blank_sides == 0
    else:
        assert lay.sheets * 2 - lay.impressions == lay.blank_sides
        assert lay.blank_sides <= copies
    more = sheets_and_impressions(pages + 1, copies, sides, up)
    assert more.sheets >= lay.sheets and more.impressions >= lay.impressions
