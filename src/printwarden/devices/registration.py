"""Agent registration: exchange a one-time enrolment code for an agent token.

Runs inside one write transaction. The code is claimed with a conditional UPDATE
(``used_at IS NULL``), so of two registrations racing with one code exactly one wins.

A code made for an agent (``for_agent_id``) re-enrols that agent only: it rotates its
token, and the name given must be its name. A code made without an agent enrols a NEW
name only: given an existing agent's name it is refused (ConflictError) and stays unused,
so holding a code never lets anyone take over an enrolled agent.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from printwarden.core.clock import Clock
from printwarden.core.errors import AuthenticationFailed, ConflictError, ValidationError
from printwarden.core.ids import new_id
from printwarden.devices import credentials, store
from printwarden.devices.model import Agent
from printwarden.devices.tables import agents, enrolment_codes

_BAD_CODE = ("enrolment code {code!r} is unknown, already used or expired: ask your "
             "administrator for a new one ('printwarden admin agent-code')")
_NAME_TAKEN = ("an agent named {name!r} is already enrolled; re-enrolling it needs a code "
               "made for that agent ('printwarden admin agent-code --agent {name}' or "
               "POST /api/v1/agents/{agent_id}/enrolment-codes); this code was not used")
_WRONG_AGENT = ("this enrolment code was made for agent {bound!r}, not {name!r}; "
                "it was not used")


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
            sa.select(enrolment_codes.c.id, enrolment_codes.c.expires_at,
                      enrolment_codes.c.for_agent_id)
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
        if row.for_agent_id is not None:
            bound = store.get_agent(conn, row.for_agent_id)
            if existing is None or existing.id != bound.id:
                raise ConflictError(_WRONG_AGENT.format(bound=bound.name, name=self._name))
        elif existing is not None:
            raise ConflictError(_NAME_TAKEN.format(name=self._name, agent_id=existing.id))
        if existing is None:
            agent_id = new_id()
            conn.execute(agents.insert().values(
                id=agent_id, name=self._name, hostname=self._hostname, version=self._version,
                token_hash=token_hash, enrolled_at=now, last_seen_at=now, status="active",
            ))
        else:  # re-enrolment with a code made for it: rotate the token, the old one stops
            agent_id = existing.id
            conn.execute(agents.update().where(agents.c.id == agent_id).values(
                hostname=self._hostname, version=self._version, token_hash=token_hash,
                enrolled_at=now, last_seen_at=now, status="active",
            ))
        conn.execute(enrolment_codes.update().where(enrolment_codes.c.id == row.id)
                     .values(used_by_agent_id=agent_id))
        return store.get_agent(conn, agent_id), self._token
