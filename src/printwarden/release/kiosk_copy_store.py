"""Rows of kiosk copy sessions, and what else printed at a device while one was open."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from printwarden.core.errors import NotFoundError
from printwarden.devices.tables import queues
from printwarden.jobs.model import JobState
from printwarden.jobs.tables import job_events, jobs
from printwarden.release.copy_counting import ReleasedPages
from printwarden.release.kiosk_copy_model import KioskCopySession
from printwarden.release.tables import kiosk_copy_sessions as table
from printwarden.release.tables import terminals

_COLUMNS = tuple(column.name for column in table.columns)
_ALLOWED = "allow"


def of(row: RowMapping) -> KioskCopySession:
    return KioskCopySession(**{name: row[name] for name in _COLUMNS})


def find(conn: Connection, session_id: str, *, lock: bool = False) -> KioskCopySession | None:
    stmt = sa.select(table).where(table.c.id == session_id[:40])
    row = conn.execute(stmt.with_for_update() if lock else stmt).mappings().first()
    return of(row) if row else None


def load(conn: Connection, session_id: str, *, lock: bool = False) -> KioskCopySession:
    found = find(conn, session_id, lock=lock)
    if found is None:
        raise NotFoundError("no such copy session at this kiosk")
    return found


def open_at(conn: Connection, device_id: str) -> KioskCopySession | None:
    row = conn.execute(sa.select(table).where(table.c.open_device_id == device_id)
                       ).mappings().first()
    return of(row) if row else None


def has_terminal(conn: Connection, device_id: str) -> bool:
    return conn.execute(sa.select(terminals.c.id).where(
        terminals.c.device_id == device_id, terminals.c.status == "active")).first() is not None


def released_pages(conn: Connection, device_id: str, since: datetime,
                   until: datetime) -> ReleasedPages:
    """Pages (times copies) of the jobs that went to ``device_id`` in ``[since, until]``:
    held jobs released to it then, and jobs its direct queues allowed then. Pages a job's
    analysis did not count read as 0 (such a job is never released or allowed)."""
    released = (sa.select(jobs.c.id).join(job_events, job_events.c.job_id == jobs.c.id)
                .where(jobs.c.device_id == device_id,
                       job_events.c.to_state == JobState.RELEASING.value,
                       job_events.c.at >= since, job_events.c.at <= until))
    direct = (sa.select(jobs.c.id).join(queues, queues.c.id == jobs.c.printer_id)
              .where(queues.c.kind == "direct", queues.c.device_id == device_id,
                     jobs.c.decision == _ALLOWED,
                     jobs.c.created_at >= since, jobs.c.created_at <= until))
    ids = sa.union(released, direct).subquery()
    pages = sa.func.coalesce(jobs.c.pages, 0) * jobs.c.copies
    colour = sa.func.coalesce(jobs.c.color_pages, 0) * jobs.c.copies
    total, coloured = conn.execute(
        sa.select(sa.func.coalesce(sa.func.sum(pages), 0),
                  sa.func.coalesce(sa.func.sum(colour), 0))
        .where(jobs.c.id.in_(sa.select(ids.c.id)))).one()
    return ReleasedPages(mono=int(total) - int(coloured), colour=int(coloured))


def flagged(conn: Connection, limit: int) -> list[KioskCopySession]:
    rows = conn.execute(sa.select(table).where(table.c.state == "flagged")
                        .order_by(table.c.closed_at.desc(), table.c.id.desc())
                        .limit(limit)).mappings()
    return [of(row) for row in rows]


def count_flagged(conn: Connection) -> int:
    return int(conn.execute(sa.select(sa.func.count()).select_from(table)
                            .where(table.c.state == "flagged")).scalar_one())


def idle_ids(conn: Connection, cutoff: datetime, limit: int) -> list[str]:
    return [row.id for row in conn.execute(
        sa.select(table.c.id).where(table.c.state == "open", table.c.last_seen_at <= cutoff)
        .limit(limit))]
