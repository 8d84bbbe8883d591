"""Money: integer minor units plus an ISO 4217 currency code. Never a float."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from printwarden.core.errors import ValidationError

#: A decimal amount as people type it, in ASCII digits only: ``\d`` (and ``Decimal``)
#: accept any script's digits (Arabic-Indic, fullwidth, mathematical), exponents, ``NaN``.
DECIMAL_TEXT = re.compile(r"-?[0-9]{1,15}(\.[0-9]{1,6})?", re.ASCII)

#: Minor units per major unit for the currencies we format specially; default 2.
_EXPONENTS: dict[str, int] = {"JPY": 0, "KRW": 0, "ISK": 0, "CLP": 0, "BHD": 3, "KWD": 3}


def exponent(currency: str) -> int:
    return _EXPONENTS.get(currency, 2)


@dataclass(frozen=True, order=True)
class Money:
    """An amount in minor units (cents) of one currency."""

    minor: int
    currency: str = "EUR"

    def __post_init__(self) -> None:
        if not isinstance(self.minor, int) or isinstance(self.minor, bool):
            raise ValidationError("money amount must be an integer number of minor units")
        if len(self.currency) != 3 or not self.currency.isalpha() or not self.currency.isupper():
            raise ValidationError(f"invalid currency code {self.currency!r}")

    @classmethod
    def zero(cls, currency: str = "EUR") -> Money:
        return cls(0, currency)

    @classmethod
    def parse(cls, text: str, currency: str = "EUR") -> Money:
        """Parse a decimal string in major units ("12.50") into Money.

        Only ASCII digits, an optional leading ``-`` and one ``.`` are accepted (no
        exponent, no other script's digits): a number typed by a person means what it shows.
        """
        cleaned = text.strip(" \t")
        if not DECIMAL_TEXT.fullmatch(cleaned):
            raise ValidationError(f"not an amount: {text[:40]!r} (use digits 0-9, e.g. 12.50)")
        try:
            value = Decimal(cleaned)
        except InvalidOperation as exc:  # pragma: no cover - the pattern admits only decimals
            raise ValidationError(f"not an amount: {text[:40]!r}") from exc
        scaled = (value * (10 ** exponent(currency))).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        return cls(int(scaled), currency)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValidationError(f"currency mismatch: {self.currency} vs {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def times(self, factor: int) -> Money:
        return Money(self.minor * factor, self.currency)

    @property
    def is_negative(self) -> bool:
        return self.minor < 0

    def format(self) -> str:
        """Human form in major units, e.g. ``12.50 EUR``."""
        exp = exponent(self.currency)
        value = Decimal(self.minor).scaleb(-exp)
        return f"{value:.{exp}f} {self.currency}"

    def __str__(self) -> str:
        return self.format()
