"""Rows of the notify tables to models and back: settings, templates, endpoints, once-keys.
The outbox's rows live in ``outbox_store.py``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from printwarden.notify.model import NotifySettings, WebhookEndpoint, settings_from_stored
from printwarden.notify.tables import (
    notify_once,
    notify_settings,
    notify_templates,
    webhook_endpoints,
)
from printwarden.notify.template_defaults import DEFAULT_TEMPLATES

_SETTINGS_ROW = 1


def load_settings(conn: Connection) -> NotifySettings:
    config = conn.execute(sa.select(notify_settings.c.config)
                          .where(notify_settings.c.id == _SETTINGS_ROW)).scalar()
    return settings_from_stored(config)


def save_settings(conn: Connection, settings: NotifySettings, at: datetime) -> None:
    values = {"config": settings.stored(), "updated_at": at}
    updated = conn.execute(notify_settings.update()
                           .where(notify_settings.c.id == _SETTINGS_ROW).values(**values))
    if not updated.rowcount:
        conn.execute(notify_settings.insert().values(id=_SETTINGS_ROW, **values))


def load_template(conn: Connection, kind: str) -> tuple[str, str, bool, bool]:
    """(subject, body, enabled, customised) of ``kind``; the default when not edited."""
    row = conn.execute(sa.select(notify_templates)
                       .where(notify_templates.c.kind == kind)).mappings().first()
    if row is None:
        subject, body = DEFAULT_TEMPLATES[kind]
        return subject, body, True, False
    return row["subject"], row["body"], bool(row["enabled"]), True


def save_template(conn: Connection, kind: str, *, subject: str, body: str, enabled: bool,
                  at: datetime) -> None:
    values = {"subject": subject, "body": body, "enabled": enabled, "updated_at": at}
    updated = conn.execute(notify_templates.update()
                           .where(notify_templates.c.kind == kind).values(**values))
    if not updated.rowcount:
        conn.execute(notify_templates.insert().values(kind=kind, **values))


def reset_template(conn: Connection, kind: str) -> None:
    conn.execute(notify_templates.delete().where(notify_templates.c.kind == kind))


def _endpoint(row: RowMapping) -> WebhookEndpoint:
    return WebhookEndpoint(id=row["id"], url=row["url"], events=tuple(row["events"] or ()),
                           description=row["description"], enabled=bool(row["enabled"]),
                           created_at=row["created_at"])


def list_endpoints(conn: Connection, *, enabled_only: bool = False) -> list[WebhookEndpoint]:
    query = sa.select(webhook_endpoints).order_by(webhook_endpoints.c.created_at,
                                                  webhook_endpoints.c.id)
    if enabled_only:
        query = query.where(webhook_endpoints.c.enabled.is_(True))
    return [_endpoint(r) for r in conn.execute(query).mappings()]


def load_endpoint(conn: Connection, endpoint_id: str) -> WebhookEndpoint | None:
    row = conn.execute(sa.select(webhook_endpoints)
                       .where(webhook_endpoints.c.id == endpoint_id)).mappings().first()
    return _endpoint(row) if row else None


def secret_of(conn: Connection, endpoint_id: str) -> str | None:
    return conn.execute(sa.select(webhook_endpoints.c.secret)
                        .where(webhook_endpoints.c.id == endpoint_id)).scalar()


def insert_endpoint(conn: Connection, endpoint: WebhookEndpoint, secret: str) -> None:
    conn.execute(webhook_endpoints.insert().values(
        id=endpoint.id, url=endpoint.url, secret=secret, events=list(endpoint.events),
        description=endpoint.description, enabled=endpoint.enabled,
        created_at=endpoint.created_at))


def update_endpoint(conn: Connection, endpoint_id: str, **values: Any) -> None:
    if "events" in values:
        values["events"] = list(values["events"])
    conn.execute(webhook_endpoints.update()
                 .where(webhook_endpoints.c.id == endpoint_id).values(**values))


def delete_endpoint(conn: Connection, endpoint_id: str) -> None:
    conn.execute(webhook_endpoints.delete().where(webhook_endpoints.c.id == endpoint_id))


def take_once(conn: Connection, key: str, at: datetime) -> bool:
    """True the first time ``key`` is taken (in this transaction's view); false after."""
    seen = conn.execute(sa.select(notify_once.c.key).where(notify_once.c.key == key)).first()
    if seen is not None:
        return False
    conn.execute(notify_once.insert().values(key=key[:200], created_at=at))
    return True
