"""What every part of the devices service shares: its ports, the audit helper, the agent
event bell, and the config events that tell agents to re-read their configuration.

Every agent event is written through ``_append_event``, which rings ``event_bell`` for the
agent once the transaction has committed (``Database.after_commit``): a waiting long poll
or WebSocket of this process reads it at once (``web/api/agent_link.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from printwarden.core.clock import Clock
from printwarden.core.errors import ConflictError
from printwarden.core.event_bell import EventBell
from printwarden.core.throttle import AttemptThrottle
from printwarden.db.audit import AuditLog
from printwarden.db.engine import Database
from printwarden.devices import event_store
from printwarden.devices.model import AgentEvent
from printwarden.devices.ports import PriceListCurrencies

T = TypeVar("T")


class DevicesBase:
    def __init__(self, db: Database, clock: Clock, audit: AuditLog, *,
                 price_lists: PriceListCurrencies, enrolment_per_minute: int = 10) -> None:
        self._db = db
        self._clock = clock
        self._audit = audit
        self._price_lists = price_lists
        #: Failed registrations per source (bad codes, names taken): growing delays.
        self._enrol_throttle = AttemptThrottle(clock, per_minute=enrolment_per_minute)
        #: Rung for an agent after each commit that queued an event for it.
        self.event_bell = EventBell()

    def _append_event(self, conn: Connection, agent_id: str, kind: str,
                      payload: dict[str, Any], at: datetime | None = None) -> AgentEvent:
        """Queue an event in the caller's transaction; its agent's waiters wake after the
        commit."""
        event = event_store.append_event(conn, agent_id, kind, payload,
                                         at or self._clock.now())
        self._db.after_commit(conn, lambda: self.event_bell.ring(agent_id))
        return event

    def _write_unique(self, work: Callable[[Connection], T], conflict: str) -> T:
        """``db.write(work)``; a unique or foreign key clash with a concurrent write (two
        admins creating the same name at once) is retried once in a new transaction, which
        then sees the other write and says precisely what clashed ("a device named ...
        already exists"); a second clash is a ConflictError saying ``conflict``."""
        try:
            return self._db.write(work)
        except IntegrityError:
            pass
        try:
            return self._db.write(work)
        except IntegrityError as exc:
            raise ConflictError(conflict) from exc

    def _config_changed(self, conn: Connection, agent_ids: Iterable[str | None], reason: str,
                        **subject: str) -> None:
        """Tell each agent of ``agent_ids`` to re-read its configuration (one event each,
        in the caller's transaction); ``subject`` names what changed (``queue_id``...)."""
        now = self._clock.now()
        for agent_id in sorted({a for a in agent_ids if a}):
            self._append_event(conn, agent_id, "config", {"reason": reason, **subject}, now)


def jsonable(changes: Mapping[str, Any]) -> dict[str, Any]:
    """``changes`` as an audit log detail: JSON scalars as they are, the rest as text."""
    def plain(value: Any) -> Any:
        if isinstance(value, (str, int, bool, type(None))):
            return value
        if isinstance(value, (list, tuple)):
            return [plain(item) for item in value]
        return str(value)

    return {key: plain(value) for key, value in changes.items()}
