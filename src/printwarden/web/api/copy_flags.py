"""REST: kiosk copy sessions that were flagged for an operator (``docs/snmp.md``).

A flagged session charged nothing: its readings could not be trusted (a counter reset,
a restart, an implausible wrap or delta, a device that did not answer, more released
pages than counted). Staff read both readings here and charge by hand (a ledger
adjustment) when they conclude copies were made."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from printwarden.release.kiosk_copy_model import KioskCopySession
from printwarden.web.deps import Container, StaffOnly

router = APIRouter(prefix="/api/v1", tags=["copies"])


class ReadingOut(BaseModel):
    total: int
    mono: int | None
    colour: int | None
    uptime_ticks: int
    read_at: datetime


class CopyFlagOut(BaseModel):
    session_id: str
    device_id: str
    device: str
    user_id: str
    username: str
    reason: str = Field(description="the copy_counting check that failed")
    detail: str
    profile: str
    opened_at: datetime
    closed_at: datetime | None
    close_reason: str | None
    start: ReadingOut
    end: ReadingOut | None = Field(description="null: the device did not answer")
    released_mono: int | None
    released_colour: int | None


class CopyFlagsOut(BaseModel):
    items: list[CopyFlagOut]
    total: int


def _flag_out(session: KioskCopySession, device: str, username: str) -> CopyFlagOut:
    start = session.start_reading()
    end = session.end_reading()
    return CopyFlagOut(
        session_id=session.id, device_id=session.device_id, device=device,
        user_id=session.user_id, username=username, reason=session.flag_reason or "",
        detail=session.flag_detail or "", profile=session.profile,
        opened_at=session.opened_at, closed_at=session.closed_at,
        close_reason=session.close_reason,
        start=ReadingOut(total=start.total, mono=start.mono, colour=start.colour,
                         uptime_ticks=start.uptime, read_at=start.read_at),
        end=None if end is None else ReadingOut(
            total=end.total, mono=end.mono, colour=end.colour, uptime_ticks=end.uptime,
            read_at=end.read_at),
        released_mono=session.released_mono, released_colour=session.released_colour)


@router.get("/copy-flags", response_model=CopyFlagsOut,
            summary="Kiosk copy sessions flagged for an operator, newest first")
def list_copy_flags(_staff: StaffOnly, container: Container,
                    limit: Annotated[int, Query(ge=1, le=500)] = 100) -> CopyFlagsOut:
    flags = container.kiosk_copies.flags(limit)
    devices = {d.id: d.name for d in container.devices.list_devices()}
    names: dict[str, str] = {}
    for session in flags:
        if session.user_id not in names:
            names[session.user_id] = container.accounts.get_user(session.user_id).username
    return CopyFlagsOut(items=[_flag_out(s, devices.get(s.device_id, ""), names[s.user_id])
                               for s in flags],
                        total=container.kiosk_copies.count_flags())
