"""The admin audit log: who changed what, append-only."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from printwarden.core.clock import Clock
from printwarden.core.ids import new_id
from printwarden.db.core_tables import audit_log
from printwarden.db.engine import Database


class AuditLog:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def record_in(self, conn: Connection, actor: str, action: str, target: str = "",
                  **detail: Any) -> None:
        """Record inside the caller's transaction: the change and its audit line commit together."""
        conn.execute(audit_log.insert().values(
            id=new_id(), at=self._clock.now(), actor=actor, action=action, target=target,
            detail=detail,
        ))

    def record_many_in(self, conn: Connection, actor: str,
                       lines: list[tuple[str, str, dict[str, Any]]]) -> None:
        """Record ``(action, target, detail)`` lines in one statement (bulk imports)."""
        if lines:
            at = self._clock.now()
            conn.execute(audit_log.insert(), [
                {"id": new_id(), "at": at, "actor": actor, "action": action,
                 "target": target, "detail": detail} for action, target, detail in lines])

    def record(self, actor: str, action: str, target: str = "", **detail: Any) -> None:
        self._db.write(lambda conn: self.record_in(conn, actor, action, target, **detail))

    def recent(self, limit: int = 50) -> list[dict[str, Any]]:
        def read(conn: Connection) -> list[dict[str, Any]]:
            rows = conn.execute(
                sa.select(audit_log).order_by(audit_log.c.at.desc(), audit_log.c.id.desc())
                .limit(limit)
            ).mappings()
            return [dict(row) for row in rows]

        return self._db.read(read)
