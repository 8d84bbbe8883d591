"""Rows <-> devices model: agents, enrolment codes, pricing groups (devices, release
groups and queues: ``fleet_store``)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from printwarden.core.errors import NotFoundError
from printwarden.devices.model import Agent, EnrolmentCode, PrinterGroup
from printwarden.devices.tables import agents, enrolment_codes, printer_groups


def agent_from_row(row: RowMapping) -> Agent:
    return Agent(id=row["id"], name=row["name"], hostname=row["hostname"],
                 version=row["version"], enrolled_at=row["enrolled_at"],
                 last_seen_at=row["last_seen_at"], status=row["status"])


def code_from_row(row: RowMapping) -> EnrolmentCode:
    return EnrolmentCode(id=row["id"], created_at=row["created_at"],
                         expires_at=row["expires_at"], created_by=row["created_by"],
                         used_at=row["used_at"], used_by_agent_id=row["used_by_agent_id"],
                         for_agent_id=row["for_agent_id"])


def group_from_row(row: RowMapping) -> PrinterGroup:
    return PrinterGroup(id=row["id"], name=row["name"], price_list_id=row["price_list_id"],
                        description=row["description"])


def get_agent(conn: Connection, agent_id: str) -> Agent:
    row = conn.execute(sa.select(agents).where(agents.c.id == agent_id)).mappings().first()
    if row is None:
        raise NotFoundError(f"no agent with id {agent_id}")
    return agent_from_row(row)


def find_agent_by(conn: Connection, column: sa.Column[str], value: str) -> Agent | None:
    row = conn.execute(sa.select(agents).where(column == value)).mappings().first()
    return agent_from_row(row) if row else None


def list_agents(conn: Connection) -> list[Agent]:
    rows = conn.execute(sa.select(agents).order_by(agents.c.name)).mappings()
    return [agent_from_row(row) for row in rows]


def list_codes(conn: Connection) -> list[EnrolmentCode]:
    rows = conn.execute(
        sa.select(enrolment_codes).order_by(enrolment_codes.c.created_at.desc())
    ).mappings()
    return [code_from_row(row) for row in rows]


def get_group(conn: Connection, group_id: str) -> PrinterGroup:
    row = conn.execute(_GROUP_BY_ID, {"b_id": group_id}).mappings().first()
    if row is None:
        raise NotFoundError(f"no printer group with id {group_id}")
    return group_from_row(row)


def list_groups(conn: Connection) -> list[PrinterGroup]:
    rows = conn.execute(sa.select(printer_groups).order_by(printer_groups.c.name)).mappings()
    return [group_from_row(row) for row in rows]


def name_taken(conn: Connection, table: sa.Table, name: str, except_id: str = "") -> bool:
    query = sa.select(table.c.id).where(table.c.name == name, table.c.id != except_id)
    return conn.execute(query).first() is not None


#: Prebuilt statements (compiled once): the agent link reads these on every request.
_GROUP_BY_ID = sa.select(printer_groups).where(printer_groups.c.id == sa.bindparam("b_id"))
_AGENT_BY_TOKEN = sa.select(agents).where(agents.c.token_hash == sa.bindparam("b_hash"))


def find_agent_by_token_hash(conn: Connection, token_hash: str) -> Agent | None:
    row = conn.execute(_AGENT_BY_TOKEN, {"b_hash": token_hash}).mappings().first()
    return agent_from_row(row) if row else None
