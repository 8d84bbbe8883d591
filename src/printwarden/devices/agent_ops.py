"""Agents: enrolment codes, registration, tokens, revocation, and their event queue."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from printwarden.core.errors import (
    AuthenticationFailed,
    ConflictError,
    UnknownToken,
    ValidationError,
)
from printwarden.core.ids import new_id
from printwarden.core.principal import Principal
from printwarden.devices import credentials, event_store, store
from printwarden.devices.model import Agent, AgentEvent, EnrolmentCode
from printwarden.devices.registration import RegisterAgent
from printwarden.devices.service_base import DevicesBase
from printwarden.devices.tables import agents, enrolment_codes

#: Agent events are kept this long; agents offline longer re-read their configuration.
EVENT_RETENTION = timedelta(days=7)
#: An agent's ``last_seen_at`` is written at most this often (no write per request).
LAST_SEEN_RESOLUTION = timedelta(minutes=1)
DEFAULT_CODE_TTL = timedelta(hours=24)


class AgentOps(DevicesBase):
    # --- enrolment and agents ------------------------------------------------------------

    def create_enrolment_code(self, *, actor: str, ttl: timedelta = DEFAULT_CODE_TTL,
                              for_agent_id: str | None = None) -> tuple[str, EnrolmentCode]:
        """A one-time code (shown once) an agent exchanges for its token within ``ttl``.

        With ``for_agent_id`` the code re-enrols that existing agent (a new token, the
        old one stops working); without, it enrols a new agent name only.
        """
        if ttl <= timedelta(0):
            raise ValidationError("an enrolment code needs a positive lifetime")
        code = credentials.new_enrolment_code()
        now = self._clock.now()
        record = EnrolmentCode(id=new_id(), created_at=now, expires_at=now + ttl,
                               created_by=actor, for_agent_id=for_agent_id)

        def write(conn: Connection) -> None:
            if for_agent_id is not None:
                store.get_agent(conn, for_agent_id)  # NotFoundError for an unknown id
            conn.execute(enrolment_codes.insert().values(
                id=record.id, code_hash=credentials.hash_code(code), created_at=now,
                expires_at=record.expires_at, created_by=actor, for_agent_id=for_agent_id,
            ))
            self._audit.record_in(conn, actor, "agent.code.create", record.id,
                                  expires_at=record.expires_at.isoformat(),
                                  for_agent_id=for_agent_id)

        self._db.write(write)
        return code, record

    def list_enrolment_codes(self) -> list[EnrolmentCode]:
        return self._db.read(store.list_codes)

    def register_agent(self, code: str, *, name: str, hostname: str,
                       version: str, source: str = "") -> tuple[Agent, str]:
        """Consume ``code``; create the agent, or rotate the token of the agent the code
        was made for. Failures are throttled per ``source`` (the caller's address)."""
        key = [f"enrol:{source}"]
        self._enrol_throttle.check(key)
        try:
            return self._register(code, name=name, hostname=hostname, version=version)
        except (AuthenticationFailed, ConflictError):
            self._enrol_throttle.record_failure(key)
            raise

    def find_agent_by_name(self, name: str) -> Agent | None:
        return self._db.read(lambda conn: store.find_agent_by(conn, agents.c.name, name))

    def _register(self, code: str, *, name: str, hostname: str,
                  version: str) -> tuple[Agent, str]:
        registration = RegisterAgent(self._clock, code, name=name, hostname=hostname,
                                     version=version)

        def write(conn: Connection) -> tuple[Agent, str]:
            agent, token = registration.run(conn)
            self._audit.record_in(conn, f"agent:{agent.name}", "agent.register", agent.id,
                                  hostname=hostname, version=version)
            return agent, token

        try:
            return self._db.write(write)
        except IntegrityError as exc:  # the same new name registered concurrently
            raise ConflictError(f"agent {name!r} is being registered concurrently") from exc

    def principal_for_agent_token(self, token: str) -> Principal:
        digest = credentials.hash_secret(token)
        # one statement, hence ``lookup`` (no BEGIN/COMMIT round trips on PostgreSQL)
        agent = self._db.lookup(lambda conn: store.find_agent_by_token_hash(conn, digest))
        if agent is None:
            raise UnknownToken("unknown or revoked agent token")
        if not agent.active:
            raise AuthenticationFailed("unknown or revoked agent token")
        now = self._clock.now()
        if agent.last_seen_at is None or now - agent.last_seen_at >= LAST_SEEN_RESOLUTION:
            self._db.write(lambda conn: conn.execute(
                agents.update().where(agents.c.id == agent.id).values(last_seen_at=now)))
        return Principal(kind="agent", id=agent.id, name=agent.name, roles=frozenset({"agent"}))

    def get_agent(self, agent_id: str) -> Agent:
        return self._db.read(lambda conn: store.get_agent(conn, agent_id))

    def get_agent_in(self, conn: Connection, agent_id: str) -> Agent:
        return store.get_agent(conn, agent_id)

    def list_agents(self) -> list[Agent]:
        return self._db.read(store.list_agents)

    def revoke_agent(self, agent_id: str, *, actor: str) -> Agent:
        """The agent's token stops working; a new enrolment code brings it back. (The jobs
        service's ``revoke_agent`` also ends the agent's open jobs: use that one.)"""
        return self._db.write(lambda conn: self.revoke_agent_in(conn, agent_id, actor=actor))

    def revoke_agent_in(self, conn: Connection, agent_id: str, *, actor: str) -> Agent:
        """``revoke_agent`` inside the caller's transaction."""
        store.get_agent(conn, agent_id)
        conn.execute(agents.update().where(agents.c.id == agent_id).values(status="revoked"))
        self._audit.record_in(conn, actor, "agent.revoke", agent_id)
        return store.get_agent(conn, agent_id)

    # --- agent events ----------------------------------------------------------------------

    def append_event_in(self, conn: Connection, agent_id: str | None, kind: str,
                        payload: dict[str, Any]) -> AgentEvent | None:
        """Queue an event for ``agent_id`` in the caller's transaction (None: no agent)."""
        if agent_id is None:
            return None
        return self._append_event(conn, agent_id, kind, payload)

    def enqueue_event(self, agent_id: str, kind: str, payload: dict[str, Any]) -> AgentEvent:
        return self._db.write(lambda conn: self._append_event(conn, agent_id, kind, payload))

    def events_after(self, agent_id: str, after_id: str | None,
                     limit: int = 100) -> list[AgentEvent]:
        """Events for ``agent_id`` with ids greater than ``after_id``, oldest first."""
        return self._db.read(lambda conn: event_store.events_after(
            conn, agent_id, after_id, limit))

    def purge_events(self, older_than: timedelta = EVENT_RETENTION) -> int:
        """Delete events created more than ``older_than`` ago; returns how many."""
        cutoff = self._clock.now() - older_than
        return self._db.write(lambda conn: event_store.purge_events(conn, cutoff))
