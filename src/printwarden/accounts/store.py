"""Rows <-> model: users and cards. Every function takes the caller's connection."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from printwarden.accounts.model import Card, User
from printwarden.accounts.tables import cards, users

_USER_COLUMNS = [c for c in users.c if c.name not in ("password_hash", "pin_hash")]


def user_select() -> sa.Select[Any]:
    return sa.select(
        *_USER_COLUMNS,
        users.c.password_hash.is_not(None).label("has_password"),
        users.c.pin_hash.is_not(None).label("has_pin"),
    )


def user_from_row(row: RowMapping) -> User:
    return User(
        id=row["id"], username=row["username"], full_name=row["full_name"],
        email=row["email"], department=row["department"],
        roles=frozenset(r for r in row["roles"].split(",") if r), active=bool(row["active"]),
        created_at=row["created_at"], has_password=bool(row["has_password"]),
        has_pin=bool(row["has_pin"]),
    )


def roles_text(roles: frozenset[str]) -> str:
    return ",".join(sorted(roles))


def insert_user(conn: Connection, user: User, *, password_hash: str | None,
                pin_hash: str | None) -> None:
    conn.execute(users.insert().values(
        id=user.id, username=user.username, username_key=user.username.lower(),
        full_name=user.full_name, email=user.email, department=user.department,
        roles=roles_text(user.roles), active=user.active, created_at=user.created_at,
        password_hash=password_hash, pin_hash=pin_hash,
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


def load_user_by_pin_hash(conn: Connection, pin_hash: str) -> User | None:
    row = conn.execute(user_select().where(users.c.pin_hash == pin_hash)).mappings().first()
    return user_from_row(row) if row else None


def pin_hash_owner(conn: Connection, pin_hash: str) -> str | None:
    owner: str | None = conn.execute(
        sa.select(users.c.id).where(users.c.pin_hash == pin_hash)).scalar()
    return owner


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
