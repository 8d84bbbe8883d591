"""Agent registration: exchange a one-time enrolment code for an agent token.

Runs inside one write transaction. The code is claimed with a conditional UPDATE
(``used_at IS NULL``), so of two registrations racing with one code exactly one wins.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from printwarden.core.clock import Clock
from printwarden.core.errors import AuthenticationFailed, ValidationError
from printwarden.core.ids import new_id
from printwarden.devices import credentials, store
from printwarden.devices.model import Agent
from printwarden.devices.tables import agents, enrolment_codes

_BAD_CODE = ("enrolment code {code!r} is unknown, already used or expired: ask your "
             "administrator for a new one ('printwarden admin agent-code')")


class RegisterAgent:
    """One registration attempt; ``run`` may be retried by the database on contention."""

    def __init__(self, clock: Clock, code: str, *, name: str, hostname: str,
                 version: str) -> None:
        name = name.strip()
        if not name or len(name) > 100:
            raise ValidationError("an agent needs a name of 1 to 100 characters")
        if len(hostname) > 255 or len(version) > 50:
            raise ValidationError("agent hostname (255) or version (50) is too long")
        self._clock = clock
        self._code = code
        self._name = name
        self._hostname = hostname
        self._version = version
        self._token = credentials.new_agent_token()

    def run(self, conn: Connection) -> tuple[Agent, str]:
        now = self._clock.now()
        code_hash = credentials.hash_code(self._code)
        row = conn.execute(
            sa.select(enrolment_codes.c.id, enrolment_codes.c.expires_at)
            .where(enrolment_codes.c.code_hash == code_hash)
        ).first()
        if row is None or now >= row.expires_at:
            raise AuthenticationFailed(_BAD_CODE.format(code=self._code))
        claimed = conn.execute(
            enrolment_codes.update()
            .where(enrolment_codes.c.id == row.id, enrolment_codes.c.used_at.is_(None))
            .values(used_at=now)
        )
        if claimed.rowcount != 1:
            raise AuthenticationFailed(_BAD_CODE.format(code=self._code))
        token_hash = credentials.hash_secret(self._token)
        existing = store.find_agent_by(conn, agents.c.name, self._name)
        if existing is None:
            agent_id = new_id()
            conn.execute(agents.insert().values(
                id=agent_id, name=self._name, hostname=self._hostname, version=self._version,
                token_hash=token_hash, enrolled_at=now, last_seen_at=now, status="active",
            ))
        else:  # re-enrolment: rotate the token, the old one stops working
            agent_id = existing.id
            conn.execute(agents.update().where(agents.c.id == agent_id).values(
                hostname=self._hostname, version=self._version, token_hash=token_hash,
                enrolled_at=now, last_seen_at=now, status="active",
            ))
        conn.execute(enrolment_codes.update().where(enrolment_codes.c.id == row.id)
                     .values(used_by_agent_id=agent_id))
        return store.get_agent(conn, agent_id), self._token
