"""Accounts and entries in the database: rows <-> model, locking, posting.

``post`` is the one place an entry is written: it inserts the entry and moves the
account's materialised balance in the caller's transaction. Entries are never
updated or deleted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping
from sqlalchemy.exc import IntegrityError

from printwarden.core.errors import NotFoundError
from printwarden.core.ids import new_id
from printwarden.core.money import Money
from printwarden.db.engine import Database, one_of
from printwarden.ledger.model import Account, Entry, owner_account_id
from printwarden.ledger.tables import ledger_account_members as members
from printwarden.ledger.tables import ledger_accounts as accounts
from printwarden.ledger.tables import ledger_entries as entries


def to_account(row: RowMapping) -> Account:
    return Account(
        id=row["id"], kind=row["kind"], name=row["name"], currency=row["currency"],
        limited=bool(row["limited"]), overdraft_minor=int(row["overdraft_minor"]),
        balance_minor=int(row["balance_minor"]), reserved_minor=int(row["reserved_minor"]),
        owner_user_id=row["owner_user_id"], group_id=row["group_id"],
        active=bool(row["active"]), created_at=row["created_at"],
        offline_credit=row["offline_credit"],
        offline_limit_minor=int(row["offline_limit_minor"]),
    )


def to_entry(row: RowMapping) -> Entry:
    return Entry(
        id=row["id"], account_id=row["account_id"],
        amount=Money(int(row["amount_minor"]), row["currency"]), kind=row["kind"],
        job_id=row["job_id"], reference=row["reference"],
        idempotency_key=row["idempotency_key"], origin_site=row["origin_site"],
        created_at=row["created_at"], actor=row["actor"],
        balance_after_minor=int(row["balance_after_minor"]), note=row["note"],
    )


def owner_key(kind: str, owner_id: str) -> str:
    return f"{kind}:{owner_id}"


def select_accounts(db: Database, where: Any, *, lock: bool) -> sa.Select[Any]:
    stmt = sa.select(accounts).where(where).order_by(accounts.c.id)
    return db.for_update(stmt) if lock else stmt


def load_account(conn: Connection, db: Database, account_id: str, *, lock: bool) -> Account:
    row = conn.execute(select_accounts(db, accounts.c.id == account_id, lock=lock)).mappings()
    found = row.first()
    if found is None:
        raise NotFoundError(f"no ledger account {account_id}")
    return to_account(found)


def load_accounts(conn: Connection, db: Database, account_ids: Iterable[str], *,
                  lock: bool) -> dict[str, Account]:
    rows = conn.execute(select_accounts(db, one_of(conn, accounts.c.id, set(account_ids)),
                                        lock=lock)).mappings()
    return {row["id"]: to_account(row) for row in rows}


def insert_account(conn: Connection, *, kind: str, name: str, currency: str, limited: bool,
                   overdraft_minor: int, owner_user_id: str | None, group_id: str | None,
                   key: str | None, now: datetime, offline_credit: str = "balance",
                   offline_limit_minor: int = 0) -> Account:
    values: dict[str, Any] = dict(
        id=new_id() if key is None else owner_account_id(key), kind=kind, name=name,
        currency=currency, limited=limited,
        overdraft_minor=overdraft_minor, balance_minor=0, reserved_minor=0,
        owner_user_id=owner_user_id, group_id=group_id, owner_key=key, active=True,
        created_at=now, offline_credit=offline_credit,
        offline_limit_minor=offline_limit_minor)
    conn.execute(accounts.insert().values(**values))
    values.pop("owner_key")
    return Account(**values)


def get_or_create_owned(conn: Connection, db: Database, *, kind: str, name: str, currency: str,
                        owner_user_id: str | None, group_id: str | None,
                        now: datetime, offline_credit: str = "balance") -> Account:
    """The one personal/credit/group account of its owner, created if missing (race-safe)."""
    key = owner_key(kind, owner_user_id or group_id or "")
    stmt = select_accounts(db, accounts.c.owner_key == key, lock=False)
    row = conn.execute(stmt).mappings().first()
    if row is not None:
        return to_account(row)
    try:
        with conn.begin_nested():
            return insert_account(conn, kind=kind, name=name, currency=currency, limited=True,
                                  overdraft_minor=0, owner_user_id=owner_user_id,
                                  group_id=group_id, key=key, now=now,
                                  offline_credit=offline_credit)
    except IntegrityError as exc:
        row = conn.execute(stmt).mappings().first()
        if row is None:  # not a race: the owner does not exist
            owner = f"user {owner_user_id}" if owner_user_id else f"group {group_id}"
            raise NotFoundError(f"no {owner}") from exc
        return to_account(row)


def update_account(conn: Connection, account_id: str, **values: Any) -> None:
    if values:
        conn.execute(accounts.update().where(accounts.c.id == account_id).values(**values))


_MOVE = accounts.update().where(accounts.c.id == sa.bindparam("b_account")).values(
    balance_minor=accounts.c.balance_minor + sa.bindparam("b_balance"),
    reserved_minor=accounts.c.reserved_minor + sa.bindparam("b_reserved"))


def move(conn: Connection, account_id: str, *, balance: int = 0, reserved: int = 0) -> None:
    """Shift the materialised balance and reserved sums of one (locked) account."""
    conn.execute(_MOVE, {"b_account": account_id, "b_balance": balance,
                         "b_reserved": reserved})


def move_many(conn: Connection, moves: Sequence[tuple[str, int, int]]) -> None:
    """``move`` for several (account id, balance delta, reserved delta), one executemany."""
    if moves:
        conn.execute(_MOVE, [{"b_account": account_id, "b_balance": balance,
                              "b_reserved": reserved}
                             for account_id, balance, reserved in moves])


def entry_by_key(conn: Connection, key: str) -> Entry | None:
    row = conn.execute(sa.select(entries).where(entries.c.idempotency_key == key)).mappings()
    found = row.first()
    return None if found is None else to_entry(found)


def new_entry(account: Account, amount_minor: int, kind: str, *, key: str, actor: str,
              now: datetime, site: str, balance_after: int, job_id: str | None = None,
              reference: str | None = None, note: str = "") -> Entry:
    return Entry(id=new_id(), account_id=account.id,
                 amount=Money(amount_minor, account.currency), kind=kind, job_id=job_id,
                 reference=reference, idempotency_key=key, origin_site=site, created_at=now,
                 actor=actor, balance_after_minor=balance_after, note=note)


_INSERT_ENTRY = entries.insert()


def insert_entries(conn: Connection, new: Sequence[Entry]) -> None:
    """Append entries (the balances are moved by the caller with ``move``)."""
    if not new:
        return
    conn.execute(_INSERT_ENTRY, [{
        "id": e.id, "account_id": e.account_id, "amount_minor": e.amount.minor,
        "currency": e.amount.currency, "kind": e.kind, "job_id": e.job_id,
        "reference": e.reference, "idempotency_key": e.idempotency_key,
        "origin_site": e.origin_site, "created_at": e.created_at, "actor": e.actor,
        "balance_after_minor": e.balance_after_minor, "note": e.note,
    } for e in new])


def post(conn: Connection, account: Account, amount_minor: int, kind: str, *, key: str,
         actor: str, now: datetime, site: str, job_id: str | None = None,
         reference: str | None = None, note: str = "") -> Entry:
    """Write one entry on a locked ``account`` and move its balance, in ``conn``'s transaction."""
    entry = new_entry(account, amount_minor, kind, key=key, actor=actor, now=now, site=site,
                      balance_after=account.balance_minor + amount_minor, job_id=job_id,
                      reference=reference, note=note)
    insert_entries(conn, [entry])
    move(conn, account.id, balance=amount_minor)
    return entry


def entries_where(*, account_id: str | None = None, kind: str | None = None,
                  job_id: str | None = None, reference: str | None = None,
                  since: datetime | None = None, until: datetime | None = None) -> list[Any]:
    conditions: list[Any] = []
    for column, value in ((entries.c.account_id, account_id), (entries.c.kind, kind),
                          (entries.c.job_id, job_id), (entries.c.reference, reference)):
        if value is not None:
            conditions.append(column == value)
    if since is not None:
        conditions.append(entries.c.created_at >= since)
    if until is not None:
        conditions.append(entries.c.created_at < until)
    return conditions


def list_entries(conn: Connection, conditions: list[Any], *, offset: int,
                 limit: int) -> tuple[list[Entry], int]:
    total = conn.execute(sa.select(sa.func.count()).select_from(entries)
                         .where(*conditions)).scalar_one()
    rows = conn.execute(sa.select(entries).where(*conditions)
                        .order_by(entries.c.created_at.desc(), entries.c.id.desc())
                        .offset(offset).limit(limit)).mappings()
    return [to_entry(row) for row in rows], int(total)


def list_accounts(conn: Connection, conditions: list[Any], *, offset: int,
                  limit: int) -> tuple[list[Account], int]:
    total = conn.execute(sa.select(sa.func.count()).select_from(accounts)
                         .where(*conditions)).scalar_one()
    rows = conn.execute(sa.select(accounts).where(*conditions)
                        .order_by(accounts.c.kind, accounts.c.name, accounts.c.id)
                        .offset(offset).limit(limit)).mappings()
    return [to_account(row) for row in rows], int(total)


def member_ids(conn: Connection, account_id: str) -> list[str]:
    rows = conn.execute(sa.select(members.c.user_id).where(members.c.account_id == account_id)
                        .order_by(members.c.user_id))
    return [str(r[0]) for r in rows]


def is_member(conn: Connection, account_id: str, user_id: str) -> bool:
    row = conn.execute(sa.select(members.c.user_id).where(
        members.c.account_id == account_id, members.c.user_id == user_id)).first()
    return row is not None


def add_member(conn: Connection, account_id: str, user_id: str) -> bool:
    if is_member(conn, account_id, user_id):
        return False
    conn.execute(members.insert().values(account_id=account_id, user_id=user_id))
    return True


def remove_member(conn: Connection, account_id: str, user_id: str) -> bool:
    result = conn.execute(members.delete().where(members.c.account_id == account_id,
                                                 members.c.user_id == user_id))
    return bool(result.rowcount)


def shared_account_ids_of(conn: Connection, user_id: str) -> list[str]:
    rows = conn.execute(sa.select(members.c.account_id).where(members.c.user_id == user_id))
    return [str(r[0]) for r in rows]
