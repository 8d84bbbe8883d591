"""Rows <-> jobs model: jobs, the job log and the twin drops that found no job."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from printwarden.core.errors import NotFoundError
from printwarden.jobs.model import Job, JobEvent, JobState
from printwarden.jobs.tables import job_events, job_twin_drops, jobs

_JOB_COLUMNS = tuple(column.name for column in jobs.columns if column.name != "decision_detail")


def job_from_row(row: RowMapping) -> Job:
    values = {key: row[key] for key in _JOB_COLUMNS}
    values["state"] = JobState(values["state"])
    return Job(**values)


_JOB_FIELDS = tuple(f.name for f in fields(Job))


def job_values(job: Job) -> dict[str, Any]:
    values = {name: getattr(job, name) for name in _JOB_FIELDS}  # flat: no asdict deep copy
    values["state"] = job.state.value
    return values


# Prebuilt statements: SQLAlchemy compiles each once and caches it (the hot path of the
# agent link runs them on every job), instead of building and hashing a new one per call.
_INSERT_JOB = jobs.insert()
_INSERT_EVENT = job_events.insert()
_SAVE_JOB = jobs.update().where(jobs.c.id == sa.bindparam("b_id")).values(
    {name: sa.bindparam(f"v_{name}") for name in _JOB_COLUMNS if name != "id"})


def insert_job(conn: Connection, job: Job, **extra: Any) -> None:
    """Insert ``job`` (and ``extra`` columns such as ``decision_detail``)."""
    conn.execute(_INSERT_JOB, {**job_values(job), **extra})


def save_job(conn: Connection, job: Job, **extra: Any) -> None:
    """Write every field of ``job`` (and ``extra`` columns such as ``decision_detail``)."""
    values = job_values(job)
    del values["id"]
    if extra:
        conn.execute(jobs.update().where(jobs.c.id == job.id).values(**values, **extra))
        return
    conn.execute(_SAVE_JOB, {"b_id": job.id, **{f"v_{k}": v for k, v in values.items()}})


def insert_events(conn: Connection, events: list[JobEvent]) -> None:
    """Append to the job log (one executemany)."""
    if not events:
        return
    conn.execute(_INSERT_EVENT, [{
        "id": event.id, "job_id": event.job_id, "at": event.at,
        "from_state": event.from_state.value if event.from_state else None,
        "to_state": event.to_state.value, "reason": event.reason[:500],
    } for event in events])


_JOB_BY_ID = sa.select(jobs).where(jobs.c.id == sa.bindparam("b_id"))
_JOB_BY_ID_LOCKED = _JOB_BY_ID.with_for_update()
_JOB_BY_KEY = sa.select(jobs).where(jobs.c.agent_id == sa.bindparam("b_agent"),
                                    jobs.c.agent_job_key == sa.bindparam("b_key"))


def get_job(conn: Connection, job_id: str, *, lock: bool = False) -> Job:
    row = get_job_row(conn, job_id, lock=lock)
    return job_from_row(row)


def get_job_row(conn: Connection, job_id: str, *, lock: bool = False) -> RowMapping:
    """The job's row (all columns, with ``decision_detail``), locked on PostgreSQL if asked."""
    stmt = _JOB_BY_ID_LOCKED if lock and conn.dialect.name == "postgresql" else _JOB_BY_ID
    row = conn.execute(stmt, {"b_id": job_id}).mappings().first()
    if row is None:
        raise NotFoundError(f"no job with id {job_id}")
    return row


def find_job_by_key(conn: Connection, agent_id: str, agent_job_key: str) -> RowMapping | None:
    return conn.execute(_JOB_BY_KEY, {"b_agent": agent_id,
                                      "b_key": agent_job_key}).mappings().first()


#: How long a drop-twin that found no job is kept (an authorize on its way arrives within
#: the agent's request timeout; a day is far past it, and the table stays small).
TWIN_DROP_DAYS = 1

_TWIN_DROP_OF = sa.select(job_twin_drops.c.followed_job_id).where(
    job_twin_drops.c.agent_id == sa.bindparam("b_agent"),
    job_twin_drops.c.agent_job_key == sa.bindparam("b_key"))


def twin_drop_of(conn: Connection, agent_id: str, agent_job_key: str) -> str | None:
    """The job followed elsewhere that a drop-twin of this key named, if one found no job
    here."""
    found = conn.execute(_TWIN_DROP_OF, {"b_agent": agent_id, "b_key": agent_job_key})
    value = found.scalar()
    return None if value is None else str(value)


def record_twin_drop(conn: Connection, agent_id: str, agent_job_key: str,
                     followed_job_id: str, at: datetime) -> None:
    """Keep a drop-twin that found no job (once per key; older ones are pruned). A
    concurrent duplicate raises IntegrityError: run again, it finds this one."""
    conn.execute(job_twin_drops.delete().where(
        job_twin_drops.c.created_at < at - timedelta(days=TWIN_DROP_DAYS)))
    if twin_drop_of(conn, agent_id, agent_job_key) is None:
        conn.execute(job_twin_drops.insert().values(
            agent_id=agent_id, agent_job_key=agent_job_key, followed_job_id=followed_job_id,
            created_at=at))


def find_job_row(conn: Connection, condition: sa.ColumnElement[bool], *,
                 lock: bool = False) -> RowMapping | None:
    query = sa.select(jobs).where(condition)
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return conn.execute(query).mappings().first()


def decision_detail(conn: Connection, job_id: str) -> dict[str, Any]:
    detail = conn.execute(sa.select(jobs.c.decision_detail).where(jobs.c.id == job_id)).scalar()
    return dict(detail) if detail else {}


def list_events(conn: Connection, job_id: str) -> list[JobEvent]:
    get_job(conn, job_id)
    rows = conn.execute(
        sa.select(job_events).where(job_events.c.job_id == job_id)
        .order_by(job_events.c.at, job_events.c.id)
    ).mappings()
    return [JobEvent(id=row["id"], job_id=row["job_id"], at=row["at"],
                     from_state=JobState(row["from_state"]) if row["from_state"] else None,
                     to_state=JobState(row["to_state"]), reason=row["reason"]) for row in rows]


@dataclass(frozen=True)
class JobFilter:
    user_id: str | None = None
    username: str | None = None
    printer_id: str | None = None
    agent_id: str | None = None
    state: JobState | None = None
    since: datetime | None = None
    until: datetime | None = None
    offline: bool | None = None
    #: Only jobs whose flag holds this text (e.g. charged past the limit).
    flag_contains: str | None = None

    def conditions(self) -> list[sa.ColumnElement[bool]]:
        found: list[sa.ColumnElement[bool]] = []
        for column, value in (("user_id", self.user_id), ("username", self.username),
                              ("printer_id", self.printer_id), ("agent_id", self.agent_id)):
            if value is not None:
                found.append(jobs.c[column] == value)
        if self.state is not None:
            found.append(jobs.c.state == self.state.value)
        if self.since is not None:
            found.append(jobs.c.created_at >= self.since)
        if self.until is not None:
            found.append(jobs.c.created_at < self.until)
        if self.offline is not None:
            found.append(jobs.c.offline.is_(self.offline))
        if self.flag_contains is not None:
            found.append(jobs.c.flag.contains(self.flag_contains, autoescape=True))
        return found


def list_jobs(conn: Connection, where: JobFilter, offset: int,
              limit: int) -> tuple[list[Job], int]:
    conditions = where.conditions()
    total = conn.execute(sa.select(sa.func.count()).select_from(jobs).where(*conditions)).scalar()
    rows = conn.execute(
        sa.select(jobs).where(*conditions)
        .order_by(jobs.c.created_at.desc(), jobs.c.id.desc()).offset(offset).limit(limit)
    ).mappings()
    return [job_from_row(row) for row in rows], int(total or 0)


def open_jobs(conn: Connection, *, agent_id: str | None = None,
              states: frozenset[JobState] | None = None,
              not_moved_since: datetime | None = None, limit: int = 500,
              skip_locked: bool = False) -> list[Job]:
    """Jobs not ended (or in ``states``), of one agent or not moved since a moment, oldest
    first, locked for update on PostgreSQL (the caller ends them); ``skip_locked`` leaves
    out rows another transaction holds (for a sweep that comes back later)."""
    wanted = states if states is not None else frozenset(
        state for state in JobState if state.value not in _ENDED)
    query = sa.select(jobs).where(jobs.c.state.in_(sorted(s.value for s in wanted)))
    if agent_id is not None:
        query = query.where(jobs.c.agent_id == agent_id)
    if not_moved_since is not None:
        query = query.where(jobs.c.updated_at < not_moved_since)
    query = query.order_by(jobs.c.updated_at, jobs.c.id).limit(limit)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=skip_locked)
    return [job_from_row(row) for row in conn.execute(query).mappings()]


_ENDED = frozenset({"denied", "completed", "failed", "cancelled", "expired"})


def held_jobs_of(conn: Connection, user_id: str, *, limit: int) -> list[Job]:
    """A user's jobs held for release, oldest first (index ``ix_jobs_user_state_created``);
    jobs a rule holds for an answer or an approval are not releasable, so not listed."""
    rows = conn.execute(
        sa.select(jobs).where(jobs.c.user_id == user_id, jobs.c.state == JobState.HELD.value,
                              jobs.c.hold_reason.is_(None))
        .order_by(jobs.c.created_at, jobs.c.id).limit(limit)).mappings()
    return [job_from_row(row) for row in rows]
