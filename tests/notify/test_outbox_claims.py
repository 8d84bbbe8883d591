"""Two senders (two server processes: two engines on one database) never send a message
twice; a sender that dies mid-send leaves a claim that runs out, then the message goes."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy.engine import Connection

from printwarden.container import ServerContainer
from printwarden.core.clock import FixedClock
from printwarden.db.engine import Database
from printwarden.notify import outbox_store
from printwarden.notify.sender import OutboxSender
from printwarden.notify.transports import HttpPoster, SmtpMailer
from tests.notify.receivers import WebhookReceiver

MESSAGES = 40


def _queue(server: ServerContainer, receiver: WebhookReceiver, count: int) -> None:
    endpoint, receiver.secret = server.notify.create_endpoint(url=receiver.url, events="*",
                                                              actor="admin")
    del endpoint

    def emit_all(conn: Connection) -> None:
        for n in range(count):
            server.notifier.emit_in(conn, "ledger.entry", user_id=None, data={"n": n})

    server.db.write(emit_all)


def test_two_senders_at_once_send_each_message_exactly_once(
        notify_server: ServerContainer, receiver: WebhookReceiver, clock: FixedClock) -> None:
    _queue(notify_server, receiver, MESSAGES)
    other_process = Database(notify_server.db.url)
    senders = [
        OutboxSender(db, clock, mailer=SmtpMailer(), poster=HttpPoster(5.0))
        for db in (notify_server.db, other_process)]
    start = threading.Barrier(2)
    sent: list[int] = []

    def run(sender: OutboxSender) -> None:
        start.wait()
        while (report := sender.send_due(limit=5)).sent:
            sent.append(report.sent)

    try:
        threads = [threading.Thread(target=run, args=(s,)) for s in senders]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        other_process.dispose()

    assert sum(sent) == MESSAGES
    assert len(receiver.deliveries) == MESSAGES  # none twice
    assert len(receiver.unique_ids()) == MESSAGES
    assert all(d.verified for d in receiver.deliveries)
    assert notify_server.notify.counts()["sent"] == MESSAGES


def test_a_claim_of_a_sender_that_died_runs_out_and_the_message_is_sent_then(
        notify_server: ServerContainer, receiver: WebhookReceiver, clock: FixedClock) -> None:
    _queue(notify_server, receiver, 1)
    db = notify_server.db
    # a sender claims the message and dies before it sends or records anything
    [claimed] = db.write(lambda conn: outbox_store.claim(
        conn, now=clock.now(), hold=timedelta(seconds=120), limit=10,
        postgres=db.dialect == "postgresql"))
    assert notify_server.notify.send_due().sent == 0  # still claimed: left alone

    clock.advance(timedelta(seconds=121))
    assert notify_server.notify.send_due().sent == 1
    [delivery] = receiver.deliveries
    assert delivery.delivery_id == claimed.id
    # the dead sender's late record changes nothing: its claim is gone
    assert not db.write(lambda conn: outbox_store.settle(
        conn, claimed.id, claimed.claimed_until or clock.now(), state="pending"))
    assert notify_server.notify.messages()[0].state == "sent"
