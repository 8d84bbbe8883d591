"""The outbox's rows: queue in the producer's transaction, claim, settle an attempt.

Claiming is how two senders (two server processes) never send one message twice: a
sender marks due rows ``sending`` with a ``claimed_until`` in one short write
transaction (PostgreSQL ``FOR UPDATE SKIP LOCKED``; SQLite write transactions are
exclusive already), sends outside any transaction, then records the outcome. A sender
that dies mid-send leaves its claim to run out; the row is then due again (the receiver
sees the same idempotency key and may drop the repeat).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from printwarden.notify.model import OutboxMessage
from printwarden.notify.tables import notify_outbox

T = notify_outbox


def insert(conn: Connection, **values: Any) -> None:
    conn.execute(T.insert().values(state="pending", attempts=0, **values))


def _message(row: RowMapping) -> OutboxMessage:
    return OutboxMessage(
        id=row["id"], channel=row["channel"], event=row["event"], event_id=row["event_id"],
        endpoint_id=row["endpoint_id"], recipient=row["recipient"], subject=row["subject"],
        body=row["body"], state=row["state"], attempts=int(row["attempts"]),
        next_attempt_at=row["next_attempt_at"], last_error=row["last_error"],
        last_status=row["last_status"], created_at=row["created_at"], sent_at=row["sent_at"],
        claimed_until=row["claimed_until"])


def _due(now: datetime) -> Any:
    return sa.or_(
        sa.and_(T.c.state == "pending", T.c.next_attempt_at <= now),
        sa.and_(T.c.state == "sending", T.c.claimed_until < now))


def claim(conn: Connection, *, now: datetime, hold: timedelta, limit: int,
          postgres: bool) -> list[OutboxMessage]:
    """Mark up to ``limit`` due messages ``sending`` until ``now + hold``; answers them."""
    query = sa.select(T.c.id).where(_due(now)).order_by(T.c.next_attempt_at, T.c.id) \
        .limit(limit)
    if postgres:
        query = query.with_for_update(skip_locked=True)
    ids = [row[0] for row in conn.execute(query)]
    if not ids:
        return []
    conn.execute(T.update().where(T.c.id.in_(ids), _due(now))
                 .values(state="sending", claimed_until=now + hold))
    rows = conn.execute(sa.select(T).where(T.c.id.in_(ids),
                                           T.c.state == "sending")).mappings()
    return sorted((_message(r) for r in rows), key=lambda m: (m.next_attempt_at, m.id))


def settle(conn: Connection, message_id: str, claimed_until: datetime,
           **values: Any) -> bool:
    """Record an attempt's outcome if our claim still stands (false: another sender
    took the row after our claim ran out; it will record its own)."""
    done = conn.execute(T.update().where(T.c.id == message_id, T.c.state == "sending",
                                         T.c.claimed_until == claimed_until)
                        .values(claimed_until=None, **values))
    return bool(done.rowcount)


def get(conn: Connection, message_id: str) -> OutboxMessage | None:
    row = conn.execute(sa.select(T).where(T.c.id == message_id)).mappings().first()
    return _message(row) if row else None


def listing(conn: Connection, *, state: str | None = None, endpoint_id: str | None = None,
            limit: int = 50) -> list[OutboxMessage]:
    query = sa.select(T).order_by(T.c.created_at.desc(), T.c.id.desc()).limit(limit)
    if state is not None:
        query = query.where(T.c.state == state)
    if endpoint_id is not None:
        query = query.where(T.c.endpoint_id == endpoint_id)
    return [_message(r) for r in conn.execute(query).mappings()]


def counts(conn: Connection) -> dict[str, int]:
    rows = conn.execute(sa.select(T.c.state, sa.func.count()).group_by(T.c.state))
    return {str(state): int(n) for state, n in rows}


def revive(conn: Connection, message_id: str, now: datetime) -> bool:
    """A dead message is due again now, its attempts counted from zero."""
    done = conn.execute(T.update().where(T.c.id == message_id, T.c.state == "dead")
                        .values(state="pending", attempts=0, next_attempt_at=now,
                                last_error=""))
    return bool(done.rowcount)


def purge_sent(conn: Connection, before: datetime, *, limit: int = 5000) -> int:
    """Delete up to ``limit`` messages sent before ``before`` (dead ones are kept)."""
    ids = [row[0] for row in conn.execute(
        sa.select(T.c.id).where(T.c.state == "sent", T.c.sent_at < before).limit(limit))]
    if ids:
        conn.execute(T.delete().where(T.c.id.in_(ids)))
    return len(ids)
