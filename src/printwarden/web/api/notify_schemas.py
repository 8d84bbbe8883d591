"""Request and response bodies of the notification API (``web/api/notify.py``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from printwarden.notify.model import OutboxMessage, WebhookEndpoint
from printwarden.notify.service import TemplateView


class SettingsIn(BaseModel):
    """Absent fields keep their value; ``smtp_password`` is write-only (empty keeps it,
    ``smtp_password_clear`` removes it). Numbers may come as ASCII digit strings."""

    model_config = ConfigDict(extra="forbid", strict=True)
    smtp_host: str | None = Field(default=None, max_length=253)
    smtp_port: int | str | None = None
    smtp_from: str | None = Field(default=None, max_length=254)
    smtp_tls: str | None = Field(default=None, max_length=20)
    smtp_username: str | None = Field(default=None, max_length=254)
    smtp_password: str | None = Field(default=None, max_length=500)
    smtp_password_clear: bool | None = None
    smtp_timeout_seconds: float | int | None = None
    expiry_warning_minutes: int | str | None = None

    def changes(self) -> dict[str, Any]:
        return {k: v for k, v in self.model_dump(exclude_unset=True).items() if v is not None}


class TemplateIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    subject: str = Field(max_length=20_000)
    body: str = Field(max_length=40_000)
    enabled: bool = True


class TemplateOut(BaseModel):
    kind: str
    subject: str
    body: str
    enabled: bool
    customised: bool = Field(description="false: the built-in default")

    @classmethod
    def of(cls, view: TemplateView) -> TemplateOut:
        return cls(kind=view.kind, subject=view.subject, body=view.body,
                   enabled=view.enabled, customised=view.customised)


class EndpointIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    url: str = Field(max_length=2000)
    events: list[str] = Field(min_length=1, max_length=20)
    description: str = Field(default="", max_length=200)
    enabled: bool = True
    secret: str | None = Field(default=None, max_length=200,
                               description="your own signing secret; generated if absent")


class EndpointPatch(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    url: str | None = Field(default=None, max_length=2000)
    events: list[str] | None = Field(default=None, min_length=1, max_length=20)
    description: str | None = Field(default=None, max_length=200)
    enabled: bool | None = None
    rotate_secret: bool = False


class EndpointOut(BaseModel):
    id: str
    url: str
    events: list[str]
    description: str
    enabled: bool
    created_at: datetime
    secret: str | None = Field(default=None, description="only when created or rotated")

    @classmethod
    def of(cls, endpoint: WebhookEndpoint, secret: str | None = None) -> EndpointOut:
        return cls(id=endpoint.id, url=endpoint.url, events=list(endpoint.events),
                   description=endpoint.description, enabled=endpoint.enabled,
                   created_at=endpoint.created_at, secret=secret)


class MessageOut(BaseModel):
    id: str = Field(description="the idempotency key: Printwarden-Delivery / Message-ID")
    channel: str
    event: str
    event_id: str
    endpoint_id: str | None
    recipient: str
    subject: str
    state: str
    attempts: int
    next_attempt_at: datetime
    last_error: str
    last_status: int | None
    created_at: datetime
    sent_at: datetime | None

    @classmethod
    def of(cls, message: OutboxMessage) -> MessageOut:
        """The message's fields but its body and claim (every field here is one of it)."""
        return cls(**{name: getattr(message, name) for name in cls.model_fields})
