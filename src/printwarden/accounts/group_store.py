"""Rows <-> model: user groups and their members."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from printwarden.accounts.model import Group, User, group_key
from printwarden.accounts.store import user_from_row, user_select
from printwarden.accounts.tables import group_members, user_groups, users


def group_from_row(row: RowMapping) -> Group:
    return Group(id=row["id"], name=row["name"], description=row["description"],
                 created_at=row["created_at"])


def insert_group(conn: Connection, group: Group) -> None:
    conn.execute(user_groups.insert().values(
        id=group.id, name=group.name, name_key=group_key(group.name),
        description=group.description, created_at=group.created_at,
    ))


def load_group(conn: Connection, group_id: str) -> Group | None:
    row = conn.execute(sa.select(user_groups).where(user_groups.c.id == group_id)
                       ).mappings().first()
    return group_from_row(row) if row else None


def load_group_by_name(conn: Connection, name: str) -> Group | None:
    row = conn.execute(sa.select(user_groups).where(user_groups.c.name_key == group_key(name))
                       ).mappings().first()
    return group_from_row(row) if row else None


def all_groups(conn: Connection) -> list[Group]:
    rows = conn.execute(sa.select(user_groups).order_by(user_groups.c.name_key)).mappings()
    return [group_from_row(row) for row in rows]


def is_member(conn: Connection, group_id: str, user_id: str) -> bool:
    found = conn.execute(sa.select(group_members.c.user_id).where(
        group_members.c.group_id == group_id, group_members.c.user_id == user_id)).first()
    return found is not None


def insert_member(conn: Connection, group_id: str, user_id: str) -> None:
    conn.execute(group_members.insert().values(group_id=group_id, user_id=user_id))


def delete_member(conn: Connection, group_id: str, user_id: str) -> int:
    result = conn.execute(group_members.delete().where(
        group_members.c.group_id == group_id, group_members.c.user_id == user_id))
    return result.rowcount


def groups_of_user(conn: Connection, user_id: str) -> list[Group]:
    rows = conn.execute(
        sa.select(user_groups).join(group_members, group_members.c.group_id == user_groups.c.id)
        .where(group_members.c.user_id == user_id).order_by(user_groups.c.name_key)
    ).mappings()
    return [group_from_row(row) for row in rows]


_GROUP_IDS_OF = (sa.select(user_groups.c.id)
                 .join(group_members, group_members.c.group_id == user_groups.c.id)
                 .where(group_members.c.user_id == sa.bindparam("b_user"))
                 .order_by(user_groups.c.name_key))


def group_ids_of_user(conn: Connection, user_id: str) -> list[str]:
    """The ids of ``user_id``'s groups, in ``groups_of_user`` order (prebuilt: hot path)."""
    return [str(row[0]) for row in conn.execute(_GROUP_IDS_OF, {"b_user": user_id})]


_GROUP_REFS_OF = _GROUP_IDS_OF.add_columns(user_groups.c.name)


def group_refs_of_user(conn: Connection, user_id: str) -> list[tuple[str, str]]:
    """(id, name) of ``user_id``'s groups, in ``groups_of_user`` order (one statement for
    what authorize charges and what print rules see)."""
    return [(str(row[0]), str(row[1]))
            for row in conn.execute(_GROUP_REFS_OF, {"b_user": user_id})]


def members_of_group(conn: Connection, group_id: str) -> list[User]:
    rows = conn.execute(
        user_select().join(group_members, group_members.c.user_id == users.c.id)
        .where(group_members.c.group_id == group_id).order_by(users.c.username_key)
    ).mappings()
    return [user_from_row(row) for row in rows]
