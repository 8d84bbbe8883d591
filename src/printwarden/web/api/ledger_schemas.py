"""Schemas shared by the ledger routers (accounts, entries, prices, quotas).

Money in requests is a decimal string in major units of the account's currency
(``"12.50"``, ``"-3"``; at most as many decimals as the currency has). Money in
responses is ``{"minor": 1250, "currency": "EUR", "display": "12.50 EUR"}``.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Literal

from pydantic import BaseModel, Field

from printwarden.core.errors import PermissionDenied, ValidationError
from printwarden.core.money import DECIMAL_TEXT, Money, exponent
from printwarden.core.principal import Principal
from printwarden.ledger.model import Account, Entry

#: ASCII digits only: pydantic's (Rust) ``\d`` matches every script's digits.
AMOUNT_PATTERN = r"^-?[0-9]{1,12}(\.[0-9]{1,3})?$"
OfflineCredit = Literal["balance", "limit", "deny"]
OFFLINE_CREDIT_HELP = ("what a remote cut off from central lets the account spend: balance "
                       "(the replica's balance), limit (at most offline_limit) or deny "
                       "(no charged work)")
OFFLINE_LIMIT_HELP = "the most the account may spend offline (policy limit), e.g. 5.00"
AmountText = Field(pattern=AMOUNT_PATTERN, examples=["12.50"],
                   description="decimal amount in major units, e.g. 12.50")


class MoneyOut(BaseModel):
    minor: int
    currency: str
    display: str

    @classmethod
    def of(cls, money: Money) -> MoneyOut:
        return cls(minor=money.minor, currency=money.currency, display=money.format())

    @classmethod
    def minor_of(cls, minor: int, currency: str) -> MoneyOut:
        return cls.of(Money(minor, currency))


def parse_amount(text: str, currency: str, field: str = "amount") -> Money:
    """``"12.50"`` -> Money(1250); more decimals than the currency has is an error."""
    if not DECIMAL_TEXT.fullmatch(text):
        raise ValidationError(f"{field}: not a decimal amount in digits 0-9")
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise ValidationError(f"{field}: not a decimal amount") from exc
    power = value.normalize().as_tuple().exponent
    places = -power if isinstance(power, int) else 0
    if places > exponent(currency):
        raise ValidationError(f"{field}: {currency} has {exponent(currency)} decimal place(s)")
    return Money.parse(text, currency)


class AccountOut(BaseModel):
    id: str
    kind: str
    name: str
    currency: str
    limited: bool
    overdraft: MoneyOut
    balance: MoneyOut
    reserved: MoneyOut
    available: MoneyOut | None = Field(description="null when unlimited")
    owner_user_id: str | None
    group_id: str | None
    active: bool
    created_at: datetime
    offline_credit: str = Field(description=OFFLINE_CREDIT_HELP)
    offline_limit: MoneyOut
    members: list[str] | None = None

    @classmethod
    def of(cls, account: Account, members: list[str] | None = None) -> AccountOut:
        cur = account.currency
        return cls(
            id=account.id, kind=account.kind, name=account.name, currency=cur,
            limited=account.limited, overdraft=MoneyOut.minor_of(account.overdraft_minor, cur),
            balance=MoneyOut.minor_of(account.balance_minor, cur),
            reserved=MoneyOut.minor_of(account.reserved_minor, cur),
            available=(MoneyOut.minor_of(account.available_minor, cur)
                       if account.limited else None),
            owner_user_id=account.owner_user_id, group_id=account.group_id,
            active=account.active, created_at=account.created_at,
            offline_credit=account.offline_credit,
            offline_limit=MoneyOut.minor_of(account.offline_limit_minor, cur), members=members)


class AccountPage(BaseModel):
    items: list[AccountOut]
    total: int
    offset: int
    limit: int


class EntryOut(BaseModel):
    id: str
    account_id: str
    amount: MoneyOut
    kind: str
    job_id: str | None
    reference: str | None
    idempotency_key: str
    origin_site: str
    created_at: datetime
    actor: str
    balance_after: MoneyOut
    note: str

    @classmethod
    def of(cls, entry: Entry) -> EntryOut:
        return cls(
            id=entry.id, account_id=entry.account_id, amount=MoneyOut.of(entry.amount),
            kind=entry.kind, job_id=entry.job_id, reference=entry.reference,
            idempotency_key=entry.idempotency_key, origin_site=entry.origin_site,
            created_at=entry.created_at, actor=entry.actor,
            balance_after=MoneyOut.minor_of(entry.balance_after_minor, entry.amount.currency),
            note=entry.note)


class EntryPage(BaseModel):
    items: list[EntryOut]
    total: int
    offset: int
    limit: int


def actor_of(principal: Principal) -> str:
    return f"{principal.kind}:{principal.name}"


def is_staff(principal: Principal) -> bool:
    return principal.has_role("admin", "operator")


def require_self_or_staff(principal: Principal, user_id: str) -> None:
    if not is_staff(principal) and principal.id != user_id:
        raise PermissionDenied("you may only see your own accounts")
