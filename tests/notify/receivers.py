"""Real receivers for the notification tests: an SMTP server (aiosmtpd) that keeps what
it is sent, and an HTTP webhook receiver that verifies every signature as our docs tell
receivers to, de-duplicates on the delivery id and answers a status the test chooses."""

from __future__ import annotations

import email
import email.policy
import http.server
import json
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from printwarden.notify.signing import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    SignatureError,
    verify_signature,
)
from tests.support.postgres import free_port


class _Keeper:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.arrived = threading.Condition()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.content if isinstance(envelope.content, bytes) else \
            str(envelope.content).encode()
        message = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self.arrived:
            self.messages.append(message)
            self.arrived.notify_all()
        return "250 OK"


class SmtpSink:
    """An SMTP server on ``port`` (started by ``start``; stop it to make SMTP "down")."""

    def __init__(self, port: int | None = None, **options: Any) -> None:
        self.port = port or free_port()
        self._keeper = _Keeper()
        self._options = options
        self._controller: Controller | None = None

    @property
    def messages(self) -> list[EmailMessage]:
        return list(self._keeper.messages)

    def start(self) -> SmtpSink:
        self._controller = Controller(self._keeper, hostname="127.0.0.1", port=self.port,
                                      **self._options)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@dataclass
class Delivery:
    delivery_id: str
    event: str
    body: dict[str, Any]
    verified: bool
    error: str = ""


@dataclass
class WebhookReceiver:
    """``http://127.0.0.1:PORT/hook``: verifies with ``secret`` (set it after creating the
    endpoint), answers ``status`` (a test flips it to 500 to make it fail)."""

    secret: str = ""
    status: int = 204
    port: int = field(default_factory=free_port)
    deliveries: list[Delivery] = field(default_factory=list)
    answer_body: bytes = b""

    def __post_init__(self) -> None:
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length)
                verified, error = True, ""
                try:
                    verify_signature(receiver.secret, self.headers.get(SIGNATURE_HEADER, ""),
                                     raw, now=time.time())
                except SignatureError as exc:
                    verified, error = False, str(exc)
                receiver.deliveries.append(Delivery(
                    self.headers.get(DELIVERY_HEADER, ""), self.headers.get(EVENT_HEADER, ""),
                    json.loads(raw), verified, error))
                self.send_response(receiver.status if verified else 400)
                self.send_header("Content-Length", str(len(receiver.answer_body)))
                self.end_headers()
                self.wfile.write(receiver.answer_body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def unique_ids(self) -> set[str]:
        return {d.delivery_id for d in self.deliveries}

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
