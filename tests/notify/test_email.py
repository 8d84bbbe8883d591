"""E-mails arrive at a real SMTP server (aiosmtpd); SMTP down means queued and retried with
back-off, dead after the last attempt, and an admin's retry sends it."""

from __future__ import annotations

from datetime import timedelta

from printwarden.container import ServerContainer
from printwarden.core.clock import FixedClock
from printwarden.notify.notices import since
from tests.notify.conftest import BACKOFF_SECONDS, MAX_ATTEMPTS, use_smtp
from tests.notify.receivers import SmtpSink


def _alice(server: ServerContainer, email: str = "alice@example.org") -> str:
    return server.accounts.create_user("alice", full_name="Alice Liddell", email=email,
                                       actor="test").id


def _deny(server: ServerContainer, user_id: str, title: str = "thesis.pdf") -> str | None:
    return server.db.write(lambda conn: server.notifier.emit_in(
        conn, "job.denied", user_id=user_id,
        data={"job_id": "J1", "title": title, "queue": "hall", "reason": "no credit",
              "cost": "3.00 EUR", "balance": "1.20 EUR"}))


def test_a_denial_arrives_by_email_with_the_outbox_id_as_message_id(
        notify_server: ServerContainer, smtp: SmtpSink) -> None:
    use_smtp(notify_server, smtp.port)
    _deny(notify_server, _alice(notify_server))
    [queued] = notify_server.notify.messages(state="pending")
    assert queued.channel == "email" and queued.recipient == "alice@example.org"

    report = notify_server.notify.send_due()

    assert report.sent == 1
    [mail] = smtp.messages
    assert mail["To"] == "alice@example.org"
    assert mail["From"] == "print@example.org"
    assert mail["Subject"] == "Your print job thesis.pdf was not printed"
    assert mail["Message-ID"] == f"<{queued.id}@example.org>"
    body = mail.get_content()
    assert "Hello Alice Liddell" in body and "no credit" in body and "1.20 EUR" in body
    assert notify_server.notify.messages(state="sent")[0].id == queued.id
    assert notify_server.notify.send_due().sent == 0  # sent once, never again


def test_smtp_down_queues_and_retries_until_it_comes_back(
        notify_server: ServerContainer, clock: FixedClock) -> None:
    down = SmtpSink()  # its port, nobody listening yet
    use_smtp(notify_server, down.port)
    _deny(notify_server, _alice(notify_server))

    first = notify_server.notify.send_due()
    assert first.retried == 1 and first.sent == 0
    [waiting] = notify_server.notify.messages(state="pending")
    assert waiting.attempts == 1 and "SMTP" in waiting.last_error
    assert waiting.next_attempt_at == clock.now() + timedelta(seconds=BACKOFF_SECONDS)
    assert notify_server.notify.send_due().retried == 0  # not due before its back-off

    down.start()
    try:
        clock.advance(timedelta(seconds=BACKOFF_SECONDS))
        assert notify_server.notify.send_due().sent == 1
        assert len(down.messages) == 1
    finally:
        down.stop()


def test_a_message_is_dead_after_the_last_attempt_and_an_admin_retry_sends_it(
        notify_server: ServerContainer, clock: FixedClock) -> None:
    sink = SmtpSink()
    use_smtp(notify_server, sink.port)
    _deny(notify_server, _alice(notify_server))
    waits = []
    for _ in range(MAX_ATTEMPTS):
        notify_server.notify.send_due()
        [message] = notify_server.notify.messages()
        waits.append(message.next_attempt_at - clock.now())
        clock.advance(timedelta(hours=7))
    assert waits[:2] == [timedelta(seconds=BACKOFF_SECONDS),
                         timedelta(seconds=2 * BACKOFF_SECONDS)]  # doubling
    [dead] = notify_server.notify.messages(state="dead")
    assert dead.attempts == MAX_ATTEMPTS
    assert notify_server.notify.counts()["dead"] == 1
    assert notify_server.notify.send_due().sent == 0  # dead stays dead

    sink.start()
    try:
        revived = notify_server.notify.retry(dead.id, actor="admin")
        assert revived.state == "pending" and revived.attempts == 0
        assert notify_server.notify.send_due().sent == 1
        assert len(sink.messages) == 1
    finally:
        sink.stop()


def test_no_email_without_an_address_an_enabled_template_or_smtp(
        notify_server: ServerContainer, smtp: SmtpSink) -> None:
    nobody = notify_server.accounts.create_user("bob", actor="test").id
    alice = _alice(notify_server)
    _deny(notify_server, alice)  # SMTP not configured yet: no e-mail queued
    assert notify_server.notify.messages() == []
    use_smtp(notify_server, smtp.port)
    _deny(notify_server, nobody)  # no address
    template = notify_server.notify.template("job.denied")
    notify_server.notify.save_template("job.denied", subject=template.subject,
                                       body=template.body, enabled=False, actor="test")
    _deny(notify_server, alice)  # template disabled
    assert notify_server.notify.messages() == []
    # ... yet every one of them told the pop-up
    notices = notify_server.db.read(lambda conn: since(conn, alice))
    assert [n.kind for n in notices] == ["denied", "denied"]


def test_an_edited_template_is_what_the_user_receives(
        notify_server: ServerContainer, smtp: SmtpSink) -> None:
    use_smtp(notify_server, smtp.port)
    notify_server.notify.save_template(
        "job.denied", subject="Refused: {{ title | upper }}",
        body="{% for w in reason.split() %}[{{ w }}]{% endfor %}\n", enabled=True,
        actor="test")
    _deny(notify_server, _alice(notify_server), title="poster.pdf")
    notify_server.notify.send_due()
    [mail] = smtp.messages
    assert mail["Subject"] == "Refused: POSTER.PDF"
    assert mail.get_content().strip() == "[no][credit]"


def test_a_huge_title_is_bounded_in_the_mail_and_the_notice(
        notify_server: ServerContainer, smtp: SmtpSink) -> None:
    use_smtp(notify_server, smtp.port)
    _deny(notify_server, _alice(notify_server), title="x" * 5_000_000)
    [queued] = notify_server.notify.messages()
    assert len(queued.subject) <= 300 and len(queued.body) < 100_000
    assert notify_server.notify.send_due().sent == 1
