"""REST: a remote pushes its ledger outbox (``docs/protocols/replication.md``, "The
ledger outbox"); admins read what reconciliation kept (problems, double-site reports).

Bodies are checked strictly before anything is applied: integers must be JSON integers
(a string of digits, any script's, is refused), instants must carry their offset, text
has the ledger's own limits, amounts the ledger's bound; a push holds at most
``MAX_PUSH`` entries in ascending site sequence.
"""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    field_validator,
)

from printwarden.db.metadata import ID_LENGTH
from printwarden.sync.reconcile_plan import MAX_ENTRY_MINOR, Incoming
from printwarden.web.api.sync import PendingHeader, RemoteOnly, pending_of
from printwarden.web.deps import AdminOnly, Container

router = APIRouter(prefix="/api/v1/sync", tags=["replication"])
#: Entries per push (the remote sends batches of this size or less).
MAX_PUSH = 1000
EntryKind = Literal["charge", "refund", "top-up", "allocation", "adjustment", "transfer"]


class PushedEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seq: StrictInt = Field(ge=1, le=2**62, description="the remote's site sequence")
    idempotency_key: StrictStr = Field(min_length=1, max_length=200)
    account_id: StrictStr = Field(min_length=1, max_length=ID_LENGTH)
    amount_minor: StrictInt = Field(ge=-MAX_ENTRY_MINOR, le=MAX_ENTRY_MINOR)
    currency: StrictStr = Field(pattern=r"^[A-Z]{3}$")
    kind: EntryKind
    job_id: StrictStr | None = Field(default=None, max_length=ID_LENGTH)
    reference: StrictStr | None = Field(default=None, max_length=200)
    created_at: AwareDatetime
    actor: StrictStr = Field(max_length=200)
    note: StrictStr = Field(default="", max_length=1000)
    owner_key: StrictStr | None = Field(
        default=None, max_length=64, pattern=r"^(personal|credit|group):[0-9A-Za-z_-]{1,40}$",
        description="the owner key of the entry's account (personal, credit and group "
                    "accounts): central creates an owner account it lacks from it")

    def incoming(self) -> Incoming:
        """The entry for the reconciler, field by field (``model_dump`` would cost as much
        again as validating it: a push holds 1,000)."""
        return Incoming(seq=self.seq, idempotency_key=self.idempotency_key,
                        account_id=self.account_id, amount_minor=self.amount_minor,
                        currency=self.currency, kind=self.kind, job_id=self.job_id,
                        reference=self.reference, created_at=self.created_at,
                        actor=self.actor, note=self.note, owner_key=self.owner_key)


class PushIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    entries: list[PushedEntry] = Field(max_length=MAX_PUSH)

    @field_validator("entries")
    @classmethod
    def _ascending(cls, value: list[PushedEntry]) -> list[PushedEntry]:
        if any(b.seq <= a.seq for a, b in pairwise(value)):
            raise ValueError("entries must be in strictly ascending seq")
        return value


class PushOut(BaseModel):
    acked_through: int = Field(description="every entry up to this site sequence is held")
    applied: int = Field(description="entries of this push posted now")
    duplicates: int = Field(description="entries central held already (by their key)")
    problems: int = Field(description="entries kept as problems (acked, not posted)")
    reports: int = Field(description="accounts this push left below what they may owe")


@router.post("/outbox", response_model=PushOut,
             summary="A remote pushes its ledger entries in site-sequence order")
def push_outbox(body: PushIn, remote: RemoteOnly, container: Container,
                pending: PendingHeader = None) -> PushOut:
    result = container.reconciler.apply(remote.id, [e.incoming() for e in body.entries],
                                        pending=pending_of(pending))
    return PushOut(acked_through=result.acked_through, applied=result.applied,
                   duplicates=result.duplicates, problems=result.problems,
                   reports=result.reports)


class ProblemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    remote_name: str
    seq: int
    idempotency_key: str
    reason: str
    message: str
    entry: dict[str, Any]
    created_at: datetime


class ReportOut(BaseModel):
    id: str
    remote_name: str
    account_id: str
    amount_minor: int
    currency: str
    balance_after_minor: int
    created_at: datetime


@router.get("/problems", summary="Remote entries central could not post as they were")
def list_problems(_: AdminOnly, container: Container,
                  limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict[str, Any]:
    return {"items": [ProblemOut.model_validate(p)
                      for p in container.reconciler.problems(limit=limit)]}


@router.get("/reports", summary="Accounts remotes' entries left below what they may owe")
def list_reports(_: AdminOnly, container: Container,
                 limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict[str, Any]:
    return {"items": [ReportOut(id=r.id, remote_name=r.remote_name, account_id=r.account_id,
                                amount_minor=r.amount.minor, currency=r.amount.currency,
                                balance_after_minor=r.balance_after_minor,
                                created_at=r.created_at)
                      for r in container.reconciler.reports(limit=limit)]}
