"""Reservations and their parts in the database; plus the users/groups the ledger reads.

The accounts context owns ``users`` and ``group_members``; the ledger reads them by
name through lightweight table constructs and never imports that context.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from printwarden.core.money import Money
from printwarden.db.engine import Database
from printwarden.ledger.model import Account, Reservation, ReservationPart
from printwarden.ledger.store import to_account
from printwarden.ledger.tables import ledger_accounts as accounts
from printwarden.ledger.tables import ledger_reservation_parts as parts_table
from printwarden.ledger.tables import ledger_reservations as reservations

users_view = sa.table("users", sa.column("id"), sa.column("active"))
group_members_view = sa.table("group_members", sa.column("group_id"), sa.column("user_id"))


def _to_reservation(row: RowMapping, parts: Sequence[RowMapping]) -> Reservation:
    currency = row["currency"]
    return Reservation(
        id=row["id"], job_id=row["job_id"], amount=Money(int(row["amount_minor"]), currency),
        parts=tuple(ReservationPart(p["account_id"], Money(int(p["amount_minor"]), currency))
                    for p in parts),
        status=row["status"], created_at=row["created_at"],
    )


def _parts(conn: Connection, reservation_id: str) -> list[RowMapping]:
    return list(conn.execute(
        sa.select(parts_table).where(parts_table.c.reservation_id == reservation_id)
        .order_by(parts_table.c.position)).mappings())


def load(conn: Connection, db: Database, *, reservation_id: str | None = None,
         key: str | None = None, lock: bool = False) -> tuple[Reservation, RowMapping] | None:
    """A reservation by id or idempotency key, with its raw row (charged, uncollected)."""
    stmt = sa.select(reservations)
    if reservation_id is not None:
        stmt = stmt.where(reservations.c.id == reservation_id)
    if key is not None:
        stmt = stmt.where(reservations.c.idempotency_key == key)
    if lock:
        stmt = db.for_update(stmt)
    row = conn.execute(stmt).mappings().first()
    if row is None:
        return None
    return _to_reservation(row, _parts(conn, row["id"])), row


_INSERT_RESERVATION = reservations.insert()
_INSERT_PART = parts_table.insert()


def insert(conn: Connection, reservation: Reservation, *, user_id: str, key: str) -> None:
    conn.execute(_INSERT_RESERVATION, {
        "id": reservation.id, "job_id": reservation.job_id, "user_id": user_id,
        "amount_minor": reservation.amount.minor, "currency": reservation.amount.currency,
        "status": reservation.status, "idempotency_key": key,
        "created_at": reservation.created_at})
    conn.execute(_INSERT_PART, [
        {"reservation_id": reservation.id, "position": i, "account_id": p.account_id,
         "amount_minor": p.amount.minor} for i, p in enumerate(reservation.parts)])


_CLOSE = reservations.update().where(reservations.c.id == sa.bindparam("b_id")).values(
    status=sa.bindparam("b_status"), closed_at=sa.bindparam("b_at"),
    charged_minor=sa.bindparam("b_charged"), uncollected_minor=sa.bindparam("b_uncollected"))


def close(conn: Connection, reservation_id: str, *, status: str, now: datetime,
          charged_minor: int | None = None, uncollected_minor: int | None = None) -> None:
    conn.execute(_CLOSE, {"b_id": reservation_id, "b_status": status, "b_at": now,
                          "b_charged": charged_minor, "b_uncollected": uncollected_minor})


_FOR_SETTLE = (
    sa.select(reservations.c.status, reservations.c.job_id,
              reservations.c.amount_minor.label("total_minor"),
              reservations.c.currency.label("total_currency"),
              reservations.c.created_at.label("reserved_at"),
              parts_table.c.amount_minor.label("part_minor"), accounts)
    .join(parts_table, parts_table.c.reservation_id == reservations.c.id)
    .join(accounts, accounts.c.id == parts_table.c.account_id)
    .where(reservations.c.id == sa.bindparam("b_id"))
    .order_by(parts_table.c.position)
)
_FOR_SETTLE_LOCKED = _FOR_SETTLE.with_for_update()


def load_for_settle(conn: Connection, db: Database,
                    reservation_id: str) -> tuple[Reservation, dict[str, Account]] | None:
    """One locking read: the reservation, its parts and their accounts (hot path)."""
    stmt = _FOR_SETTLE_LOCKED if db.dialect == "postgresql" else _FOR_SETTLE
    rows = list(conn.execute(stmt, {"b_id": reservation_id}).mappings())
    if not rows:
        return None
    first = rows[0]
    currency = first["total_currency"]
    reservation = Reservation(
        id=reservation_id, job_id=first["job_id"],
        amount=Money(int(first["total_minor"]), currency),
        parts=tuple(ReservationPart(r["id"], Money(int(r["part_minor"]), currency))
                    for r in rows),
        status=first["status"], created_at=first["reserved_at"])
    return reservation, {r["id"]: to_account(r) for r in rows}


def open_parts_sum(conn: Connection) -> dict[str, int]:
    """Sum of open reservation parts per account (for consistency checks)."""
    rows = conn.execute(
        sa.select(parts_table.c.account_id, sa.func.sum(parts_table.c.amount_minor))
        .join(reservations, reservations.c.id == parts_table.c.reservation_id)
        .where(reservations.c.status == "open").group_by(parts_table.c.account_id))
    return {str(r[0]): int(r[1]) for r in rows}


def group_ids_of(conn: Connection, user_id: str) -> list[str]:
    rows = conn.execute(sa.select(group_members_view.c.group_id)
                        .where(group_members_view.c.user_id == user_id))
    return [str(r[0]) for r in rows]


def active_user_ids(conn: Connection, group_id: str | None = None) -> list[str]:
    """Active users, all of them or the members of ``group_id``."""
    stmt = sa.select(users_view.c.id).where(users_view.c.active == sa.true())
    if group_id is not None:
        stmt = stmt.join(group_members_view, group_members_view.c.user_id == users_view.c.id)
        stmt = stmt.where(group_members_view.c.group_id == group_id)
    return [str(r[0]) for r in conn.execute(stmt.order_by(users_view.c.id))]
