"""REST (admin): terminal enrolment codes for a device, terminals, revocation."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from printwarden.release.terminal_model import Terminal, TerminalCode
from printwarden.web.api.agents import page
from printwarden.web.deps import AdminOnly, Container, Paging

router = APIRouter(prefix="/api/v1/terminals", tags=["terminals"])


class TerminalCodeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    device_id: str = Field(min_length=1, max_length=26,
                           description="the device the terminal will be bound to")
    ttl_hours: int = Field(default=24, ge=1, le=24 * 30, description="hours the code is valid")


class TerminalCodeOut(BaseModel):
    id: str
    device_id: str
    created_at: datetime
    expires_at: datetime
    created_by: str
    used_at: datetime | None
    used_by_terminal_id: str | None

    @classmethod
    def of(cls, code: TerminalCode) -> TerminalCodeOut:
        return cls(id=code.id, device_id=code.device_id, created_at=code.created_at,
                   expires_at=code.expires_at, created_by=code.created_by,
                   used_at=code.used_at, used_by_terminal_id=code.used_by_terminal_id)


class NewTerminalCodeOut(TerminalCodeOut):
    code: str = Field(description="the one-time code; shown only in this answer")


class TerminalOut(BaseModel):
    id: str
    device_id: str
    hostname: str
    version: str
    status: str
    enrolled_at: datetime
    last_seen_at: datetime | None

    @classmethod
    def of(cls, terminal: Terminal) -> TerminalOut:
        return cls(id=terminal.id, device_id=terminal.device_id, hostname=terminal.hostname,
                   version=terminal.version, status=terminal.status,
                   enrolled_at=terminal.enrolled_at, last_seen_at=terminal.last_seen_at)


@router.get("/enrolment-codes", summary="Terminal enrolment codes (never the codes themselves)")
def list_codes(_: AdminOnly, container: Container, paging: Paging) -> dict[str, Any]:
    return page([TerminalCodeOut.of(c) for c in container.terminals.list_codes()], paging)


@router.post("/enrolment-codes", status_code=201, response_model=NewTerminalCodeOut,
             summary="Create a one-time code that enrols (or re-enrols) a device's terminal")
def create_code(body: TerminalCodeIn, admin: AdminOnly,
                container: Container) -> NewTerminalCodeOut:
    code, record = container.terminals.create_code(
        body.device_id, actor=admin.name, ttl=timedelta(hours=body.ttl_hours))
    return NewTerminalCodeOut(code=code, **TerminalCodeOut.of(record).model_dump())


@router.get("", summary="Enrolled terminals")
def list_terminals(_: AdminOnly, container: Container, paging: Paging) -> dict[str, Any]:
    return page([TerminalOut.of(t) for t in container.terminals.list_terminals()], paging)


@router.get("/{terminal_id}", response_model=TerminalOut)
def get_terminal(terminal_id: str, _: AdminOnly, container: Container) -> TerminalOut:
    return TerminalOut.of(container.terminals.get_terminal(terminal_id))


@router.post("/{terminal_id}/revoke", response_model=TerminalOut,
             summary="Revoke a terminal's token; a new code for its device enrols it again")
def revoke_terminal(terminal_id: str, admin: AdminOnly, container: Container) -> TerminalOut:
    return TerminalOut.of(container.terminals.revoke(terminal_id, actor=admin.name))
