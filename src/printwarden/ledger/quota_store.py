"""Quota schedules and allocation runs in the database."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from printwarden.core.errors import NotFoundError
from printwarden.core.ids import new_id
from printwarden.core.money import Money
from printwarden.ledger.quotas import Period, QuotaSchedule
from printwarden.ledger.tables import ledger_allocation_runs as runs
from printwarden.ledger.tables import ledger_quota_schedules as schedules


def to_schedule(row: RowMapping) -> QuotaSchedule:
    currency = row["currency"]
    cap = row["cap_minor"]
    return QuotaSchedule(
        id=row["id"], name=row["name"], target_kind=row["target_kind"],
        target_id=row["target_id"], amount=Money(int(row["amount_minor"]), currency),
        mode=row["mode"], cap=None if cap is None else Money(int(cap), currency),
        period=Period(kind=row["period"], weekday=int(row["weekday"]),
                      day_of_month=int(row["day_of_month"]), every_days=int(row["every_days"]),
                      anchor=row["anchor"]),
        active=bool(row["active"]), delegated_to=row["delegated_to"],
    )


def values_of(schedule: QuotaSchedule) -> dict[str, Any]:
    return {
        "name": schedule.name, "target_kind": schedule.target_kind,
        "target_id": schedule.target_id, "amount_minor": schedule.amount.minor,
        "currency": schedule.amount.currency, "mode": schedule.mode,
        "cap_minor": None if schedule.cap is None else schedule.cap.minor,
        "period": schedule.period.kind, "weekday": schedule.period.weekday,
        "day_of_month": schedule.period.day_of_month,
        "every_days": schedule.period.every_days, "anchor": schedule.period.anchor,
        "active": schedule.active, "delegated_to": schedule.delegated_to,
    }


def insert(conn: Connection, schedule: QuotaSchedule, now: datetime) -> None:
    conn.execute(schedules.insert().values(id=schedule.id, created_at=now,
                                           **values_of(schedule)))


def update(conn: Connection, schedule: QuotaSchedule) -> None:
    conn.execute(schedules.update().where(schedules.c.id == schedule.id)
                 .values(**values_of(schedule)))


def load(conn: Connection, schedule_id: str) -> QuotaSchedule:
    row = conn.execute(sa.select(schedules).where(schedules.c.id == schedule_id))
    found = row.mappings().first()
    if found is None:
        raise NotFoundError(f"no quota schedule {schedule_id}")
    return to_schedule(found)


def load_all(conn: Connection) -> list[QuotaSchedule]:
    return _schedules(conn)


def load_runnable(conn: Connection, delegated_to: str | None) -> list[QuotaSchedule]:
    """The active schedules one site runs: those delegated to that remote, or (None)
    central's own."""
    owner = (schedules.c.delegated_to.is_(None) if delegated_to is None
             else schedules.c.delegated_to == delegated_to)
    return _schedules(conn, schedules.c.active == sa.true(), owner)


def _schedules(conn: Connection, *where: sa.ColumnElement[bool]) -> list[QuotaSchedule]:
    stmt = sa.select(schedules).where(*where).order_by(schedules.c.name, schedules.c.id)
    return [to_schedule(row) for row in conn.execute(stmt).mappings()]


def run_exists(conn: Connection, schedule_id: str, period_key: str) -> bool:
    row = conn.execute(sa.select(runs.c.id).where(runs.c.schedule_id == schedule_id,
                                                  runs.c.period_key == period_key)).first()
    return row is not None


def claim_run(conn: Connection, schedule_id: str, period_key: str, now: datetime) -> str:
    """Insert the run row (UNIQUE schedule+period): a second runner fails right here."""
    run_id = new_id()
    conn.execute(runs.insert().values(id=run_id, schedule_id=schedule_id,
                                      period_key=period_key, ran_at=now, accounts=0,
                                      total_minor=0))
    return run_id


def finish_run(conn: Connection, run_id: str, accounts: int, total_minor: int) -> None:
    conn.execute(runs.update().where(runs.c.id == run_id)
                 .values(accounts=accounts, total_minor=total_minor))


def runs_of(conn: Connection, schedule_id: str) -> list[str]:
    rows = conn.execute(sa.select(runs.c.period_key).where(runs.c.schedule_id == schedule_id)
                        .order_by(runs.c.period_key))
    return [str(r[0]) for r in rows]
