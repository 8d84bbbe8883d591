"""Database leases: exactly one server instance runs a piece of scheduled work at a time."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from printwarden.core.clock import Clock
from printwarden.db.core_tables import leases
from printwarden.db.engine import Database


class Lease:
    """``acquire()`` is true while this holder owns ``name``; it expires after ``ttl``."""

    def __init__(self, db: Database, clock: Clock, name: str, holder: str,
                 ttl: timedelta = timedelta(minutes=2)) -> None:
        self._db, self._clock, self.name, self.holder, self._ttl = db, clock, name, holder, ttl

    def acquire(self) -> bool:
        def take(conn: Connection) -> bool:
            now = self._clock.now()
            expires = now + self._ttl
            updated = conn.execute(
                leases.update()
                .where(leases.c.name == self.name)
                .where(sa.or_(leases.c.holder == self.holder, leases.c.expires_at < now))
                .values(holder=self.holder, expires_at=expires)
            )
            if updated.rowcount:
                return True
            exists = conn.execute(
                sa.select(leases.c.name).where(leases.c.name == self.name)
            ).first()
            if exists:
                return False
            try:
                with conn.begin_nested():
                    conn.execute(leases.insert().values(
                        name=self.name, holder=self.holder, expires_at=expires))
            except IntegrityError:
                return False
            return True

        return self._db.write(take)

    def release(self) -> None:
        self._db.write(lambda conn: conn.execute(
            leases.delete().where(leases.c.name == self.name, leases.c.holder == self.holder)))
