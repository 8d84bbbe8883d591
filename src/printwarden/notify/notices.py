"""The notices a user's pop-up shows: posted inside the producer's transaction, read by
cursor (the notice id), so a pop-up that reconnects misses nothing and shows nothing twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from printwarden.notify.tables import user_notices

#: What a notice may be about (the pop-up chooses an icon and a tone from it).
NOTICE_KINDS = ("denied", "low-balance", "completed", "held", "expiring", "info")
MAX_NOTICES_PER_READ = 200


@dataclass(frozen=True)
class Notice:
    id: int
    user_id: str
    kind: str
    text: str
    created_at: datetime
    data: Mapping[str, Any] = field(default_factory=dict)


def post_in(conn: Connection, *, user_id: str, kind: str, text: str, at: datetime,
            data: Mapping[str, Any] | None = None) -> int:
    """Record a notice for ``user_id``; answers its id (the pop-up's cursor)."""
    if kind not in NOTICE_KINDS:
        raise ValueError(f"unknown notice kind {kind!r}")
    result = conn.execute(user_notices.insert().values(
        user_id=user_id, kind=kind, text=text[:1000], data=dict(data or {}), created_at=at))
    key = result.inserted_primary_key
    return int(key[0]) if key else 0


def since(conn: Connection, user_id: str, after_id: int = 0, *,
          limit: int = MAX_NOTICES_PER_READ) -> list[Notice]:
    """The user's notices after ``after_id``, oldest first (at most ``limit``)."""
    rows = conn.execute(
        sa.select(user_notices).where(user_notices.c.user_id == user_id,
                                      user_notices.c.id > after_id)
        .order_by(user_notices.c.id).limit(max(1, min(limit, MAX_NOTICES_PER_READ)))
    ).mappings()
    return [Notice(int(r["id"]), r["user_id"], r["kind"], r["text"], r["created_at"],
                   dict(r["data"] or {})) for r in rows]


def last_id(conn: Connection, user_id: str) -> int:
    """The id of the user's latest notice (0 when none): a new pop-up starts after it."""
    value = conn.execute(sa.select(sa.func.max(user_notices.c.id))
                         .where(user_notices.c.user_id == user_id)).scalar()
    return int(value or 0)
