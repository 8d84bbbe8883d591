"""Site remotes: created by an admin with a one-time enrolment code, enrolled with it
for a token, then known by that token on every feed call.

Only hashes are stored (sha256, as agents' codes and tokens). The code is claimed with a
conditional UPDATE (``code_hash`` still set), so of two enrolments racing with one code
exactly one wins; a used, wrong or expired code is refused with one message that does not
say which (a guesser learns nothing). Enrolling again needs a new code
(``new_code``): it rotates the token, the old one stops working.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from printwarden.core.clock import Clock
from printwarden.core.errors import (
    AuthenticationFailed,
    ConflictError,
    NotFoundError,
    ValidationError,
)
from printwarden.core.ids import new_id
from printwarden.core.principal import Principal
from printwarden.core.throttle import AttemptThrottle
from printwarden.db.audit import AuditLog
from printwarden.db.engine import Database
from printwarden.devices.credentials import hash_code, hash_secret, new_enrolment_code
from printwarden.sync.model import RemoteSite, RemoteStatus, lag
from printwarden.sync.reconcile import problem_counts
from printwarden.sync.tables import sync_remotes

REMOTE_TOKEN_PREFIX = "pwr_"
_BAD_CODE = ("remote enrolment code is unknown, already used or expired: ask central's "
             "administrator for a new one ('printwarden admin remotes add NAME' or "
             "'printwarden admin remotes code NAME')")
MAX_TTL = timedelta(days=30)


def _site(row: Any) -> RemoteSite:
    return RemoteSite(id=row.id, name=row.name, hostname=row.hostname,
                      created_at=row.created_at, enrolled_at=row.enrolled_at,
                      last_contact_at=row.last_contact_at, acked_version=row.acked_version,
                      code_pending=row.code_hash is not None,
                      code_expires_at=row.code_expires_at,
                      outbox_acked_seq=int(row.outbox_acked_seq or 0),
                      pending_entries=row.pending_entries)


class Remotes:
    def __init__(self, db: Database, clock: Clock, audit: AuditLog, *,
                 enrolment_per_minute: int = 10) -> None:
        self._db = db
        self._clock = clock
        self._audit = audit
        self._throttle = AttemptThrottle(clock, per_minute=enrolment_per_minute)

    def create(self, name: str, *, actor: str,
               ttl: timedelta = timedelta(hours=24)) -> tuple[RemoteSite, str]:
        """A new remote named ``name`` and its one-time enrolment code (shown once)."""
        name = name.strip()
        if not name or len(name) > 100 or not name.isprintable():
            raise ValidationError("a remote needs a printable name of 1 to 100 characters")
        expires, code = self._code(ttl)

        def run(conn: Connection) -> RemoteSite:
            if self._find(conn, sync_remotes.c.name, name) is not None:
                raise ConflictError(f"a remote named {name!r} exists; a new code for it: "
                                    f"'printwarden admin remotes code {name}'")
            remote_id = new_id()
            conn.execute(sync_remotes.insert().values(
                id=remote_id, name=name, code_hash=hash_code(code), code_expires_at=expires,
                created_at=self._clock.now(), created_by=actor))
            self._audit.record_in(conn, actor, "remote.create", remote_id, name=name,
                                  code_expires_at=expires.isoformat())
            return self._get(conn, remote_id)

        return self._db.write(run), code

    def new_code(self, name: str, *, actor: str,
                 ttl: timedelta = timedelta(hours=24)) -> tuple[RemoteSite, str]:
        """A fresh one-time code for remote ``name`` (re-enrolment rotates its token)."""
        expires, code = self._code(ttl)

        def run(conn: Connection) -> RemoteSite:
            found = self._find(conn, sync_remotes.c.name, name.strip())
            if found is None:
                raise NotFoundError(f"no remote named {name!r}")
            conn.execute(sync_remotes.update().where(sync_remotes.c.id == found.id)
                         .values(code_hash=hash_code(code), code_expires_at=expires))
            self._audit.record_in(conn, actor, "remote.code", found.id, name=found.name,
                                  code_expires_at=expires.isoformat())
            return self._get(conn, found.id)

        return self._db.write(run), code

    def _code(self, ttl: timedelta) -> tuple[Any, str]:
        if not timedelta(minutes=1) <= ttl <= MAX_TTL:
            raise ValidationError("an enrolment code lives 1 minute to 30 days")
        return self._clock.now() + ttl, new_enrolment_code()

    def enrol(self, code: str, *, hostname: str = "", source: str = "") -> tuple[RemoteSite,
                                                                                str]:
        """Exchange a one-time code for the remote's token (answered once, stored hashed).
        Failures are throttled per ``source`` (the caller's address)."""
        if len(code) > 100 or len(hostname) > 255:
            raise ValidationError("enrolment code (100) or hostname (255) is too long")
        key = [f"remote-enrol:{source}"]
        self._throttle.check(key)
        try:
            return self._enrol(code, hostname)
        except AuthenticationFailed:
            self._throttle.record_failure(key)
            raise

    def _enrol(self, code: str, hostname: str) -> tuple[RemoteSite, str]:
        token = REMOTE_TOKEN_PREFIX + secrets.token_urlsafe(24)

        def run(conn: Connection) -> RemoteSite:
            now = self._clock.now()
            found = self._find(conn, sync_remotes.c.code_hash, hash_code(code))
            if found is None or found.code_expires_at is None or now >= found.code_expires_at:
                raise AuthenticationFailed(_BAD_CODE)
            claimed = conn.execute(
                sync_remotes.update().where(sync_remotes.c.id == found.id,
                                            sync_remotes.c.code_hash == hash_code(code))
                .values(code_hash=None, code_expires_at=None, token_hash=hash_secret(token),
                        hostname=hostname, enrolled_at=now, last_contact_at=now,
                        acked_version=None))
            if claimed.rowcount != 1:
                raise AuthenticationFailed(_BAD_CODE)
            self._audit.record_in(conn, f"remote:{found.name}", "remote.enrol", found.id,
                                  hostname=hostname)
            return self._get(conn, found.id)

        return self._db.write(run), token

    def principal_for_token(self, token: str) -> Principal:
        row = self._db.lookup(lambda conn: self._find(conn, sync_remotes.c.token_hash,
                                                      hash_secret(token)))
        if row is None:
            raise AuthenticationFailed("unknown or revoked token")
        return Principal(kind="remote", id=row.id, name=row.name, roles=frozenset({"remote"}))

    def record_contact(self, remote_id: str, acked_version: int | None,
                       pending: int | None = None) -> None:
        """The remote called: its last contact now, and (when it said) its version and
        how many ledger entries it holds unacked."""
        values: dict[str, Any] = {"last_contact_at": self._clock.now()}
        if acked_version is not None:
            values["acked_version"] = acked_version
        if pending is not None:
            values["pending_entries"] = pending
        self._db.write(lambda conn: conn.execute(
            sync_remotes.update().where(sync_remotes.c.id == remote_id).values(**values)))

    def list(self, head: int) -> list[RemoteStatus]:
        def read(conn: Connection) -> tuple[Any, dict[str, tuple[int, int]]]:
            return (conn.execute(sa.select(sync_remotes).order_by(sync_remotes.c.name)).all(),
                    problem_counts(conn))

        rows, counts = self._db.read(read)
        return [RemoteStatus(site, lag(head, site.acked_version),
                             *counts.get(site.id, (0, 0)))
                for site in map(_site, rows)]

    @staticmethod
    def _find(conn: Connection, column: sa.Column[Any], value: str) -> Any:
        return conn.execute(sa.select(sync_remotes).where(column == value)).first()

    def _get(self, conn: Connection, remote_id: str) -> RemoteSite:
        return _site(conn.execute(sa.select(sync_remotes)
                                  .where(sync_remotes.c.id == remote_id)).one())
