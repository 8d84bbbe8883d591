"""Pricing, pure: price lists, rules and ``price_job`` (no I/O). It lives in ``core`` so
that the server's ledger and an agent pricing a job offline (tracker mode) count alike.

Rule choice: for each colour mode of a job (its mono pages and its colour pages) the
*most specific* matching rule wins. A rule matches when each of its fields equals the
job's value or is ``"*"``. Specificity ranks media first, then colour, then sides:
an exact media beats any wildcard media, then an exact colour beats ``"*"``, then an
exact sides. Equally specific rules: the first in the list wins. Pages no rule matches
are free.

Per-sheet prices come from the rule chosen for the job's colour mode (the colour rule
when the job has any colour page, the mono rule otherwise): sheets are not coloured.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from printwarden.core.errors import ValidationError
from printwarden.core.money import Money

PRICE_LIST_KINDS = ("print", "copy")
COLORS = ("color", "mono", "*")
SIDES = ("simplex", "duplex", "*")
ANY = "*"


@dataclass(frozen=True)
class PriceRule:
    media: str = ANY
    color: str = ANY
    sides: str = ANY
    per_page_minor: int = 0
    per_sheet_minor: int = 0

    def __post_init__(self) -> None:
        if not self.media or len(self.media) > 100:
            raise ValidationError("a price rule needs a media name (or '*'), up to 100 characters")
        if self.color not in COLORS:
            raise ValidationError(f"price rule colour must be one of {', '.join(COLORS)}")
        if self.sides not in SIDES:
            raise ValidationError(f"price rule sides must be one of {', '.join(SIDES)}")
        if self.per_page_minor < 0 or self.per_sheet_minor < 0:
            raise ValidationError("prices cannot be negative")

    def matches(self, media: str, color: str, sides: str) -> bool:
        return (self.media in (ANY, media) and self.color in (ANY, color)
                and self.sides in (ANY, sides))

    @property
    def specificity(self) -> int:
        """Media outranks colour outranks sides (4 + 2 + 1)."""
        return ((4 if self.media != ANY else 0) + (2 if self.color != ANY else 0)
                + (1 if self.sides != ANY else 0))


@dataclass(frozen=True)
class PriceList:
    id: str
    name: str
    kind: str
    currency: str
    per_job_fee_minor: int = 0
    rules: tuple[PriceRule, ...] = ()
    default: bool = False

    def __post_init__(self) -> None:
        if self.kind not in PRICE_LIST_KINDS:
            raise ValidationError("price list kind must be 'print' or 'copy'")
        if not self.name.strip():
            raise ValidationError("a price list needs a name")
        if self.per_job_fee_minor < 0:
            raise ValidationError("the per-job fee cannot be negative")


@dataclass(frozen=True)
class JobSpec:
    """What a job is: ``pages`` and ``color_pages`` per copy; ``sheets`` for the whole job."""

    media: str
    pages: int
    color_pages: int = 0
    copies: int = 1
    duplex: bool = False
    sheets: int | None = None

    def __post_init__(self) -> None:
        if self.pages < 0:
            raise ValidationError("pages cannot be negative")
        if not 0 <= self.color_pages <= self.pages:
            raise ValidationError("colour pages must be between 0 and the number of pages")
        if self.copies < 1:
            raise ValidationError("copies must be at least 1")
        if self.sheets is not None and self.sheets < 0:
            raise ValidationError("sheets cannot be negative")

    @property
    def mono_pages(self) -> int:
        return self.pages - self.color_pages

    @property
    def total_sheets(self) -> int:
        if self.sheets is not None:
            return self.sheets
        per_copy = (self.pages + 1) // 2 if self.duplex else self.pages
        return per_copy * self.copies


@dataclass(frozen=True)
class CostLine:
    description: str
    quantity: int
    unit_minor: int
    amount_minor: int


@dataclass(frozen=True)
class CostBreakdown:
    lines: tuple[CostLine, ...]
    total: Money
    price_list_id: str | None = field(default=None)

    @classmethod
    def free(cls, currency: str) -> CostBreakdown:
        return cls(lines=(), total=Money(0, currency))


def best_rule(rules: tuple[PriceRule, ...], media: str, color: str,
              sides: str) -> PriceRule | None:
    """The most specific rule matching, the first one on a tie; None when none matches."""
    best: PriceRule | None = None
    for rule in rules:
        if rule.matches(media, color, sides) and (
                best is None or rule.specificity > best.specificity):
            best = rule
    return best


def price_job(price_list: PriceList, spec: JobSpec) -> CostBreakdown:
    """The cost of ``spec`` under ``price_list``, line by line."""
    sides = "duplex" if spec.duplex else "simplex"
    mono_rule = best_rule(price_list.rules, spec.media, "mono", sides)
    color_rule = best_rule(price_list.rules, spec.media, "color", sides)
    lines: list[CostLine] = []

    def add(description: str, quantity: int, unit: int) -> None:
        if quantity > 0 and unit > 0:
            lines.append(CostLine(description, quantity, unit, quantity * unit))

    if mono_rule is not None:
        add(f"Mono pages ({spec.media}, {sides})", spec.mono_pages * spec.copies,
            mono_rule.per_page_minor)
    if color_rule is not None:
        add(f"Colour pages ({spec.media}, {sides})", spec.color_pages * spec.copies,
            color_rule.per_page_minor)
    sheet_rule = color_rule if spec.color_pages > 0 else mono_rule
    if sheet_rule is not None:
        add(f"Sheets ({spec.media})", spec.total_sheets, sheet_rule.per_sheet_minor)
    add("Per-job fee", 1, price_list.per_job_fee_minor)
    total = sum(line.amount_minor for line in lines)
    return CostBreakdown(tuple(lines), Money(total, price_list.currency), price_list.id)
