"""The ledger's pure model: accounts, entries, reservations, the charge policy, splitting.

Pricing (``JobSpec``, ``PriceList``, ``price_job``...) and quota schedules live in
``core.pricing`` (shared with the agent) and ``ledger.quotas``, re-exported here.

Splitting a cost over sources (``split_cost``): the payer's source accounts come in
charge-policy order; each gives what it can (``Account.can_give``: an unlimited account
everything, a limited one ``balance - reserved + overdraft`` if positive, both capped by
the account's offline credit policy while its site is cut off from central); sources with
nothing to give are skipped; at most ``MAX_SOURCES`` accounts carry a job. What is left
uncovered raises ``InsufficientFunds``.

Offline credit (``OFFLINE_CREDIT_POLICIES``, ``offline_room``): what an account may spend
at a remote that has lost central. ``balance``: the usual (the replica's balance);
``limit``: at most ``offline_limit_minor`` while cut off, never more than the usual;
``deny``: nothing (free jobs still print). Central is never offline: there the policy
changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from printwarden.core.errors import InsufficientFunds, ValidationError
from printwarden.core.ids import derived_id
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
    "ACCOUNT_KINDS", "DEFAULT_CHARGE_ORDER", "ENTRY_KINDS", "MAX_SOURCES",
    "OFFLINE_CREDIT_POLICIES", "OFFLINE_LIMIT_MAX_MINOR", "OFFLINE_MESSAGE", "POSTABLE_KINDS",
    "SOURCE_KINDS", "Account", "AllocationReport", "AllocationRun", "ChargePolicy",
    "CostBreakdown", "CostLine", "Entry", "JobSpec", "Period", "PriceList", "PriceRule",
    "QuotaSchedule", "Reservation", "ReservationPart", "Settlement", "best_rule",
    "insufficient", "offline_room", "period_key", "price_job", "split_cost",
    "validate_offline_credit",
]

ACCOUNT_KINDS = ("personal", "credit", "group", "shared")
#: The kinds with one account per owner (a user, a group), found by their owner key.
OWNER_KINDS = ("personal", "credit", "group")
#: Owner accounts' ids are derived from their owner key in this namespace.
OWNER_ACCOUNT_NAMESPACE = "ledger-account"


def owner_account_id(key: str) -> str:
    """The id every site gives the account of owner key ``key`` ("personal:<user id>",
    "credit:<user id>", "group:<group id>") when it creates it: a remote that creates a
    user's account on the fly and central that creates it later (or meanwhile) make the
    same account, so central can post the remote's entries on it and the replica's copy
    of central's row is the remote's own row. Accounts created before ids were derived
    keep their random ids (the owner key, unique, still finds them)."""
    return derived_id(OWNER_ACCOUNT_NAMESPACE, key)


def split_owner_key(key: str) -> tuple[str, str] | None:
    """(kind, owner id) of an owner key; None when it is not one."""
    kind, _, owner = key.partition(":")
    return (kind, owner) if kind in OWNER_KINDS and owner else None
SOURCE_KINDS = ("personal", "group", "shared", "credit")
DEFAULT_CHARGE_ORDER = ("personal", "group", "shared", "credit")
ENTRY_KINDS = ("charge", "refund", "top-up", "allocation", "adjustment", "transfer")
#: Kinds a caller may post directly (charges come from settle, allocations from quotas).
POSTABLE_KINDS = ("refund", "top-up", "adjustment")
MAX_SOURCES = 3
RESERVATION_STATES = ("open", "settled", "released")
OFFLINE_CREDIT_POLICIES = ("balance", "limit", "deny")
#: The largest offline limit (10^12 minor units): far above any real one, far below the
#: 64-bit columns, so sums of limits, balances and reservations never overflow.
OFFLINE_LIMIT_MAX_MINOR = 10**12
OFFLINE_MESSAGE = "offline: this account may not spend while the site is cut off from central"


def validate_offline_credit(policy: str, limit_minor: int) -> None:
    """Refuse an unknown policy, a negative limit or one above ``OFFLINE_LIMIT_MAX_MINOR``."""
    if policy not in OFFLINE_CREDIT_POLICIES:
        raise ValidationError(f"offline credit must be one of "
                              f"{', '.join(OFFLINE_CREDIT_POLICIES)}, not {policy!r}")
    if not 0 <= limit_minor <= OFFLINE_LIMIT_MAX_MINOR:
        raise ValidationError(f"the offline limit must be between 0 and "
                              f"{OFFLINE_LIMIT_MAX_MINOR} minor units")


def offline_room(policy: str, limit_minor: int, unsent_minor: int,
                 reserved_minor: int) -> int | None:
    """What an account may still give while its site is offline, before its usual limits;
    None: no offline cap (``balance``).

    ``unsent_minor`` is the site's own entries on the account that central has not
    acknowledged (negative: spent); money received at the site offsets spending but never
    raises the room above the limit. ``reserved_minor`` (the holds of jobs and copy
    sessions not settled yet) counts like spending: two jobs held at once must not each
    see the whole limit.
    """
    if policy == "balance":
        return None
    if policy == "deny":
        return 0
    return max(limit_minor + min(unsent_minor, 0) - max(reserved_minor, 0), 0)


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
    #: The offline credit policy (``OFFLINE_CREDIT_POLICIES``) and its limit; replicated
    #: with the account, so central decides what each remote may spend offline.
    offline_credit: str = "balance"
    offline_limit_minor: int = 0
    #: None: the account was read online (no offline cap). Else the ledger read it at a
    #: remote cut off from central, and this is the site's own spending central has not
    #: acknowledged yet (negative: spent), for ``offline_room``.
    unsent_minor: int | None = None

    @property
    def owner_key(self) -> str | None:
        """"personal:<user id>", "credit:<user id>", "group:<group id>" (the one account of
        its owner, ``ledger_accounts.owner_key``); None for a shared account."""
        owner = self.owner_user_id or self.group_id
        return f"{self.kind}:{owner}" if self.kind in OWNER_KINDS and owner else None

    @property
    def available_minor(self) -> int:
        """What a job may still take: balance - reserved + overdraft (limited accounts).

        At a remote, ``balance_minor`` is central's balance of the row as last replicated
        (which counts the remote's entries central had applied by then) plus the remote's
        own entries written since (each posting moves the local row in its transaction).
        So the remote's own spending is in it once, and the offline cap
        (``offline_room``) uses the unsent spending for the limit alone, never to lower
        the balance again. (When a newer row of central's arrives, the replica keeps the
        remote's own entries central has not reflected yet on top of it:
        ``sync/replica_balances.py``.)
        """
        return self.balance_minor - self.reserved_minor + self.overdraft_minor

    @property
    def balance(self) -> Money:
        return Money(self.balance_minor, self.currency)

    def offline_room(self) -> int | None:
        """What the offline credit policy still lets this account give; None: no cap
        (read online, or the ``balance`` policy)."""
        if self.unsent_minor is None:
            return None
        return offline_room(self.offline_credit, self.offline_limit_minor, self.unsent_minor,
                            self.reserved_minor)

    def can_give(self) -> int | None:
        """How much this account can give now; None when unlimited (everything). The one
        place availability is decided: the usual limit, capped offline by the policy."""
        return _capped(self.usual_room(), self.offline_room())

    def usual_room(self) -> int | None:
        """What the account may give by its own limits alone; None when unlimited."""
        return None if not self.limited else max(self.available_minor, 0)

    def can_give_after_release(self, held_minor: int) -> int | None:
        """What this account may give to settle a reservation it holds ``held_minor`` of:
        the usual room once the hold is dropped, capped offline by the policy but never
        below the hold itself (it was granted; the cap limits only what goes beyond)."""
        released = replace(self, reserved_minor=self.reserved_minor - held_minor)
        room = released.offline_room()
        return _capped(released.usual_room(), None if room is None else max(room, held_minor))

    @property
    def offline_capped(self) -> bool:
        """The offline policy gives less than the usual limit would (a refusal says so)."""
        room = self.offline_room()
        if room is None:
            return False
        usual = self.usual_room()
        return usual is None or room < usual


def _capped(usual: int | None, cap: int | None) -> int | None:
    """The smaller of two rooms, None standing for no limit."""
    if cap is None:
        return usual
    return cap if usual is None else min(usual, cap)


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
    if any(a.offline_capped for a in sources):
        message = (f"Offline: this job costs {amount.format()} but only "
                   f"{Money(available, currency).format()} may be spent while the site is cut "
                   "off from central." if available
                   else f"{OFFLINE_MESSAGE.capitalize()} (free jobs still print).")
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
