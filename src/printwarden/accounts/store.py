"""Rows <-> model: users and cards. Every function takes the caller's connection."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from printwarden.accounts.model import Card, User
from printwarden.accounts.tables import cards, users

_SECRET_COLUMNS = ("password_hash", "pin_hash", "legacy_pin_hash", "id_number_hash")
_USER_COLUMNS = [c for c in users.c if c.name not in _SECRET_COLUMNS]


def user_select() -> sa.Select[Any]:
    return sa.select(
        *_USER_COLUMNS,
        users.c.password_hash.is_not(None).label("has_password"),
        sa.or_(users.c.pin_hash.is_not(None),
               users.c.legacy_pin_hash.is_not(None)).label("has_pin"),
        users.c.id_number_hash.is_not(None).label("has_id_number"),
    )


def user_from_row(row: RowMapping) -> User:
    return User(
        id=row["id"], username=row["username"], full_name=row["full_name"],
        email=row["email"], department=row["department"],
        roles=frozenset(r for r in row["roles"].split(",") if r), active=bool(row["active"]),
        created_at=row["created_at"], has_password=bool(row["has_password"]),
        has_pin=bool(row["has_pin"]), has_id_number=bool(row["has_id_number"]),
    )


def roles_text(roles: frozenset[str]) -> str:
    return ",".join(sorted(roles))


def insert_user(conn: Connection, user: User, *, password_hash: str | None,
                pin_hash: str | None, id_number_hash: str | None = None) -> None:
    conn.execute(users.insert().values(
        id=user.id, username=user.username, username_key=user.username.lower(),
        full_name=user.full_name, email=user.email, department=user.department,
        roles=roles_text(user.roles), active=user.active, created_at=user.created_at,
        password_hash=password_hash, pin_hash=pin_hash, legacy_pin_hash=None,
        id_number_hash=id_number_hash,
    ))


def update_user_row(conn: Connection, user_id: str, **values: Any) -> None:
    conn.execute(users.update().where(users.c.id == user_id).values(**values))


def load_user(conn: Connection, user_id: str) -> User | None:
    row = conn.execute(user_select().where(users.c.id == user_id)).mappings().first()
    return user_from_row(row) if row else None


_BY_KEY = user_select().where(users.c.username_key == sa.bindparam("b_key"))


def load_user_by_key(conn: Connection, key: str) -> User | None:
    row = conn.execute(_BY_KEY, {"b_key": key}).mappings().first()  # prebuilt: hot path
    return user_from_row(row) if row else None


def _with_pins() -> sa.Select[Any]:
    return user_select().add_columns(users.c.pin_hash, users.c.legacy_pin_hash)


def _pins_result(row: RowMapping | None) -> tuple[User, str | None, str | None] | None:
    return (user_from_row(row), row["pin_hash"], row["legacy_pin_hash"]) if row else None


def pins_by_username_key(conn: Connection,
                         key: str) -> tuple[User, str | None, str | None] | None:
    """``(user, pin_hash, legacy_pin_hash)`` of the user named ``key``."""
    return _pins_result(conn.execute(
        _with_pins().where(users.c.username_key == key)).mappings().first())


def pins_by_card_hash(conn: Connection,
                      number_hash: str) -> tuple[User, str | None, str | None] | None:
    """``(user, pin_hash, legacy_pin_hash)`` of the owner of the card ``number_hash``."""
    return _pins_result(conn.execute(
        _with_pins().join(cards, cards.c.user_id == users.c.id)
        .where(cards.c.number_hash == number_hash)).mappings().first())


def replace_legacy_pin(conn: Connection, user_id: str, legacy_hash: str,
                       pin_hash: str) -> bool:
    """Swap the user's pre-0008 print code ``legacy_hash`` for ``pin_hash``; False when
    his PIN changed since it was read (nothing is written then)."""
    result = conn.execute(users.update().where(
        users.c.id == user_id, users.c.legacy_pin_hash == legacy_hash,
        users.c.pin_hash.is_(None)).values(pin_hash=pin_hash, legacy_pin_hash=None))
    return result.rowcount == 1


def load_user_by_id_number_hash(conn: Connection, digest: str) -> User | None:
    row = conn.execute(user_select().where(users.c.id_number_hash == digest)).mappings().first()
    return user_from_row(row) if row else None


def id_number_owner(conn: Connection, digest: str) -> str | None:
    owner: str | None = conn.execute(
        sa.select(users.c.id).where(users.c.id_number_hash == digest)).scalar()
    return owner


#: The PostgreSQL advisory lock that serialises ID-number assignments ("pwid").
ID_NUMBER_LOCK = 0x70776964


def lock_id_numbers(conn: Connection) -> None:
    """Hold, until the transaction ends, the right to assign ID numbers: on PostgreSQL an
    advisory lock; SQLite write transactions are exclusive already."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(ID_NUMBER_LOCK)))


def count_id_numbers(conn: Connection, *, excluding: str | None = None) -> int:
    """Users holding an ID number (all lengths), ``excluding`` one user if given."""
    query = sa.select(sa.func.count()).select_from(users).where(
        users.c.id_number_hash.is_not(None))
    if excluding is not None:
        query = query.where(users.c.id != excluding)
    return int(conn.execute(query).scalar_one())


def id_number_holders_by_key(conn: Connection) -> dict[str, bool]:
    """Every username key, and whether its user holds an ID number."""
    rows = conn.execute(sa.select(users.c.username_key, users.c.id_number_hash.is_not(None)))
    return {key: bool(holds) for key, holds in rows}


def password_hash_of(conn: Connection, key: str) -> tuple[User, str | None] | None:
    row = conn.execute(
        user_select().add_columns(users.c.password_hash).where(users.c.username_key == key)
    ).mappings().first()
    return (user_from_row(row), row["password_hash"]) if row else None


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_users(conn: Connection, *, query: str | None, active: bool | None, offset: int,
                 limit: int) -> tuple[list[User], int]:
    conditions: list[sa.ColumnElement[bool]] = []
    if query:
        pattern = f"%{_escape_like(query.strip().lower())}%"
        conditions.append(sa.or_(*(
            sa.func.lower(column).like(pattern, escape="\\")
            for column in (users.c.username, users.c.full_name, users.c.email,
                           users.c.department)
        )))
    if active is not None:
        conditions.append(users.c.active == active)
    total = conn.execute(
        sa.select(sa.func.count()).select_from(users).where(*conditions)).scalar_one()
    rows = conn.execute(
        user_select().where(*conditions).order_by(users.c.username_key)
        .offset(offset).limit(limit)
    ).mappings()
    return [user_from_row(row) for row in rows], int(total)


def count_active_admins(conn: Connection) -> int:
    count = conn.execute(sa.select(sa.func.count()).select_from(users).where(
        users.c.active.is_(True), users.c.roles.like("%admin%"))).scalar_one()
    return int(count)


def card_from_row(row: RowMapping) -> Card:
    return Card(id=row["id"], user_id=row["user_id"], last4=row["last4"],
                created_at=row["created_at"])


def insert_card(conn: Connection, card: Card, number_hash: str) -> None:
    conn.execute(cards.insert().values(
        id=card.id, user_id=card.user_id, number_hash=number_hash, last4=card.last4,
        created_at=card.created_at,
    ))


def load_card(conn: Connection, card_id: str) -> Card | None:
    row = conn.execute(sa.select(cards).where(cards.c.id == card_id)).mappings().first()
    return card_from_row(row) if row else None


def card_id_by_hash(conn: Connection, number_hash: str) -> tuple[str, str] | None:
    """``(card id, user id)`` of the card with ``number_hash``."""
    row = conn.execute(sa.select(cards.c.id, cards.c.user_id)
                       .where(cards.c.number_hash == number_hash)).first()
    return (row.id, row.user_id) if row else None


def delete_card(conn: Connection, card_id: str) -> None:
    conn.execute(cards.delete().where(cards.c.id == card_id))


def cards_of(conn: Connection, user_id: str) -> list[Card]:
    rows = conn.execute(sa.select(cards).where(cards.c.user_id == user_id)
                        .order_by(cards.c.created_at, cards.c.id)).mappings()
    return [card_from_row(row) for row in rows]
