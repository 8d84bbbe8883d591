"""REST: ledger accounts (personal, credit, group, shared) and a user's balances.

Staff (admin, operator) see and change every account, its offline credit policy
included; a plain user reads his own (personal, credit, his groups', shared accounts he
is a member of) and changes none.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from printwarden.container import ServerContainer
from printwarden.core.errors import PermissionDenied
from printwarden.core.money import Money
from printwarden.core.principal import Principal
from printwarden.ledger.model import Account
from printwarden.web.api.ledger_schemas import (
    AMOUNT_PATTERN,
    OFFLINE_CREDIT_HELP,
    OFFLINE_LIMIT_HELP,
    AccountOut,
    AccountPage,
    OfflineCredit,
    actor_of,
    is_staff,
    parse_amount,
    require_self_or_staff,
)
from printwarden.web.deps import AnyUser, Container, Paging, StaffOnly

router = APIRouter(prefix="/api/v1", tags=["accounts"])


class AccountCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["personal", "credit", "group", "shared"]
    name: str = Field(min_length=1, max_length=200)
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    limited: bool = True
    overdraft: str | None = Field(default=None, pattern=AMOUNT_PATTERN,
                                  description="how far below zero, e.g. 5.00")
    owner_user_id: str | None = None
    group_id: str | None = None
    members: list[str] = Field(default_factory=list, max_length=10_000)
    offline_credit: OfflineCredit | None = Field(
        default=None, description=OFFLINE_CREDIT_HELP + " (default: the server's "
        "offline_credit_default)")
    offline_limit: str | None = Field(default=None, pattern=AMOUNT_PATTERN,
                                      description=OFFLINE_LIMIT_HELP)


class AccountPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    limited: bool | None = None
    overdraft: str | None = Field(default=None, pattern=AMOUNT_PATTERN)
    active: bool | None = None
    offline_credit: OfflineCredit | None = Field(default=None,
                                                 description=OFFLINE_CREDIT_HELP)
    offline_limit: str | None = Field(default=None, pattern=AMOUNT_PATTERN,
                                      description=OFFLINE_LIMIT_HELP)


def visible_account(container: ServerContainer, principal: Principal,
                    account_id: str) -> Account:
    """The account, if the principal may read it (staff, or one of the user's own)."""
    account = container.ledger.get_account(account_id)
    if is_staff(principal):
        return account
    if account_id not in {a.id for a in container.ledger.accounts_for_user(principal.id)}:
        raise PermissionDenied("you may only see your own accounts")
    return account


@router.get("/accounts", response_model=AccountPage, summary="List accounts (paged)")
def list_accounts(
    container: Container, principal: AnyUser, paging: Paging,
    kind: Annotated[Literal["personal", "credit", "group", "shared"] | None, Query()] = None,
    owner_user_id: Annotated[str | None, Query()] = None,
) -> AccountPage:
    if is_staff(principal):
        found, total = container.ledger.list_accounts(
            kind=kind, owner_user_id=owner_user_id, offset=paging.offset, limit=paging.limit)
    else:
        own = [a for a in container.ledger.accounts_for_user(principal.id)
               if (kind is None or a.kind == kind)
               and (owner_user_id is None or a.owner_user_id == owner_user_id)]
        found, total = own[paging.offset:paging.offset + paging.limit], len(own)
    return AccountPage(items=[AccountOut.of(a) for a in found], total=total,
                       offset=paging.offset, limit=paging.limit)


@router.post("/accounts", response_model=AccountOut, status_code=201,
             summary="Open an account (shared/project accounts take members)")
def open_account(body: AccountCreate, container: Container, staff: StaffOnly) -> AccountOut:
    ledger = container.ledger
    currency = body.currency or ledger.currency
    overdraft = parse_amount(body.overdraft, currency, "overdraft") if body.overdraft else None
    account = ledger.open_account(
        body.kind, body.name, currency=currency, limited=body.limited, overdraft=overdraft,
        owner_user_id=body.owner_user_id, group_id=body.group_id, members=body.members,
        offline_credit=body.offline_credit,
        offline_limit=_amount(body.offline_limit, currency, "offline_limit"),
        actor=actor_of(staff))
    return AccountOut.of(account, ledger.account_members(account.id)
                         if account.kind == "shared" else None)


@router.get("/accounts/{account_id}", response_model=AccountOut, summary="One account")
def get_account(account_id: str, container: Container, principal: AnyUser) -> AccountOut:
    account = visible_account(container, principal, account_id)
    members = container.ledger.account_members(account.id) if account.kind == "shared" else None
    return AccountOut.of(account, members)


@router.patch("/accounts/{account_id}", response_model=AccountOut,
              summary="Rename, limit, set the overdraft or the offline credit, (de)activate")
def update_account(account_id: str, body: AccountPatch, container: Container,
                   staff: StaffOnly) -> AccountOut:
    ledger = container.ledger
    current = ledger.get_account(account_id)
    account = ledger.update_account(
        account_id, name=body.name, limited=body.limited,
        overdraft=_amount(body.overdraft, current.currency, "overdraft"), active=body.active,
        offline_credit=body.offline_credit,
        offline_limit=_amount(body.offline_limit, current.currency, "offline_limit"),
        actor=actor_of(staff))
    return AccountOut.of(account)


def _amount(text: str | None, currency: str, field: str) -> Money | None:
    return None if text is None else parse_amount(text, currency, field)


@router.put("/accounts/{account_id}/members/{user_id}", status_code=204,
            summary="Add a member to a shared account (idempotent)")
def add_member(account_id: str, user_id: str, container: Container,
               staff: StaffOnly) -> Response:
    container.ledger.add_account_member(account_id, user_id, actor=actor_of(staff))
    return Response(status_code=204)


@router.delete("/accounts/{account_id}/members/{user_id}", status_code=204,
               summary="Remove a member from a shared account")
def remove_member(account_id: str, user_id: str, container: Container,
                  staff: StaffOnly) -> Response:
    container.ledger.remove_account_member(account_id, user_id, actor=actor_of(staff))
    return Response(status_code=204)


@router.get("/users/{user_id}/accounts", response_model=list[AccountOut],
            summary="A user's balances: personal, credit, groups', shared")
def accounts_of_user(user_id: str, container: Container,
                     principal: AnyUser) -> list[AccountOut]:
    require_self_or_staff(principal, user_id)
    return [AccountOut.of(a) for a in container.ledger.accounts_for_user(user_id)]
