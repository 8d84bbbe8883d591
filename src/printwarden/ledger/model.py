"""The ledger's pure model: accounts, entries, reservations, the charge policy, splitting.

Pricing (``JobSpec``, ``PriceList``, ``price_job``...) and quota schedules live in
``core.pricing`` (shared with the agent) and ``ledger.quotas``, re-exported here.

Splitting a cost over sources (``split_cost``): the payer's source accounts come in
charge-policy order; each gives what it can (an unlimited account everything, a limited
one ``balance - reserved + overdraft`` if positive); sources with nothing to give are
skipped; at most ``MAX_SOURCES`` accounts carry a job. What is left uncovered raises
``InsufficientFunds``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from printwarden.core.errors import InsufficientFunds, ValidationError
from printwarden.core.money import Money
from printwarden.core.pricing import (
    CostBreakdown,
    CostLine,
    JobSpec,
    PriceList,
    PriceRule,
    best_rule,
    price_job,
)
from printwarden.ledger.quotas import (
    AllocationReport,
    AllocationRun,
    Period,
    QuotaSchedule,
    period_key,
)

__all__ = [
    "ACCOUNT_KINDS", "DEFAULT_CHARGE_ORDER", "ENTRY_KINDS", "MAX_SOURCES", "POSTABLE_KINDS",
    "SOURCE_KINDS", "Account", "AllocationReport", "AllocationRun", "ChargePolicy",
    "CostBreakdown", "CostLine", "Entry", "JobSpec", "Period", "PriceList", "PriceRule",
    "QuotaSchedule", "Reservation", "ReservationPart", "Settlement", "best_rule",
    "insufficient", "period_key", "price_job", "split_cost",
]

ACCOUNT_KINDS = ("personal", "credit", "group", "shared")
SOURCE_KINDS = ("personal", "group", "shared", "credit")
DEFAULT_CHARGE_ORDER = ("personal", "group", "shared", "credit")
ENTRY_KINDS = ("charge", "refund", "top-up", "allocation", "adjustment", "transfer")
#: Kinds a caller may post directly (charges come from settle, allocations from quotas).
POSTABLE_KINDS = ("refund", "top-up", "adjustment")
MAX_SOURCES = 3
RESERVATION_STATES = ("open", "settled", "released")


@dataclass(frozen=True)
class Account:
    id: str
    kind: str
    name: str
    currency: str
    limited: bool
    overdraft_minor: int
    balance_minor: int
    reserved_minor: int
    owner_user_id: str | None
    group_id: str | None
    active: bool
    created_at: datetime

    @property
    def available_minor(self) -> int:
        """What a job may still take: balance - reserved + overdraft (limited accounts)."""
        return self.balance_minor - self.reserved_minor + self.overdraft_minor

    @property
    def balance(self) -> Money:
        return Money(self.balance_minor, self.currency)

    def can_give(self) -> int | None:
        """How much this account can give now; None when unlimited (everything)."""
        if not self.limited:
            return None
        return max(self.available_minor, 0)


@dataclass(frozen=True)
class Entry:
    id: str
    account_id: str
    amount: Money
    kind: str
    job_id: str | None
    reference: str | None
    idempotency_key: str
    origin_site: str
    created_at: datetime
    actor: str
    balance_after_minor: int
    note: str


@dataclass(frozen=True)
class ReservationPart:
    account_id: str
    amount: Money


@dataclass(frozen=True)
class Reservation:
    id: str
    job_id: str
    amount: Money
    parts: tuple[ReservationPart, ...]
    status: str
    created_at: datetime


@dataclass(frozen=True)
class Settlement:
    """``charged`` is what the entries took; ``uncollected`` what no source could cover."""

    reservation_id: str
    charged: Money
    entries: tuple[Entry, ...]
    uncollected: Money | None = None


@dataclass(frozen=True)
class ChargePolicy:
    order: tuple[str, ...]
    version: int = 0

    def __post_init__(self) -> None:
        if not self.order:
            raise ValidationError("the charge order needs at least one source kind")
        unknown = [kind for kind in self.order if kind not in SOURCE_KINDS]
        if unknown:
            raise ValidationError(f"unknown source kind(s) {', '.join(unknown)}: "
                                  f"use {', '.join(SOURCE_KINDS)}")
        if len(set(self.order)) != len(self.order):
            raise ValidationError("each source kind may appear once in the charge order")


def insufficient(amount: Money, sources: Sequence[Account]) -> InsufficientFunds:
    """The error for ``amount`` that ``sources`` together cannot cover."""
    givers = [a.can_give() or 0 for a in sources if a.can_give() != 0][:MAX_SOURCES]
    available = sum(givers)
    balance = sum(a.balance_minor for a in sources)
    currency = amount.currency
    message = (f"This job costs {amount.format()} but only {Money(available, currency).format()}"
               f" is available (balance {Money(balance, currency).format()}).")
    return InsufficientFunds(message, account_id=sources[0].id if sources else "",
                             balance_minor=balance, available_minor=available,
                             needed_minor=amount.minor, currency=currency)


def split_cost(amount: Money, sources: Sequence[Account]) -> tuple[ReservationPart, ...]:
    """Split ``amount`` over ``sources`` (in charge order); raise InsufficientFunds if short.

    A zero amount is carried by the first source with a zero part, so the reservation
    still knows whom to charge if the actual cost turns out higher.
    """
    if amount.minor < 0:
        raise ValidationError("a cost cannot be negative")
    if not sources:
        raise insufficient(amount, sources)
    if amount.minor == 0:
        return (ReservationPart(sources[0].id, amount),)
    parts: list[ReservationPart] = []
    remaining = amount.minor
    for account in sources:
        if remaining == 0 or len(parts) == MAX_SOURCES:
            break
        give = account.can_give()
        take = remaining if give is None else min(give, remaining)
        if take > 0:
            parts.append(ReservationPart(account.id, Money(take, amount.currency)))
            remaining -= take
    if remaining > 0:
        raise insufficient(amount, sources)
    return tuple(parts)


def settle_split(actual: int, reserved: Sequence[tuple[str, int]],
                 room: dict[str, int | None]) -> tuple[list[tuple[str, int]], int]:
    """Charges for an ``actual`` cost over a reservation's sources, and what stays uncovered.

    ``room`` is what each source can give once the reservation's own hold is released
    (None = unlimited). First each source pays up to its reserved part, in order; a cost
    above the reservation then takes from the same sources in order as far as each can
    give. No limited account goes below its overdraft: what is left is uncollected.
    """
    left = dict(room)
    charges: dict[str, int] = {account: 0 for account, _ in reserved}
    remaining = actual

    def take(account: str, wanted: int) -> None:
        nonlocal remaining
        limit = left.get(account, 0)
        amount = wanted if limit is None else min(wanted, max(limit, 0))
        charges[account] += amount
        remaining -= amount
        if limit is not None:
            left[account] = limit - amount

    for account, part in reserved:
        take(account, min(part, remaining))
    for account, _ in reserved:
        take(account, remaining)
    return [(account, charges[account]) for account, _ in reserved], remaining
