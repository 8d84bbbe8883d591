"""``NotifyService``: what administrators do with notifications (settings, e-mail
templates, webhook endpoints, the outbox and its dead messages), and the sender's entry
point for the server's notify task. Every change is audited; secrets never come back.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from sqlalchemy.engine import Connection

from printwarden.core.clock import Clock
from printwarden.core.errors import NotFoundError, ValidationError
from printwarden.core.ids import is_id, new_id
from printwarden.db.audit import AuditLog
from printwarden.db.engine import Database
from printwarden.notify import outbox_store, store
from printwarden.notify.events import TEMPLATE_KINDS
from printwarden.notify.model import (
    OUTBOX_STATES,
    NotifySettings,
    OutboxMessage,
    WebhookEndpoint,
    check_events,
    check_secret,
    check_webhook_url,
    settings_from,
)
from printwarden.notify.notifier import Notifier, event_body
from printwarden.notify.sender import OutboxSender, SendReport
from printwarden.notify.templates import Rendered
from printwarden.notify.templates import check as check_template

MAX_LISTING = 200
#: How long a sent message stays in the outbox (its delivery history) before the scheduler
#: deletes it; dead messages stay until an admin retries them.
KEEP_SENT = timedelta(days=30)


@dataclass(frozen=True)
class TemplateView:
    kind: str
    subject: str
    body: str
    enabled: bool
    customised: bool


def _kind(kind: str) -> str:
    if kind not in TEMPLATE_KINDS:
        raise NotFoundError(f"no e-mail template {kind[:40]!r}; there are "
                            f"{', '.join(TEMPLATE_KINDS)}")
    return kind


def _description(text: Any) -> str:
    value = "" if text is None else str(text).strip()
    if len(value) > 200:
        raise ValidationError("description must be at most 200 characters")
    return value


class NotifyService:
    def __init__(self, db: Database, clock: Clock, audit: AuditLog, *, notifier: Notifier,
                 sender: OutboxSender) -> None:
        self._db = db
        self._clock = clock
        self._audit = audit
        self.notifier = notifier
        self.sender = sender

    # --- settings -------------------------------------------------------------------------

    def settings(self) -> NotifySettings:
        return self._db.read(store.load_settings)

    def update_settings(self, changes: Mapping[str, Any], *, actor: str) -> NotifySettings:
        def work(conn: Connection) -> NotifySettings:
            updated = settings_from(changes, store.load_settings(conn))
            store.save_settings(conn, updated, self._clock.now())
            self._audit.record_in(conn, actor, "notify.settings_updated", "notify",
                                  fields=sorted(k for k in changes if k != "smtp_password"),
                                  password_changed=bool(changes.get("smtp_password")))
            return updated

        return self._db.write(work)

    # --- templates ------------------------------------------------------------------------

    def templates(self) -> list[TemplateView]:
        return self._db.read(lambda conn: [self._template_in(conn, k) for k in TEMPLATE_KINDS])

    def template(self, kind: str) -> TemplateView:
        return self._db.read(lambda conn: self._template_in(conn, _kind(kind)))

    @staticmethod
    def _template_in(conn: Connection, kind: str) -> TemplateView:
        subject, body, enabled, customised = store.load_template(conn, kind)
        return TemplateView(kind, subject, body, enabled, customised)

    def preview(self, kind: str, subject: str, body: str) -> Rendered:
        """The template rendered with the kind's sample data (``TemplateRefused`` when it
        cannot be saved)."""
        return check_template(_kind(kind), subject, body)

    def save_template(self, kind: str, *, subject: str, body: str, enabled: bool,
                      actor: str) -> TemplateView:
        check_template(_kind(kind), subject, body)

        def work(conn: Connection) -> TemplateView:
            store.save_template(conn, kind, subject=subject, body=body, enabled=enabled,
                                at=self._clock.now())
            self._audit.record_in(conn, actor, "notify.template_saved", kind,
                                  enabled=enabled)
            return self._template_in(conn, kind)

        return self._db.write(work)

    def reset_template(self, kind: str, *, actor: str) -> TemplateView:
        def work(conn: Connection) -> TemplateView:
            store.reset_template(conn, _kind(kind))
            self._audit.record_in(conn, actor, "notify.template_reset", kind)
            return self._template_in(conn, kind)

        return self._db.write(work)

    # --- webhook endpoints ----------------------------------------------------------------

    def endpoints(self) -> list[WebhookEndpoint]:
        return self._db.read(store.list_endpoints)

    def endpoint(self, endpoint_id: str) -> WebhookEndpoint:
        return self._db.read(lambda conn: self._endpoint_in(conn, endpoint_id))

    @staticmethod
    def _endpoint_in(conn: Connection, endpoint_id: str) -> WebhookEndpoint:
        found = store.load_endpoint(conn, endpoint_id) if is_id(endpoint_id) else None
        if found is None:
            raise NotFoundError(f"no webhook endpoint {endpoint_id[:40]!r}")
        return found

    def create_endpoint(self, *, url: str, events: Any, description: str = "",
                        secret: str | None = None, enabled: bool = True,
                        actor: str) -> tuple[WebhookEndpoint, str]:
        """A new endpoint and its signing secret (generated unless given): the only time
        the secret is answered."""
        endpoint = WebhookEndpoint(
            id=new_id(), url=check_webhook_url(url), events=check_events(events),
            description=_description(description), enabled=enabled,
            created_at=self._clock.now())
        the_secret = check_secret(secret) if secret else "whsec_" + secrets.token_urlsafe(32)

        def work(conn: Connection) -> WebhookEndpoint:
            store.insert_endpoint(conn, endpoint, the_secret)
            self._audit.record_in(conn, actor, "notify.endpoint_created", endpoint.id,
                                  url=endpoint.url, events=list(endpoint.events))
            return endpoint

        return self._db.write(work), the_secret

    def update_endpoint(self, endpoint_id: str, *, actor: str, url: str | None = None,
                        events: Any = None, description: str | None = None,
                        enabled: bool | None = None,
                        rotate_secret: bool = False) -> tuple[WebhookEndpoint, str | None]:
        """Change an endpoint; with ``rotate_secret`` a new secret (answered once)."""
        values: dict[str, Any] = {}
        if url is not None:
            values["url"] = check_webhook_url(url)
        if events is not None:
            values["events"] = check_events(events)
        if description is not None:
            values["description"] = _description(description)
        if enabled is not None:
            values["enabled"] = bool(enabled)
        new_secret = "whsec_" + secrets.token_urlsafe(32) if rotate_secret else None
        if new_secret is not None:
            values["secret"] = new_secret

        def work(conn: Connection) -> WebhookEndpoint:
            current = self._endpoint_in(conn, endpoint_id)
            if values:
                store.update_endpoint(conn, endpoint_id, **values)
            changed = sorted(k for k in values if k != "secret")
            self._audit.record_in(conn, actor, "notify.endpoint_updated", endpoint_id,
                                  fields=changed, secret_rotated=rotate_secret)
            shown = {k: v for k, v in values.items() if k != "secret"}
            return replace(current, **shown)

        return self._db.write(work), new_secret

    def delete_endpoint(self, endpoint_id: str, *, actor: str) -> None:
        def work(conn: Connection) -> None:
            self._endpoint_in(conn, endpoint_id)
            store.delete_endpoint(conn, endpoint_id)
            self._audit.record_in(conn, actor, "notify.endpoint_deleted", endpoint_id)

        self._db.write(work)

    def send_test(self, endpoint_id: str, *, actor: str) -> str:
        """Queue a ``webhook.test`` delivery to one endpoint; answers its delivery id."""
        def work(conn: Connection) -> str:
            endpoint = self._endpoint_in(conn, endpoint_id)
            now = self._clock.now()
            event_id, delivery_id = new_id(), new_id()
            outbox_store.insert(
                conn, id=delivery_id, channel="webhook", event="webhook.test",
                event_id=event_id, endpoint_id=endpoint.id, recipient=endpoint.url,
                subject="", body=event_body(event_id, "webhook.test", now, None,
                                            {"endpoint_id": endpoint.id}),
                next_attempt_at=now, created_at=now)
            self._audit.record_in(conn, actor, "notify.endpoint_tested", endpoint_id,
                                  delivery_id=delivery_id)
            Database.after_commit(conn, self.notifier.queued.set)
            return delivery_id

        return self._db.write(work)

    # --- the outbox -----------------------------------------------------------------------

    def messages(self, *, state: str | None = None, endpoint_id: str | None = None,
                 limit: int = 50) -> list[OutboxMessage]:
        if state is not None and state not in OUTBOX_STATES:
            raise ValidationError(f"state must be one of {', '.join(OUTBOX_STATES)}")
        count = max(1, min(limit, MAX_LISTING))
        return self._db.read(lambda conn: outbox_store.listing(
            conn, state=state, endpoint_id=endpoint_id, limit=count))

    def counts(self) -> dict[str, int]:
        found = self._db.read(outbox_store.counts)
        return {state: found.get(state, 0) for state in OUTBOX_STATES}

    def retry(self, message_id: str, *, actor: str) -> OutboxMessage:
        """Make a dead message due again (its attempts start over)."""
        def work(conn: Connection) -> OutboxMessage:
            message = outbox_store.get(conn, message_id) if is_id(message_id) else None
            if message is None:
                raise NotFoundError(f"no outbox message {message_id[:40]!r}")
            if not outbox_store.revive(conn, message_id, self._clock.now()):
                raise ValidationError(f"message {message_id} is {message.state}: only a "
                                      "dead message can be retried")
            self._audit.record_in(conn, actor, "notify.message_retried", message_id)
            Database.after_commit(conn, self.notifier.queued.set)
            revived = outbox_store.get(conn, message_id)
            assert revived is not None
            return revived

        return self._db.write(work)

    def send_due(self) -> SendReport:
        return self.sender.send_due()

    def purge_sent(self) -> int:
        """Forget messages sent more than ``KEEP_SENT`` ago (the scheduler, each tick)."""
        before = self._clock.now() - KEEP_SENT
        return self._db.write(lambda conn: outbox_store.purge_sent(conn, before))
