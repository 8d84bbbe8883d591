"""Pure arithmetic from pages, copies, sides and number-up to impressions and sheets.

Definitions follow IPP (RFC 8011 / PWG 5100.x): an *impression* is one side of a sheet
that is marked; with number-up N, N pages share one impression. Copies are collated, so
each copy starts on a new sheet: a two-sided copy with an odd impression count leaves
its last back side blank.
"""

from __future__ import annotations

from dataclasses import dataclass

SIDES: tuple[str, ...] = ("one-sided", "two-sided-long-edge", "two-sided-short-edge")


@dataclass(frozen=True)
class Layout:
    sheets: int
    impressions: int
    sheets_per_copy: int
    impressions_per_copy: int
    blank_sides: int
    duplex: bool


def sheets_and_impressions(
    pages: int, copies: int = 1, sides: str = "one-sided", number_up: int = 1
) -> Layout:
    """Sheets and impressions for ``copies`` collated copies of ``pages`` pages.

    ``sides`` also accepts ``two-sided`` as shorthand. Raises ``ValueError`` for
    negative pages, fewer than one copy or number-up, or unknown sides.
    """
    if pages < 0:
        raise ValueError("pages must be >= 0")
    if copies < 1:
        raise ValueError("copies must be >= 1")
    if number_up < 1:
        raise ValueError("number_up must be >= 1")
    if sides == "two-sided":
        sides = "two-sided-long-edge"
    if sides not in SIDES:
        raise ValueError(f"unknown sides {sides!r}")
    duplex = sides != "one-sided"
    per_copy = -(-pages // number_up)
    sheets_per_copy = -(-per_copy // 2) if duplex else per_copy
    blank = (sheets_per_copy * 2 - per_copy) if duplex else 0
    return Layout(
        sheets=sheets_per_copy * copies,
        impressions=per_copy * copies,
        sheets_per_copy=sheets_per_copy,
        impressions_per_copy=per_copy,
        blank_sides=blank * copies,
        duplex=duplex,
    )
