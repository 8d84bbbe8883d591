"""Terminals: one-time enrolment codes for a device, registration, tokens, revocation.

A code is made for one device. Exchanging it creates that device's terminal, or rotates
the token of the terminal it already has (the old token stops working at once), so a
device never has two live terminals and a terminal is never moved to another device.
The code is claimed with a conditional UPDATE (``used_at IS NULL``): of two exchanges
racing with one code exactly one wins. Failed exchanges are throttled per source.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from printwarden.core.clock import Clock
from printwarden.core.errors import AuthenticationFailed, UnknownToken, ValidationError
from printwarden.core.ids import new_id
from printwarden.core.principal import Principal
from printwarden.core.throttle import AttemptThrottle
from printwarden.db.audit import AuditLog
from printwarden.db.engine import Database
from printwarden.devices import credentials
from printwarden.release import terminal_store
from printwarden.release.tables import terminal_codes, terminals
from printwarden.release.terminal_model import (
    TERMINAL_ROLE,
    TERMINAL_TOKEN_PREFIX,
    Terminal,
    TerminalCode,
)

DEFAULT_CODE_TTL = timedelta(hours=24)
#: ``last_seen_at`` is written at most this often (no write per request).
LAST_SEEN_RESOLUTION = timedelta(minutes=1)
_BAD_CODE = ("terminal enrolment code is unknown, already used or expired: ask your "
             "administrator for a new one ('printwarden admin terminal-code DEVICE')")


class TerminalDevices(Protocol):
    def device_in(self, conn: Connection, device_id: str) -> object:
        """The device (NotFoundError when there is none)."""
        ...


def hash_code(code: str) -> str:
    return credentials.hash_secret("terminal-enrolment:" + credentials.normalise_code(code))


def new_terminal_token() -> str:
    return TERMINAL_TOKEN_PREFIX + secrets.token_urlsafe(24)


class TerminalService:
    def __init__(self, db: Database, clock: Clock, audit: AuditLog, *,
                 devices: TerminalDevices, enrolment_per_minute: int = 10) -> None:
        self._db = db
        self._clock = clock
        self._audit = audit
        self._devices = devices
        self._throttle = AttemptThrottle(clock, per_minute=enrolment_per_minute)

    def create_code(self, device_id: str, *, actor: str,
                    ttl: timedelta = DEFAULT_CODE_TTL) -> tuple[str, TerminalCode]:
        """A one-time code (shown once) that enrols the terminal of ``device_id``."""
        if ttl <= timedelta(0):
            raise ValidationError("an enrolment code needs a positive lifetime")
        code = credentials.new_enrolment_code()
        now = self._clock.now()
        record = TerminalCode(id=new_id(), device_id=device_id, created_at=now,
                              expires_at=now + ttl, created_by=actor)

        def write(conn: Connection) -> None:
            self._devices.device_in(conn, device_id)
            conn.execute(terminal_codes.insert().values(
                id=record.id, device_id=device_id, code_hash=hash_code(code),
                created_at=now, expires_at=record.expires_at, created_by=actor))
            self._audit.record_in(conn, actor, "terminal.code.create", record.id,
                                  device_id=device_id,
                                  expires_at=record.expires_at.isoformat())

        self._db.write(write)
        return code, record

    def list_codes(self) -> list[TerminalCode]:
        return self._db.read(terminal_store.list_codes)

    def register(self, code: str, *, hostname: str, version: str,
                 source: str = "") -> tuple[Terminal, str]:
        """Consume ``code``: the device's terminal and its new token (shown once)."""
        if len(hostname) > 255 or len(version) > 50:
            raise ValidationError("terminal hostname (255) or version (50) is too long")
        key = [f"terminal-enrol:{source}"]
        self._throttle.check(key)
        token = new_terminal_token()
        try:
            return self._db.write(lambda conn: (
                self._register_in(conn, code, token, hostname, version), token))
        except AuthenticationFailed:
            self._throttle.record_failure(key)
            raise

    def _register_in(self, conn: Connection, code: str, token: str, hostname: str,
                     version: str) -> Terminal:
        now = self._clock.now()
        row = conn.execute(
            sa.select(terminal_codes.c.id, terminal_codes.c.expires_at,
                      terminal_codes.c.device_id)
            .where(terminal_codes.c.code_hash == hash_code(code))).first()
        if row is None or now >= row.expires_at:
            raise AuthenticationFailed(_BAD_CODE)
        claimed = conn.execute(
            terminal_codes.update()
            .where(terminal_codes.c.id == row.id, terminal_codes.c.used_at.is_(None))
            .values(used_at=now))
        if claimed.rowcount != 1:
            raise AuthenticationFailed(_BAD_CODE)
        values = dict(token_hash=credentials.hash_secret(token), hostname=hostname,
                      version=version, enrolled_at=now, last_seen_at=now, status="active")
        existing = terminal_store.find_terminal_by(conn, terminals.c.device_id, row.device_id)
        if existing is None:
            terminal_id = new_id()
            conn.execute(terminals.insert().values(id=terminal_id, device_id=row.device_id,
                                                   **values))
        else:  # re-enrolment: the old token stops working
            terminal_id = existing.id
            conn.execute(terminals.update().where(terminals.c.id == terminal_id)
                         .values(**values))
        conn.execute(terminal_codes.update().where(terminal_codes.c.id == row.id)
                     .values(used_by_terminal_id=terminal_id))
        self._audit.record_in(conn, f"terminal:{terminal_id}", "terminal.register",
                              terminal_id, device_id=row.device_id, hostname=hostname,
                              rotated=existing is not None)
        return terminal_store.get_terminal(conn, terminal_id)

    def principal_for_token(self, token: str) -> Principal:
        """The terminal's principal: kind and role ``terminal``; its id is the terminal's."""
        digest = credentials.hash_secret(token)
        terminal = self._db.lookup(lambda conn: terminal_store.find_terminal_by(
            conn, terminals.c.token_hash, digest))
        if terminal is None:
            raise UnknownToken("unknown or revoked terminal token")
        if not terminal.active:
            raise AuthenticationFailed("unknown or revoked terminal token")
        now = self._clock.now()
        if terminal.last_seen_at is None or now - terminal.last_seen_at >= LAST_SEEN_RESOLUTION:
            self._db.write(lambda conn: conn.execute(
                terminals.update().where(terminals.c.id == terminal.id)
                .values(last_seen_at=now)))
        return Principal(kind="terminal", id=terminal.id, name=f"terminal:{terminal.id}",
                         roles=frozenset({TERMINAL_ROLE}))

    def get_terminal(self, terminal_id: str) -> Terminal:
        return self._db.read(lambda conn: terminal_store.get_terminal(conn, terminal_id))

    def list_terminals(self) -> list[Terminal]:
        return self._db.read(terminal_store.list_terminals)

    def revoke(self, terminal_id: str, *, actor: str) -> Terminal:
        """The token stops working; a new code for its device enrols it again."""

        def write(conn: Connection) -> Terminal:
            terminal_store.get_terminal(conn, terminal_id)
            conn.execute(terminals.update().where(terminals.c.id == terminal_id)
                         .values(status="revoked"))
            self._audit.record_in(conn, actor, "terminal.revoke", terminal_id)
            return terminal_store.get_terminal(conn, terminal_id)

        return self._db.write(write)
