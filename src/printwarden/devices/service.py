"""Devices use cases: agents and enrolment, printers (queues) and printer groups."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from printwarden.core.clock import Clock
from printwarden.core.errors import (
    AuthenticationFailed,
    ConflictError,
    ValidationError,
)
from printwarden.core.ids import new_id
from printwarden.core.principal import Principal
from printwarden.core.throttle import AttemptThrottle
from printwarden.db.audit import AuditLog
from printwarden.db.engine import Database
from printwarden.devices import credentials, event_store, store
from printwarden.devices.event_store import config_changed
from printwarden.devices.model import (
    Agent,
    AgentEvent,
    EnrolmentCode,
    PricedQueue,
    Printer,
    PrinterGroup,
    changed_group,
    changed_printer,
    check_group,
    effective_price_list,
)
from printwarden.devices.registration import RegisterAgent
from printwarden.devices.tables import agents, enrolment_codes, printer_groups, printers

#: Agent events are kept this long; agents offline longer re-read their configuration.
EVENT_RETENTION = timedelta(days=7)
#: An agent's ``last_seen_at`` is written at most this often (no write per request).
LAST_SEEN_RESOLUTION = timedelta(minutes=1)
DEFAULT_CODE_TTL = timedelta(hours=24)
TRUSTED_NETWORK_WARNING = ("this queue believes requesting-user-name: anyone who can reach "
                           "it can print as, and charge, any user")


class DevicesService:
    def __init__(self, db: Database, clock: Clock, audit: AuditLog, *,
                 enrolment_per_minute: int = 10) -> None:
        self._db = db
        self._clock = clock
        self._audit = audit
        #: Failed registrations per source (bad codes, names taken): growing delays.
        self._enrol_throttle = AttemptThrottle(clock, per_minute=enrolment_per_minute)

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
        if agent is None or not agent.active:
            raise AuthenticationFailed("unknown or revoked agent token")
        now = self._clock.now()
        if agent.last_seen_at is None or now - agent.last_seen_at >= LAST_SEEN_RESOLUTION:
            self._db.write(lambda conn: conn.execute(
                agents.update().where(agents.c.id == agent.id).values(last_seen_at=now)))
        return Principal(kind="agent", id=agent.id, name=agent.name, roles=frozenset({"agent"}))

    def get_agent(self, agent_id: str) -> Agent:
        return self._db.read(lambda conn: store.get_agent(conn, agent_id))

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

    # --- printer groups --------------------------------------------------------------------

    def create_group(self, name: str, *, actor: str, price_list_id: str | None = None,
                     description: str = "") -> PrinterGroup:
        group = check_group(PrinterGroup(id=new_id(), name=name, price_list_id=price_list_id,
                                         description=description))

        def write(conn: Connection) -> PrinterGroup:
            if store.name_taken(conn, printer_groups, name):
                raise ConflictError(f"a printer group named {name!r} already exists")
            conn.execute(printer_groups.insert().values(
                id=group.id, name=group.name, price_list_id=group.price_list_id,
                description=group.description))
            self._audit.record_in(conn, actor, "printer_group.create", group.id, name=name)
            return group

        return self._db.write(write)

    def update_group(self, group_id: str, changes: Mapping[str, Any], *,
                     actor: str) -> PrinterGroup:
        def write(conn: Connection) -> PrinterGroup:
            group = changed_group(store.get_group(conn, group_id), changes)
            if store.name_taken(conn, printer_groups, group.name, except_id=group_id):
                raise ConflictError(f"a printer group named {group.name!r} already exists")
            conn.execute(printer_groups.update().where(printer_groups.c.id == group_id).values(
                name=group.name, price_list_id=group.price_list_id,
                description=group.description))
            self._audit.record_in(conn, actor, "printer_group.update", group_id,
                                  changes=_jsonable(changes))
            return group

        return self._db.write(write)

    def get_group(self, group_id: str) -> PrinterGroup:
        return self._db.read(lambda conn: store.get_group(conn, group_id))

    def list_groups(self) -> list[PrinterGroup]:
        return self._db.read(store.list_groups)

    # --- printers --------------------------------------------------------------------------

    def create_printer(self, name: str, *, actor: str, **options: Any) -> Printer:
        """A new queue; ``options`` are ``Printer`` fields (agent_id, device_uri, ...)."""
        base = Printer(id=new_id(), name=name, created_at=self._clock.now())
        printer = changed_printer(base, options)

        def write(conn: Connection) -> Printer:
            self._check_references(conn, printer)
            if store.name_taken(conn, printers, printer.name):
                raise ConflictError(f"a printer named {printer.name!r} already exists")
            conn.execute(printers.insert().values(**store.printer_values(printer)))
            self._audit.record_in(conn, actor, "printer.create", printer.id, name=printer.name)
            self._audit_trust(conn, actor, None, printer)
            config_changed(conn, self._clock.now(), {printer.agent_id}, printer,
                           "printer created")
            return printer

        return self._db.write(write)

    def update_printer(self, printer_id: str, changes: Mapping[str, Any], *,
                       actor: str) -> Printer:
        def write(conn: Connection) -> Printer:
            before = store.get_printer(conn, printer_id)
            printer = changed_printer(before, changes)
            self._check_references(conn, printer)
            if store.name_taken(conn, printers, printer.name, except_id=printer_id):
                raise ConflictError(f"a printer named {printer.name!r} already exists")
            conn.execute(printers.update().where(printers.c.id == printer_id)
                         .values(**store.printer_values(printer)))
            self._audit.record_in(conn, actor, "printer.update", printer_id,
                                  changes=_jsonable(changes))
            self._audit_trust(conn, actor, before, printer)
            config_changed(conn, self._clock.now(), {before.agent_id, printer.agent_id}, printer,
                           "printer updated")
            return printer

        return self._db.write(write)

    def delete_printer(self, printer_id: str, *, actor: str) -> Printer | None:
        """Delete a queue with no jobs (returns None); one with jobs is disabled and returned."""

        def write(conn: Connection) -> Printer | None:
            printer = store.get_printer(conn, printer_id)
            try:
                with conn.begin_nested():
                    conn.execute(printers.delete().where(printers.c.id == printer_id))
                result: Printer | None = None
                action = "printer.delete"
            except IntegrityError:  # jobs refer to it: keep the history, stop serving
                conn.execute(printers.update().where(printers.c.id == printer_id)
                             .values(enabled=False))
                result = store.get_printer(conn, printer_id)
                action = "printer.disable"
            self._audit.record_in(conn, actor, action, printer_id, name=printer.name)
            config_changed(conn, self._clock.now(), {printer.agent_id}, printer,
                           action.replace(".", " "))
            return result

        return self._db.write(write)

    def get_printer(self, printer_id: str) -> Printer:
        return self._db.read(lambda conn: store.get_printer(conn, printer_id))

    def get_printer_in(self, conn: Connection, printer_id: str) -> Printer:
        """``get_printer`` inside the caller's transaction."""
        return store.get_printer(conn, printer_id)

    def find_printer_by_name(self, name: str) -> Printer | None:
        return self._db.read(lambda conn: store.find_printer_by_name(conn, name))

    def find_printer_by_name_in(self, conn: Connection, name: str) -> Printer | None:
        """``find_printer_by_name`` inside the caller's transaction."""
        return store.find_printer_by_name(conn, name)

    def list_printers(self) -> list[Printer]:
        return self._db.read(store.list_printers)

    def queues_for_agent(self, agent_id: str) -> list[Printer]:
        """The enabled queues ``agent_id`` should serve (its pushed configuration)."""
        return self._db.read(lambda conn: store.list_printers(
            conn, agent_id=agent_id, enabled_only=True))

    def price_list_for_printer(self, printer: PricedQueue) -> str | None:
        """The printer's price list, else its group's; ``None`` = the default list."""
        if printer.price_list_id or printer.group_id is None:
            return printer.price_list_id
        return self._db.read(lambda conn: self.price_list_for_printer_in(conn, printer))

    def price_list_for_printer_in(self, conn: Connection,
                                  printer: PricedQueue) -> str | None:
        """``price_list_for_printer`` inside the caller's transaction."""
        if printer.price_list_id or printer.group_id is None:
            return printer.price_list_id
        return effective_price_list(printer, store.get_group(conn, printer.group_id))

    # --- agent events ----------------------------------------------------------------------

    # --- release targets (until devices and queues are split: a queue is its device) ---

    def release_targets_in(self, conn: Connection, queue_id: str) -> list[Printer]:
        """The devices a held job of ``queue_id`` may be released to."""
        return [self.get_printer_in(conn, queue_id)]

    def device_in(self, conn: Connection, device_id: str) -> Printer:
        return self.get_printer_in(conn, device_id)

    def price_list_for_device_in(self, conn: Connection, device: PricedQueue) -> str | None:
        return self.price_list_for_printer_in(conn, device)

    def append_event_in(self, conn: Connection, agent_id: str | None, kind: str,
                        payload: dict[str, Any]) -> AgentEvent | None:
        """Queue an event for ``agent_id`` in the caller's transaction (None: no agent)."""
        if agent_id is None:
            return None
        return event_store.append_event(conn, agent_id, kind, payload, self._clock.now())

    def enqueue_event(self, agent_id: str, kind: str, payload: dict[str, Any]) -> AgentEvent:
        return self._db.write(lambda conn: event_store.append_event(
            conn, agent_id, kind, payload, self._clock.now()))

    def events_after(self, agent_id: str, after_id: str | None,
                     limit: int = 100) -> list[AgentEvent]:
        """Events for ``agent_id`` with ids greater than ``after_id``, oldest first."""
        return self._db.read(lambda conn: event_store.events_after(
            conn, agent_id, after_id, limit))

    def purge_events(self, older_than: timedelta = EVENT_RETENTION) -> int:
        """Delete events created more than ``older_than`` ago; returns how many."""
        cutoff = self._clock.now() - older_than
        return self._db.write(lambda conn: event_store.purge_events(conn, cutoff))

    # --- helpers ---------------------------------------------------------------------------

    def _audit_trust(self, conn: Connection, actor: str, before: Printer | None,
                     after: Printer) -> None:
        """A queue that starts believing requesting-user-name gets its own audit line."""
        trusted = after.owner_check == "trusted-network"
        if trusted and (before is None or before.owner_check != "trusted-network"):
            self._audit.record_in(conn, actor, "printer.trust_network", after.id,
                                  name=after.name, warning=TRUSTED_NETWORK_WARNING)

    def _check_references(self, conn: Connection, printer: Printer) -> None:
        if printer.agent_id is not None:
            store.get_agent(conn, printer.agent_id)
        if printer.group_id is not None:
            store.get_group(conn, printer.group_id)


def _jsonable(changes: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value if isinstance(value, (str, int, bool, type(None))) else str(value)
            for key, value in changes.items()}

