"""REST: replication (``docs/protocols/replication.md``). Admins create site remotes and
see their lag; a remote enrols with its one-time code, then pulls central's change feed
and snapshot with its token."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from printwarden.core.principal import Principal
from printwarden.sync.feed import MAX_PAGE, ResyncRequired
from printwarden.sync.model import RemoteSite, RemoteStatus
from printwarden.web.deps import AdminOnly, Container, client_source, require_roles

router = APIRouter(prefix="/api/v1/sync", tags=["replication"])
RemoteOnly = Annotated[Principal, Depends(require_roles("remote"))]
#: The header a remote says its unacked ledger entries in (on a push and on ``/changes``).
PENDING_HEADER = "X-Pending-Entries"
PendingHeader = Annotated[str | None, Header(alias=PENDING_HEADER, max_length=18,
                                             pattern=r"^[0-9]+$")]
#: Snapshot lines are sent in pieces of about this size.
_STREAM_PIECE = 64 * 1024


class RemoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100, description="the site's name")
    ttl_hours: int = Field(default=24, ge=1, le=24 * 30, description="hours the code is valid")


class RemoteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    name: str
    hostname: str
    created_at: datetime
    enrolled_at: datetime | None
    last_contact_at: datetime | None
    acked_version: int | None
    code_pending: bool
    code_expires_at: datetime | None

    @classmethod
    def of(cls, site: RemoteSite) -> RemoteOut:
        return cls.model_validate(site)


class RemoteStatusOut(RemoteOut):
    lag_versions: int | None = Field(description="versions behind central's head (null: "
                                     "it has not pulled yet)")
    pending_entries: int = Field(description="its ledger entries not yet received (as it "
                                 "last said)")
    outbox_acked_seq: int = Field(description="the highest site sequence of its ledger "
                                  "entries applied here")
    problems: int = Field(description="its entries kept as problems (GET /sync/problems)")
    reports: int = Field(description="double-site spending reports (GET /sync/reports)")

    @classmethod
    def of_status(cls, status: RemoteStatus) -> RemoteStatusOut:
        return cls(lag_versions=status.lag_versions, pending_entries=status.pending_entries,
                   outbox_acked_seq=status.remote.outbox_acked_seq,
                   problems=status.problems, reports=status.reports,
                   **RemoteOut.of(status.remote).model_dump())


class NewRemoteOut(RemoteOut):
    code: str = Field(description="the one-time enrolment code; shown only in this answer")


class EnrolIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=100)
    hostname: str = Field(default="", max_length=255)


class EnrolOut(BaseModel):
    remote: RemoteOut
    token: str = Field(description="the remote's token (Authorization: Bearer); shown once")
    card_hmac_key: str = Field(description="central's key of card, PIN and ID number "
                               "hashes: the remote signs users in with the same hashes")


@router.get("/remotes", summary="Site remotes with their last contact and lag")
def list_remotes(_: AdminOnly, container: Container) -> dict[str, Any]:
    head = container.feed.head()
    return {"head": head,
            "items": [RemoteStatusOut.of_status(s) for s in container.remotes.list(head)]}


@router.post("/remotes", status_code=201, response_model=NewRemoteOut,
             summary="Create a site remote and its one-time enrolment code")
def create_remote(body: RemoteIn, admin: AdminOnly, container: Container) -> NewRemoteOut:
    site, code = container.remotes.create(body.name, actor=admin.name,
                                          ttl=timedelta(hours=body.ttl_hours))
    return NewRemoteOut(code=code, **RemoteOut.of(site).model_dump())


@router.post("/enrol", response_model=EnrolOut,
             summary="A remote exchanges its one-time code for its token")
def enrol(body: EnrolIn, container: Container, request: Request) -> EnrolOut:
    site, token = container.remotes.enrol(body.code, hostname=body.hostname,
                                          source=client_source(request))
    return EnrolOut(remote=RemoteOut.of(site), token=token,
                    card_hmac_key=container.settings.card_hmac_key)


@router.get("/changes", summary="Changes after version `since`, in version order")
def changes(remote: RemoteOnly, container: Container,
            since: Annotated[int, Query(ge=0, le=2**62)],
            limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1000,
            pending: PendingHeader = None) -> dict[str, Any]:
    held = pending_of(pending)
    try:
        page = container.feed.changes(since, limit, remote=remote.name)
    except ResyncRequired:
        container.remotes.record_contact(remote.id, None, held)  # version unknown
        raise
    container.remotes.record_contact(remote.id, since, held)
    return {"changes": [change.as_json() for change in page.changes],
            "next_since": page.next_since, "head": page.head, "more": page.more}


@router.get("/snapshot", summary="Every replicated table at one version (NDJSON stream)",
            response_class=StreamingResponse)
def snapshot(remote: RemoteOnly, container: Container) -> StreamingResponse:
    container.remotes.record_contact(remote.id, None)
    return StreamingResponse(_ndjson(container.feed.snapshot(remote=remote.name)),
                             media_type="application/x-ndjson")


def pending_of(header: str | None) -> int | None:
    return None if header is None else int(header)


def _ndjson(lines: Iterator[dict[str, Any]]) -> Iterator[bytes]:
    piece: list[str] = []
    size = 0
    for line in lines:
        text = json.dumps(line, separators=(",", ":")) + "\n"
        piece.append(text)
        size += len(text)
        if size >= _STREAM_PIECE:
            yield "".join(piece).encode()
            piece, size = [], 0
    if piece:
        yield "".join(piece).encode()
