"""REST: price lists, quotes, and the charge policy.

Prices are decimal strings in major units (``"0.05"``). Any signed-in user may read
prices and ask for a quote; staff change them.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from printwarden.container import ServerContainer
from printwarden.core.money import Money
from printwarden.ledger.model import CostBreakdown, JobSpec, PriceList, PriceRule
from printwarden.web.api.ledger_schemas import AMOUNT_PATTERN, MoneyOut, actor_of, parse_amount
from printwarden.web.deps import AnyUser, Container, StaffOnly

router = APIRouter(prefix="/api/v1", tags=["pricing"])

Price = Field(default="0", pattern=AMOUNT_PATTERN, examples=["0.05"])


class RuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    media: str = Field(default="*", min_length=1, max_length=100,
                       description="PWG media name, e.g. iso_a4_210x297mm, or *")
    color: Literal["color", "mono", "*"] = "*"
    sides: Literal["simplex", "duplex", "*"] = "*"
    per_page: str = Price
    per_sheet: str = Price


class PriceListIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    kind: Literal["print", "copy"] = "print"
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    per_job_fee: str = Price
    rules: list[RuleIn] = Field(default_factory=list, max_length=500)
    default: bool = False


class RuleOut(BaseModel):
    media: str
    color: str
    sides: str
    per_page: MoneyOut
    per_sheet: MoneyOut


class PriceListOut(BaseModel):
    id: str
    name: str
    kind: str
    currency: str
    per_job_fee: MoneyOut
    rules: list[RuleOut]
    default: bool

    @classmethod
    def of(cls, p: PriceList) -> PriceListOut:
        def money(minor: int) -> MoneyOut:
            return MoneyOut.minor_of(minor, p.currency)

        return cls(id=p.id, name=p.name, kind=p.kind, currency=p.currency,
                   per_job_fee=money(p.per_job_fee_minor), default=p.default,
                   rules=[RuleOut(media=r.media, color=r.color, sides=r.sides,
                                  per_page=money(r.per_page_minor),
                                  per_sheet=money(r.per_sheet_minor)) for r in p.rules])


class JobSpecIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    media: str = Field(min_length=1, max_length=100, examples=["iso_a4_210x297mm"])
    pages: int = Field(ge=0, le=1_000_000, description="pages per copy")
    color_pages: int = Field(default=0, ge=0, description="colour pages per copy")
    copies: int = Field(default=1, ge=1, le=10_000)
    duplex: bool = False
    sheets: int | None = Field(default=None, ge=0, description="sheets for the whole job")


class CostLineOut(BaseModel):
    description: str
    quantity: int
    unit: MoneyOut
    amount: MoneyOut


class QuoteOut(BaseModel):
    price_list_id: str | None
    lines: list[CostLineOut]
    total: MoneyOut

    @classmethod
    def of(cls, cost: CostBreakdown) -> QuoteOut:
        cur = cost.total.currency
        return cls(price_list_id=cost.price_list_id, total=MoneyOut.of(cost.total), lines=[
            CostLineOut(description=line.description, quantity=line.quantity,
                        unit=MoneyOut.minor_of(line.unit_minor, cur),
                        amount=MoneyOut.minor_of(line.amount_minor, cur))
            for line in cost.lines])


class ChargePolicyIO(BaseModel):
    model_config = ConfigDict(extra="forbid")
    order: list[Literal["personal", "group", "shared", "credit"]] = Field(min_length=1,
                                                                          max_length=4)
    version: int | None = Field(default=None, description="read-only")


def _rules(body: PriceListIn, currency: str) -> tuple[PriceRule, ...]:
    return tuple(PriceRule(media=r.media, color=r.color, sides=r.sides,
                           per_page_minor=parse_amount(r.per_page, currency, "per_page").minor,
                           per_sheet_minor=parse_amount(r.per_sheet, currency,
                                                        "per_sheet").minor)
                 for r in body.rules)


def _fee(body: PriceListIn, currency: str) -> Money:
    return parse_amount(body.per_job_fee, currency, "per_job_fee")


@router.get("/price-lists", response_model=list[PriceListOut], summary="All price lists")
def list_price_lists(container: Container, _user: AnyUser) -> list[PriceListOut]:
    return [PriceListOut.of(p) for p in container.ledger.list_price_lists()]


@router.post("/price-lists", response_model=PriceListOut, status_code=201,
             summary="Create a price list")
def create_price_list(body: PriceListIn, container: Container,
                      staff: StaffOnly) -> PriceListOut:
    currency = body.currency or container.ledger.currency
    created = container.ledger.create_price_list(
        body.name, kind=body.kind, currency=currency, per_job_fee=_fee(body, currency),
        rules=_rules(body, currency), default=body.default, actor=actor_of(staff))
    container.devices.prices_changed("price list created", price_list_id=created.id)
    return PriceListOut.of(created)


@router.get("/price-lists/{price_list_id}", response_model=PriceListOut,
            summary="One price list")
def get_price_list(price_list_id: str, container: Container, _user: AnyUser) -> PriceListOut:
    return PriceListOut.of(container.ledger.get_price_list(price_list_id))


@router.put("/price-lists/{price_list_id}", response_model=PriceListOut,
            summary="Replace a price list's name, fee, rules and default flag")
def replace_price_list(price_list_id: str, body: PriceListIn, container: Container,
                       staff: StaffOnly) -> PriceListOut:
    current = container.ledger.get_price_list(price_list_id)
    replaced = container.ledger.update_price_list(
        price_list_id, name=body.name, per_job_fee=_fee(body, current.currency),
        rules=_rules(body, current.currency), default=body.default, actor=actor_of(staff))
    container.devices.prices_changed("price list updated", price_list_id=price_list_id)
    return PriceListOut.of(replaced)


@router.post("/price-lists/{price_list_id}/quote", response_model=QuoteOut,
             summary="What a job would cost under this price list")
def quote(price_list_id: str, body: JobSpecIn, container: Container,
          _user: AnyUser) -> QuoteOut:
    spec = JobSpec(media=body.media, pages=body.pages, color_pages=body.color_pages,
                   copies=body.copies, duplex=body.duplex, sheets=body.sheets)
    return QuoteOut.of(container.ledger.cost(price_list_id, spec))


def _policy_out(container: ServerContainer) -> ChargePolicyIO:
    policy = container.ledger.get_charge_policy()
    return ChargePolicyIO(order=list(policy.order), version=policy.version)  # type: ignore[arg-type]


@router.get("/charge-policy", response_model=ChargePolicyIO,
            summary="The order in which a job's sources pay")
def get_charge_policy(container: Container, _staff: StaffOnly) -> ChargePolicyIO:
    return _policy_out(container)


@router.put("/charge-policy", response_model=ChargePolicyIO,
            summary="Set the charge order (a new version)")
def set_charge_policy(body: ChargePolicyIO, container: Container,
                      staff: StaffOnly) -> ChargePolicyIO:
    container.ledger.set_charge_policy(body.order, actor=actor_of(staff))
    return _policy_out(container)
