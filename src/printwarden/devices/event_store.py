"""The agent event queue: append, read after a cursor, purge.

Agents read events with ``after`` = the last id they processed, so ids must grow in the
order transactions commit, per agent. An append locks the agent's row (FOR UPDATE on
PostgreSQL; SQLite write transactions are exclusive anyway) and makes an id greater than
every id that agent already has, so a reader never skips an event committed late.

Write events through the devices service (``DevicesBase._append_event``,
``append_event_in``, ``enqueue_event``), not ``append_event`` directly: the service rings
the agent's event bell after the commit, so waiting readers hear of the event at once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping
from ulid import ULID

from printwarden.core.errors import NotFoundError
from printwarden.core.ids import new_id
from printwarden.devices.model import AgentEvent, check_event_kind
from printwarden.devices.tables import agent_events, agents


def _next_id(conn: Connection, agent_id: str) -> str:
    latest = conn.execute(
        sa.select(sa.func.max(agent_events.c.id)).where(agent_events.c.agent_id == agent_id)
    ).scalar()
    candidate = new_id()
    if latest is not None and candidate <= latest:
        candidate = str(ULID.from_int(int(ULID.from_str(latest)) + 1))
    return candidate


def append_event(conn: Connection, agent_id: str, kind: str, payload: dict[str, Any],
                 at: datetime) -> AgentEvent:
    """Queue an event for ``agent_id`` inside the caller's write transaction."""
    check_event_kind(kind)
    lock = sa.select(agents.c.id).where(agents.c.id == agent_id)
    if conn.dialect.name == "postgresql":
        lock = lock.with_for_update()
    if conn.execute(lock).first() is None:
        raise NotFoundError(f"no agent with id {agent_id}")
    event = AgentEvent(id=_next_id(conn, agent_id), agent_id=agent_id, kind=kind,
                       payload=dict(payload), created_at=at)
    conn.execute(agent_events.insert().values(
        id=event.id, agent_id=agent_id, kind=kind, payload=event.payload, created_at=at,
    ))
    return event


def _event(row: RowMapping) -> AgentEvent:
    return AgentEvent(id=row["id"], agent_id=row["agent_id"], kind=row["kind"],
                      payload=dict(row["payload"]), created_at=row["created_at"])


def events_after(conn: Connection, agent_id: str, after_id: str | None,
                 limit: int = 100) -> list[AgentEvent]:
    query = sa.select(agent_events).where(agent_events.c.agent_id == agent_id)
    if after_id:
        query = query.where(agent_events.c.id > after_id)
    rows = conn.execute(query.order_by(agent_events.c.id).limit(limit)).mappings()
    return [_event(row) for row in rows]


def purge_events(conn: Connection, before: datetime) -> int:
    result = conn.execute(agent_events.delete().where(agent_events.c.created_at < before))
    return int(result.rowcount)
