"""REST: ledger entries, top-ups, adjustments and transfers.

Posting needs an idempotency key, in the body (``idempotency_key``) or the
``Idempotency-Key`` header: a retry with the same key returns the first entry and
changes nothing. Amounts are decimal strings in major units (``"12.50"``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query
from pydantic import BaseModel, ConfigDict, Field

from printwarden.container import ServerContainer
from printwarden.core.errors import PermissionDenied, ValidationError
from printwarden.core.principal import Principal
from printwarden.web.api.accounts import visible_account
from printwarden.web.api.ledger_schemas import (
    AMOUNT_PATTERN,
    EntryOut,
    EntryPage,
    actor_of,
    is_staff,
    parse_amount,
)
from printwarden.web.deps import AnyUser, Container, Instant, Paging, StaffOnly

router = APIRouter(prefix="/api/v1", tags=["ledger"])

EntryKind = Literal["charge", "refund", "top-up", "allocation", "adjustment", "transfer"]
IdempotencyHeader = Annotated[str | None, Header(alias="Idempotency-Key", max_length=150)]


class PostingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: str = Field(pattern=AMOUNT_PATTERN, examples=["12.50"],
                        description="major units; adjustments may be negative")
    idempotency_key: str | None = Field(default=None, min_length=1, max_length=150)
    note: str = Field(default="", max_length=1000)
    reference: str | None = Field(default=None, max_length=200)


class TransferIn(PostingIn):
    from_account_id: str
    to_account_id: str


class TransferOut(BaseModel):
    debit: EntryOut
    credit: EntryOut


def _key(body: PostingIn, header: str | None) -> str:
    key = body.idempotency_key or header
    if not key:
        raise ValidationError("an idempotency key is required (body idempotency_key or "
                              "Idempotency-Key header)")
    return key


def _utc(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def _page(container: ServerContainer, paging: Paging, *, account_id: str | None,
          kind: str | None, job_id: str | None, since: datetime | None,
          until: datetime | None) -> EntryPage:
    found, total = container.ledger.list_entries(
        account_id=account_id, kind=kind, job_id=job_id, since=_utc(since), until=_utc(until),
        offset=paging.offset, limit=paging.limit)
    return EntryPage(items=[EntryOut.of(e) for e in found], total=total, offset=paging.offset,
                     limit=paging.limit)


@router.get("/ledger/entries", response_model=EntryPage,
            summary="Ledger entries, newest first (until is exclusive)")
def list_entries(
    container: Container, principal: AnyUser, paging: Paging,
    account_id: Annotated[str | None, Query()] = None,
    kind: Annotated[EntryKind | None, Query()] = None,
    job_id: Annotated[str | None, Query()] = None,
    since: Annotated[Instant | None, Query()] = None,
    until: Annotated[Instant | None, Query()] = None,
) -> EntryPage:
    if not is_staff(principal):
        if account_id is None:
            raise PermissionDenied("give the account_id of one of your accounts")
        visible_account(container, principal, account_id)
    return _page(container, paging, account_id=account_id, kind=kind, job_id=job_id,
                 since=since, until=until)


@router.get("/accounts/{account_id}/entries", response_model=EntryPage,
            summary="One account's entries, newest first")
def account_entries(
    account_id: str, container: Container, principal: AnyUser, paging: Paging,
    kind: Annotated[EntryKind | None, Query()] = None,
    job_id: Annotated[str | None, Query()] = None,
    since: Annotated[Instant | None, Query()] = None,
    until: Annotated[Instant | None, Query()] = None,
) -> EntryPage:
    visible_account(container, principal, account_id)
    return _page(container, paging, account_id=account_id, kind=kind, job_id=job_id,
                 since=since, until=until)


def _post(container: ServerContainer, staff: Principal, account_id: str, body: PostingIn,
          header: str | None, kind: str) -> EntryOut:
    ledger = container.ledger
    account = ledger.get_account(account_id)
    entry = ledger.post_entry(account_id, parse_amount(body.amount, account.currency), kind,
                              idempotency_key=_key(body, header), actor=actor_of(staff),
                              reference=body.reference, note=body.note)
    return EntryOut.of(entry)


@router.post("/accounts/{account_id}/top-up", response_model=EntryOut, status_code=201,
             summary="Add money to an account (idempotent by key)")
def top_up(account_id: str, body: PostingIn, container: Container, staff: StaffOnly,
           idempotency_key: IdempotencyHeader = None) -> EntryOut:
    return _post(container, staff, account_id, body, idempotency_key, "top-up")


@router.post("/accounts/{account_id}/adjustments", response_model=EntryOut, status_code=201,
             summary="Correct a balance with a signed adjustment entry (idempotent by key)")
def adjust(account_id: str, body: PostingIn, container: Container, staff: StaffOnly,
           idempotency_key: IdempotencyHeader = None) -> EntryOut:
    return _post(container, staff, account_id, body, idempotency_key, "adjustment")


@router.post("/transfers", response_model=TransferOut, status_code=201,
             summary="Move money between two accounts (idempotent by key)")
def transfer(body: TransferIn, container: Container, staff: StaffOnly,
             idempotency_key: IdempotencyHeader = None) -> TransferOut:
    ledger = container.ledger
    source = ledger.get_account(body.from_account_id)
    debit, credit = ledger.transfer(
        body.from_account_id, body.to_account_id, parse_amount(body.amount, source.currency),
        idempotency_key=_key(body, idempotency_key), actor=actor_of(staff), note=body.note)
    return TransferOut(debit=EntryOut.of(debit), credit=EntryOut.of(credit))
