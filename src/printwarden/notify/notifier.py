"""``Notifier.emit_in``: the one call a producer makes, inside its write transaction.

It fans an event out, all in the producer's transaction (so a notification exists
exactly when the change that caused it does, and survives a restart):

- a pop-up notice for the user, when the kind concerns one (``events.USER_KINDS``); the
  user's pop-up is woken after the commit (the event bell, keyed by user id);
- an e-mail in the outbox, when the kind's template is enabled, SMTP is configured and
  the user is active with an address;
- one webhook delivery in the outbox per enabled endpoint subscribed to the kind.

Nothing here does I/O beyond the database: the outbox sender sends later, outside any
transaction. A template that fails to render (saved before a check existed, data it did
not expect) falls back to the default template rather than failing the producer.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Protocol

import structlog
from sqlalchemy.engine import Connection

from printwarden.core.clock import Clock
from printwarden.core.event_bell import EventBell
from printwarden.core.ids import new_id
from printwarden.db.engine import Database
from printwarden.notify import notices, outbox_store, store, templates
from printwarden.notify.events import USER_KINDS, check_kind, subscribed
from printwarden.notify.payload import bounded
from printwarden.notify.template_defaults import DEFAULT_TEMPLATES

log = structlog.get_logger("printwarden.notify")


class Person(Protocol):
    """What the notifier reads of a user (``accounts.model.User`` has it)."""

    @property
    def username(self) -> str: ...
    @property
    def full_name(self) -> str: ...
    @property
    def email(self) -> str: ...
    @property
    def active(self) -> bool: ...


UserLookup = Callable[[Connection, str], Person | None]


class Notifier:
    def __init__(self, db: Database, clock: Clock, *, user_in: UserLookup,
                 bell: EventBell | None = None) -> None:
        self._db = db
        self._clock = clock
        self._user_in = user_in
        self._bell = bell
        #: Set after the commit of anything queued: wakes this process's sender.
        self.queued = threading.Event()

    def emit_in(self, conn: Connection, kind: str, *, user_id: str | None,
                data: Mapping[str, Any], once_key: str | None = None,
                at: datetime | None = None) -> str | None:
        """Notify about ``kind`` in ``conn``'s transaction; answers the event id (None
        when ``once_key`` was taken before: that notification went out already)."""
        check_kind(kind)
        now = at or self._clock.now()
        if once_key is not None and not store.take_once(conn, once_key, now):
            return None
        event_id = new_id()
        clean = bounded(data)
        queued = False
        if kind in USER_KINDS and user_id:
            queued = self._tell_user_in(conn, kind, user_id, clean, event_id, now)
        queued = self._queue_webhooks_in(conn, kind, user_id, clean, event_id, now) or queued
        if queued:
            Database.after_commit(conn, self.queued.set)
        return event_id

    def _tell_user_in(self, conn: Connection, kind: str, user_id: str,
                      data: dict[str, Any], event_id: str, now: datetime) -> bool:
        person = self._user_in(conn, user_id)
        who = {"username": person.username if person else "",
               "full_name": person.full_name if person else "",
               "email": person.email if person else ""}
        subject, body, enabled, _ = store.load_template(conn, kind)
        rendered = _render(kind, subject, body, templates.context_for(who, data))
        notices.post_in(conn, user_id=user_id, kind=USER_KINDS[kind], text=rendered.subject,
                        at=now, data={"event": kind, "event_id": event_id, **data})
        if self._bell is not None:
            bell = self._bell
            Database.after_commit(conn, lambda: bell.ring(user_id))
        if not (enabled and person is not None and person.active and person.email):
            return False
        if not store.load_settings(conn).smtp.configured:
            return False
        outbox_store.insert(conn, id=new_id(), channel="email", event=kind,
                            event_id=event_id, endpoint_id=None, recipient=person.email,
                            subject=rendered.subject, body=rendered.body,
                            next_attempt_at=now, created_at=now)
        return True

    def _queue_webhooks_in(self, conn: Connection, kind: str, user_id: str | None,
                           data: dict[str, Any], event_id: str, now: datetime) -> bool:
        endpoints = [e for e in store.list_endpoints(conn, enabled_only=True)
                     if subscribed(e.events, kind)]
        if not endpoints:
            return False
        body = event_body(event_id, kind, now, user_id, data)
        for endpoint in endpoints:
            outbox_store.insert(conn, id=new_id(), channel="webhook", event=kind,
                                event_id=event_id, endpoint_id=endpoint.id,
                                recipient=endpoint.url, subject="", body=body,
                                next_attempt_at=now, created_at=now)
        return True


def event_body(event_id: str, kind: str, at: datetime, user_id: str | None,
               data: Mapping[str, Any]) -> str:
    """A webhook's JSON body: ``id`` (the event, the same for every endpoint), ``type``,
    ``created_at`` (ISO 8601 UTC), ``user_id`` (or null) and ``data``."""
    return json.dumps({"id": event_id, "type": kind, "created_at": at.isoformat(),
                       "user_id": user_id, "data": dict(data)},
                      ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _render(kind: str, subject: str, body: str,
            context: Mapping[str, Any]) -> templates.Rendered:
    try:
        return templates.render(subject, body, context)
    except templates.TemplateRefused as refused:
        log.warning("notify_template_failed", kind=kind, reason=refused.message)
        default_subject, default_body = DEFAULT_TEMPLATES[kind]
        return templates.render(default_subject, default_body, context)
