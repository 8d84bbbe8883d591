"""How the outbox sender reaches the world: ``Mailer`` (SMTP) and ``WebhookPoster``
(HTTP POST). The real ones speak ``smtplib`` and ``httpx``; each raises ``SendFailed``
with a short reason a person can read (shown as the message's last error).
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Protocol

import httpx

from printwarden.notify.model import OutboxMessage, SmtpSettings

#: How much of a receiver's answer we read (for the error text): never its whole body.
MAX_ANSWER_BYTES = 500


class SendFailed(Exception):
    """One attempt failed; ``status`` is the HTTP status when there was one."""

    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason[:480]
        self.status = status


class Mailer(Protocol):
    def send(self, smtp: SmtpSettings, message: EmailMessage) -> None: ...


class WebhookPoster(Protocol):
    def post(self, url: str, headers: Mapping[str, str], body: bytes) -> int: ...


def email_for(smtp: SmtpSettings, message: OutboxMessage) -> EmailMessage:
    """The e-mail of an outbox row; its Message-ID carries the row id (the receiver's
    and our idempotency key: a resend after a crash has the same Message-ID)."""
    domain = smtp.sender.rsplit("@", 1)[-1].strip(" >") or "printwarden.invalid"
    mail = EmailMessage()
    mail["From"] = smtp.sender
    mail["To"] = message.recipient
    mail["Subject"] = message.subject
    mail["Date"] = format_datetime(message.created_at)
    mail["Message-ID"] = f"<{message.id}@{domain}>"
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(message.body)
    return mail


class SmtpMailer:
    """Sends over SMTP: ``starttls`` (upgrade a plain connection), ``ssl`` (TLS from the
    first byte, port 465) or ``none``; logs in when a user name is set."""

    def __init__(self, ssl_context: ssl.SSLContext | None = None) -> None:
        self._context = ssl_context

    def send(self, smtp: SmtpSettings, message: EmailMessage) -> None:
        if not smtp.configured:
            raise SendFailed("SMTP is not configured (host and sender address)")
        context = self._context or ssl.create_default_context()
        try:
            client: smtplib.SMTP
            if smtp.tls == "ssl":
                client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout_seconds,
                                          context=context)
            else:
                client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_seconds)
            with client:
                if smtp.tls == "starttls":
                    client.starttls(context=context)
                if smtp.username:
                    client.login(smtp.username, smtp.password)
                refused = client.send_message(message)
            if refused:
                raise SendFailed(f"recipients refused: {', '.join(refused)[:200]}")
        except smtplib.SMTPResponseException as exc:
            text = exc.smtp_error.decode("utf-8", "replace") if isinstance(
                exc.smtp_error, bytes) else str(exc.smtp_error)
            raise SendFailed(f"SMTP {exc.smtp_code}: {text}") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise SendFailed(f"SMTP: {type(exc).__name__}: {exc}") from None


@dataclass
class HttpPoster:
    """POSTs with httpx: no redirects followed (a 3xx is a failure), a timeout per
    attempt, at most ``MAX_ANSWER_BYTES`` of the answer read."""

    timeout_seconds: float = 10.0
    verify: bool | ssl.SSLContext = True

    def post(self, url: str, headers: Mapping[str, str], body: bytes) -> int:
        try:
            with httpx.Client(timeout=self.timeout_seconds, follow_redirects=False,
                              verify=self.verify) as client, \
                    client.stream("POST", url, headers=dict(headers), content=body) as answer:
                status = answer.status_code
                if 200 <= status < 300:
                    return status
                head = b""
                for chunk in answer.iter_bytes():
                    head += chunk
                    if len(head) >= MAX_ANSWER_BYTES:
                        break
                text = head[:MAX_ANSWER_BYTES].decode("utf-8", "replace").strip()
                raise SendFailed(f"HTTP {status}: {text}"[:480], status)
        except httpx.HTTPError as exc:
            raise SendFailed(f"{type(exc).__name__}: {exc}") from None
