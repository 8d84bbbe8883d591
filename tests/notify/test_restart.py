"""Messages queued when the server stops are delivered by the next one, once: the outbox
is in the database, written in the producer's transaction."""

from __future__ import annotations

from pathlib import Path

from printwarden.core.clock import FixedClock
from printwarden.core.settings import load_server_settings
from printwarden.db.engine import Database
from printwarden.server.bootstrap import build_server
from tests.notify.conftest import use_smtp
from tests.notify.receivers import SmtpSink, WebhookReceiver


def test_queued_mail_and_webhooks_survive_a_restart_and_go_once(
        db: Database, tmp_path: Path, clock: FixedClock, smtp: SmtpSink,
        receiver: WebhookReceiver) -> None:
    settings = load_server_settings(tmp_path / "data", database_url=db.url)
    first = build_server(settings, clock=clock)  # its own engine: a process of its own
    use_smtp(first, smtp.port)
    _, receiver.secret = first.notify.create_endpoint(url=receiver.url, events="*",
                                                      actor="admin")
    user = first.accounts.create_user("alice", email="alice@example.org", actor="test")
    first.db.write(lambda conn: first.notifier.emit_in(
        conn, "job.completed", user_id=user.id,
        data={"job_id": "J1", "title": "thesis.pdf", "queue": "hall", "pages": 3,
              "copies": 1, "charged": "0.15 EUR"}))
    assert first.notify.counts()["pending"] == 2  # the receipt and one delivery
    first.db.dispose()  # stopped before its sender ran

    second = build_server(settings, clock=clock)
    try:
        assert second.notify.send_due().sent == 2
        assert second.notify.send_due().sent == 0
        third = build_server(settings, clock=clock)  # and another restart after it
        assert third.notify.send_due().sent == 0
        third.db.dispose()
    finally:
        second.db.dispose()
    [mail] = smtp.messages
    assert mail["Subject"] == "Receipt: thesis.pdf printed (0.15 EUR)"
    [delivery] = receiver.deliveries
    assert delivery.verified and delivery.body["data"]["job_id"] == "J1"
