"""The outbox sender: claim due messages, send each outside any transaction, record the
outcome (sent; retry after the back-off; dead after the last attempt).

Safe to run in several server processes at once: each claims its rows (``outbox_store``)
so no message is sent by two of them. A process that dies mid-send leaves a claim that
runs out after ``claim_seconds``; the message is then sent again with the same id, which
receivers de-duplicate on (``Printwarden-Delivery``, the Message-ID).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta

import structlog
from sqlalchemy.engine import Connection

from printwarden.core.clock import Clock
from printwarden.db.engine import Database
from printwarden.notify import outbox_store, store
from printwarden.notify.model import OutboxMessage, backoff
from printwarden.notify.signing import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    signature_header,
)
from printwarden.notify.transports import Mailer, SendFailed, WebhookPoster, email_for

log = structlog.get_logger("printwarden.notify")


@dataclass(frozen=True)
class SendReport:
    sent: int = 0
    retried: int = 0
    dead: int = 0


class OutboxSender:
    def __init__(self, db: Database, clock: Clock, *, mailer: Mailer, poster: WebhookPoster,
                 max_attempts: int = 8, backoff_seconds: float = 30.0,
                 claim_seconds: float = 120.0) -> None:
        self._db = db
        self._clock = clock
        self._mailer = mailer
        self._poster = poster
        self.max_attempts = max_attempts
        self.backoff_seconds = backoff_seconds
        self._claim = timedelta(seconds=claim_seconds)

    def send_due(self, *, limit: int = 50) -> SendReport:
        """Send what is due now, once; answers what happened."""
        claimed = self._db.write(lambda conn: outbox_store.claim(
            conn, now=self._clock.now(), hold=self._claim, limit=limit,
            postgres=self._db.dialect == "postgresql"))
        sent = retried = dead = 0
        for message in claimed:
            outcome = self._attempt(message)
            sent += outcome == "sent"
            retried += outcome == "pending"
            dead += outcome == "dead"
        return SendReport(sent, retried, dead)

    def _attempt(self, message: OutboxMessage) -> str:
        error, status = "", None
        try:
            status = self._deliver(message)
        except SendFailed as failed:
            error, status = failed.reason, failed.status
        except Exception as exc:  # a transport bug must not stop the other messages
            log.exception("notify_send_crashed", message_id=message.id)
            error = f"{type(exc).__name__}: {exc}"[:480]
        return self._db.write(lambda conn: self._record(conn, message, error, status))

    def _record(self, conn: Connection, message: OutboxMessage, error: str,
                status: int | None) -> str:
        now = self._clock.now()
        attempts = message.attempts + 1
        claim = message.claimed_until
        assert claim is not None  # a claimed message always has one
        if not error:
            outbox_store.settle(conn, message.id, claim, state="sent", attempts=attempts,
                                sent_at=now, last_error="", last_status=status)
            return "sent"
        state = "dead" if attempts >= self.max_attempts else "pending"
        outbox_store.settle(conn, message.id, claim, state=state, attempts=attempts,
                            next_attempt_at=now + backoff(attempts, self.backoff_seconds),
                            last_error=error, last_status=status)
        log.warning("notify_send_failed", message_id=message.id, channel=message.channel,
                    attempts=attempts, state=state, error=error)
        return state

    def _deliver(self, message: OutboxMessage) -> int | None:
        if message.channel == "email":
            smtp = self._db.read(store.load_settings).smtp
            self._mailer.send(smtp, email_for(smtp, message))
            return None
        endpoint_id = message.endpoint_id or ""
        endpoint, secret = self._db.read(
            lambda conn: (store.load_endpoint(conn, endpoint_id),
                          store.secret_of(conn, endpoint_id)))
        if endpoint is None or secret is None:
            raise SendFailed("the endpoint was deleted")
        if not endpoint.enabled and message.event != "webhook.test":
            raise SendFailed("the endpoint is disabled")
        body = message.body.encode("utf-8")
        headers = {"Content-Type": "application/json",
                   "User-Agent": "printwarden-webhooks/1",
                   EVENT_HEADER: message.event, DELIVERY_HEADER: message.id,
                   SIGNATURE_HEADER: signature_header(secret, int(time.time()), body)}
        return self._poster.post(endpoint.url, headers, body)
