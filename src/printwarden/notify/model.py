"""Notification settings, webhook endpoints and outbox messages; their validation and the
retry schedule. Pure: no I/O.

Back-off: attempt ``n`` (1-based) that fails is retried ``base * 2**(n-1)`` seconds later,
capped at ``MAX_BACKOFF_SECONDS``; after ``max_attempts`` failed attempts the message is
dead (kept, shown to admins, retried only by hand).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from printwarden.core.errors import ValidationError
from printwarden.notify.events import ALL_EVENTS, WEBHOOK_EVENTS

TLS_MODES = ("starttls", "ssl", "none")
OUTBOX_STATES = ("pending", "sending", "sent", "dead")
CHANNELS = ("email", "webhook")
MAX_BACKOFF_SECONDS = 6 * 3600
MAX_URL_LENGTH = 2000
#: The largest webhook body or e-mail text we queue; larger data is cut (strings first).
MAX_BODY_BYTES = 64 * 1024


@dataclass(frozen=True)
class SmtpSettings:
    host: str = ""
    port: int = 587
    sender: str = ""
    tls: str = "starttls"
    username: str = ""
    password: str = ""
    timeout_seconds: float = 20.0

    @property
    def configured(self) -> bool:
        return bool(self.host and self.sender)


@dataclass(frozen=True)
class NotifySettings:
    """What an admin edits on the notifications page (one row in ``notify_settings``)."""

    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    #: How long before a held job expires its owner is warned (0: never).
    expiry_warning_minutes: int = 60

    def public(self) -> dict[str, Any]:
        """As the API answers it: the password write-only (only whether one is set)."""
        smtp = self.smtp
        return {"smtp_host": smtp.host, "smtp_port": smtp.port, "smtp_from": smtp.sender,
                "smtp_tls": smtp.tls, "smtp_username": smtp.username,
                "smtp_password_set": bool(smtp.password),
                "smtp_timeout_seconds": smtp.timeout_seconds,
                "expiry_warning_minutes": self.expiry_warning_minutes}

    def stored(self) -> dict[str, Any]:
        return {**self.public(), "smtp_password": self.smtp.password}


def _ascii_int(value: Any, name: str, low: int, high: int) -> int:
    """An integer from ASCII digits only (Arabic-Indic or fullwidth digits are refused)."""
    if isinstance(value, bool):
        raise ValidationError(f"{name} must be a whole number")
    if isinstance(value, str):
        text = value.strip()
        if not (text.isascii() and text.isdigit()) or len(text) > 9:
            raise ValidationError(f"{name} must be a whole number from {low} to {high}")
        value = int(text)
    if not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(f"{name} must be a whole number from {low} to {high}")
    return value


def _text(value: Any, name: str, limit: int) -> str:
    text = "" if value is None else str(value).strip()
    if len(text) > limit or any(ch in text for ch in "\r\n\x00"):
        raise ValidationError(f"{name} must be one line of at most {limit} characters")
    return text


def settings_from(data: Mapping[str, Any], current: NotifySettings) -> NotifySettings:
    """Apply an admin's changes (absent keys keep their value; an empty or absent
    ``smtp_password`` keeps the stored one, ``smtp_password_clear`` removes it)."""
    old = current.smtp
    tls = str(data.get("smtp_tls", old.tls))
    if tls not in TLS_MODES:
        raise ValidationError(f"smtp_tls must be one of {', '.join(TLS_MODES)}")
    sender = _text(data.get("smtp_from", old.sender), "smtp_from", 254)
    if sender and ("@" not in sender or " " in sender.split("<")[-1]):
        raise ValidationError("smtp_from must be an e-mail address")
    password = str(data.get("smtp_password") or "")
    if len(password) > 500:
        raise ValidationError("smtp_password is too long")
    if data.get("smtp_password_clear"):
        password = ""
    elif not password:
        password = old.password
    timeout = data.get("smtp_timeout_seconds", old.timeout_seconds)
    try:
        timeout = float(timeout)
    except (TypeError, ValueError):
        raise ValidationError("smtp_timeout_seconds must be a number") from None
    if not 1 <= timeout <= 120:
        raise ValidationError("smtp_timeout_seconds must be from 1 to 120")
    smtp = SmtpSettings(
        host=_text(data.get("smtp_host", old.host), "smtp_host", 253),
        port=_ascii_int(data.get("smtp_port", old.port), "smtp_port", 1, 65535),
        sender=sender, tls=tls,
        username=_text(data.get("smtp_username", old.username), "smtp_username", 254),
        password=password, timeout_seconds=timeout)
    minutes = _ascii_int(data.get("expiry_warning_minutes", current.expiry_warning_minutes),
                         "expiry_warning_minutes", 0, 10080)
    return NotifySettings(smtp=smtp, expiry_warning_minutes=minutes)


def settings_from_stored(data: Mapping[str, Any] | None) -> NotifySettings:
    if not data:
        return NotifySettings()
    stored = dict(data)
    stored.setdefault("smtp_password", "")
    return settings_from(stored, NotifySettings())


@dataclass(frozen=True)
class WebhookEndpoint:
    id: str
    url: str
    events: tuple[str, ...]
    description: str
    enabled: bool
    created_at: datetime


def check_webhook_url(url: str) -> str:
    """An absolute ``http``/``https`` URL with a host, no credentials, at most 2000
    characters (``file:``, ``gopher:``, ``javascript:`` ... are refused)."""
    text = (url or "").strip()
    if not text or len(text) > MAX_URL_LENGTH or any(ord(ch) < 33 for ch in text):
        raise ValidationError(f"url must be an http or https URL of at most "
                              f"{MAX_URL_LENGTH} characters, without spaces")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise ValidationError("url is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError("url must start with http:// or https:// and name a host")
    if parts.username or parts.password:
        raise ValidationError("url must not carry a user name or password")
    del port
    return text


def check_events(events: Any) -> tuple[str, ...]:
    if isinstance(events, str):
        events = [e.strip() for e in events.replace(",", " ").split()]
    if not isinstance(events, list | tuple) or not events:
        raise ValidationError("events must list at least one event type (or *)")
    chosen: list[str] = []
    for event in events:
        if not isinstance(event, str) or (event != ALL_EVENTS and event not in WEBHOOK_EVENTS):
            raise ValidationError(f"unknown event type {str(event)[:40]!r}; known: "
                                  f"{', '.join(WEBHOOK_EVENTS)} or *")
        if event not in chosen:
            chosen.append(event)
    return tuple(chosen)


def check_secret(secret: str) -> str:
    text = secret.strip()
    if not 16 <= len(text) <= 200 or not text.isascii() or not text.isprintable():
        raise ValidationError("secret must be 16 to 200 printable ASCII characters")
    return text


@dataclass(frozen=True)
class OutboxMessage:
    id: str
    channel: str
    event: str
    event_id: str
    endpoint_id: str | None
    recipient: str
    subject: str
    body: str
    state: str
    attempts: int
    next_attempt_at: datetime
    last_error: str
    last_status: int | None
    created_at: datetime
    sent_at: datetime | None
    #: While ``sending``: until when this claim holds (the sender settles against it).
    claimed_until: datetime | None = None


def backoff(attempts: int, base_seconds: float) -> timedelta:
    """The wait after the ``attempts``-th failed attempt."""
    exponent = min(max(attempts - 1, 0), 30)
    return timedelta(seconds=min(base_seconds * (2 ** exponent), MAX_BACKOFF_SECONDS))
