"""Webhooks reach a real HTTP receiver that verifies each signature; failures retry with
back-off; subscriptions, disabled and deleted endpoints are honoured."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest

from printwarden.container import ServerContainer
from printwarden.core.clock import FixedClock
from printwarden.core.errors import ValidationError
from printwarden.notify.signing import SignatureError, signature_header, verify_signature
from tests.notify.conftest import BACKOFF_SECONDS
from tests.notify.receivers import WebhookReceiver


def _endpoint(server: ServerContainer, receiver: WebhookReceiver,
              events: object = ("job.completed",)) -> str:
    endpoint, secret = server.notify.create_endpoint(url=receiver.url, events=list(events),
                                                     actor="admin")
    receiver.secret = secret
    return endpoint.id


def _emit(server: ServerContainer, kind: str = "job.completed", **data: object) -> str:
    event_id = server.db.write(lambda conn: server.notifier.emit_in(
        conn, kind, user_id=None, data={"job_id": "J1", **data}))
    assert event_id is not None
    return event_id


def test_a_delivery_is_signed_and_carries_event_and_delivery_headers(
        notify_server: ServerContainer, receiver: WebhookReceiver) -> None:
    _endpoint(notify_server, receiver)
    event_id = _emit(notify_server, pages=12, title="thesis.pdf")

    assert notify_server.notify.send_due().sent == 1

    [delivery] = receiver.deliveries
    assert delivery.verified, delivery.error
    assert delivery.event == "job.completed"
    [sent] = notify_server.notify.messages(state="sent")
    assert delivery.delivery_id == sent.id and sent.last_status == 204
    assert delivery.body["id"] == event_id and delivery.body["type"] == "job.completed"
    assert delivery.body["data"] == {"job_id": "J1", "pages": 12, "title": "thesis.pdf"}


def test_a_non_2xx_answer_is_retried_after_the_back_off_with_the_same_delivery_id(
        notify_server: ServerContainer, receiver: WebhookReceiver,
        clock: FixedClock) -> None:
    _endpoint(notify_server, receiver)
    _emit(notify_server)
    receiver.status, receiver.answer_body = 503, b"busy" * 10_000

    assert notify_server.notify.send_due().retried == 1
    [waiting] = notify_server.notify.messages(state="pending")
    assert waiting.last_status == 503 and waiting.last_error.startswith("HTTP 503: busy")
    assert len(waiting.last_error) <= 500  # the answer read is bounded

    receiver.status = 200
    clock.advance(timedelta(seconds=BACKOFF_SECONDS))
    assert notify_server.notify.send_due().sent == 1
    first, second = receiver.deliveries
    assert first.delivery_id == second.delivery_id  # the receiver can de-duplicate
    assert first.verified and second.verified


def test_an_unreachable_endpoint_is_retried(notify_server: ServerContainer,
                                            clock: FixedClock) -> None:
    gone = WebhookReceiver()
    gone.close()  # nobody listens on its port any more
    endpoint, _ = notify_server.notify.create_endpoint(url=gone.url, events="*",
                                                       actor="admin")
    _emit(notify_server)
    assert notify_server.notify.send_due().retried == 1
    [waiting] = notify_server.notify.messages(endpoint_id=endpoint.id)
    assert waiting.state == "pending" and "Connect" in waiting.last_error


def test_only_subscribed_enabled_endpoints_get_a_delivery(
        notify_server: ServerContainer, receiver: WebhookReceiver) -> None:
    completed_only = _endpoint(notify_server, receiver, ("job.completed",))
    everything, _ = notify_server.notify.create_endpoint(url=receiver.url, events="*",
                                                         actor="admin")
    off, _ = notify_server.notify.create_endpoint(url=receiver.url, events="*",
                                                  enabled=False, actor="admin")
    _emit(notify_server, "ledger.entry")
    queued = notify_server.notify.messages()
    assert [m.endpoint_id for m in queued] == [everything.id]
    notify_server.notify.update_endpoint(completed_only, enabled=False, actor="admin")
    _emit(notify_server, "job.completed")
    assert {m.endpoint_id for m in notify_server.notify.messages()} == {everything.id}
    assert off.id not in {m.endpoint_id for m in notify_server.notify.messages()}


def test_a_delivery_to_a_deleted_endpoint_dies_without_sending(
        notify_server: ServerContainer, receiver: WebhookReceiver,
        clock: FixedClock) -> None:
    endpoint_id = _endpoint(notify_server, receiver)
    _emit(notify_server)
    notify_server.notify.delete_endpoint(endpoint_id, actor="admin")
    for _ in range(3):
        notify_server.notify.send_due()
        clock.advance(timedelta(hours=7))
    [dead] = notify_server.notify.messages(state="dead")
    assert "deleted" in dead.last_error
    assert receiver.deliveries == []


def test_a_test_delivery_goes_to_one_endpoint(notify_server: ServerContainer,
                                              receiver: WebhookReceiver) -> None:
    endpoint_id = _endpoint(notify_server, receiver, ("ledger.entry",))
    delivery_id = notify_server.notify.send_test(endpoint_id, actor="admin")
    notify_server.notify.send_due()
    [delivery] = receiver.deliveries
    assert delivery.delivery_id == delivery_id and delivery.event == "webhook.test"
    assert delivery.verified


def test_a_rotated_secret_signs_the_next_delivery(notify_server: ServerContainer,
                                                  receiver: WebhookReceiver) -> None:
    endpoint_id = _endpoint(notify_server, receiver)
    old = receiver.secret
    _, new = notify_server.notify.update_endpoint(endpoint_id, rotate_secret=True,
                                                  actor="admin")
    assert new and new != old
    receiver.secret = new
    _emit(notify_server)
    notify_server.notify.send_due()
    assert receiver.deliveries[0].verified


@pytest.mark.parametrize("url", [
    "file:///etc/passwd", "gopher://127.0.0.1:70/", "javascript:alert(1)", "ftp://x/",
    "http://", "//example.org/hook", "http://user:pw@example.org/", "http://exa mple/",
    "https://example.org/" + "a" * 2000, "http://example.org:99999/", "",
])
def test_a_webhook_url_that_is_not_plain_http_is_refused(
        notify_server: ServerContainer, url: str) -> None:
    with pytest.raises(ValidationError):
        notify_server.notify.create_endpoint(url=url, events="*", actor="admin")
    assert notify_server.notify.endpoints() == []


def test_unknown_event_types_are_refused(notify_server: ServerContainer) -> None:
    with pytest.raises(ValidationError, match="unknown event type"):
        notify_server.notify.create_endpoint(url="https://example.org/h",
                                             events=["job.completed", "job.exploded"],
                                             actor="admin")


def test_a_huge_payload_is_bounded(notify_server: ServerContainer,
                                   receiver: WebhookReceiver) -> None:
    _endpoint(notify_server, receiver)
    _emit(notify_server, title="t" * 10_000_000, nested=[{"x": "y" * 1000}] * 10_000)
    [queued] = notify_server.notify.messages()
    assert len(queued.body.encode()) <= 40 * 1024
    notify_server.notify.send_due()
    [delivery] = receiver.deliveries
    assert delivery.verified and delivery.body["data"]["truncated"] is True
    assert len(delivery.body["data"]["title"]) <= 2000


# --- the verifier a receiver uses -------------------------------------------------------

SECRET = "whsec_0123456789abcdef"
BODY = json.dumps({"id": "E1", "type": "job.completed"}).encode()


def test_the_verifier_accepts_a_fresh_signature() -> None:
    now = int(time.time())
    assert verify_signature(SECRET, signature_header(SECRET, now, BODY), BODY,
                            now=now + 10) == now


@pytest.mark.parametrize("age", [301, 3600, -301])
def test_a_replayed_signature_outside_the_tolerance_is_refused(age: int) -> None:
    signed_at = int(time.time())
    header = signature_header(SECRET, signed_at, BODY)
    with pytest.raises(SignatureError, match="tolerance"):
        verify_signature(SECRET, header, BODY, now=signed_at + age)


def test_a_changed_body_or_another_secret_is_refused() -> None:
    now = int(time.time())
    header = signature_header(SECRET, now, BODY)
    with pytest.raises(SignatureError, match="does not match"):
        verify_signature(SECRET, header, BODY + b" ", now=now)
    with pytest.raises(SignatureError, match="does not match"):
        verify_signature("whsec_another_secret_1", header, BODY, now=now)
    moved = header.replace(f"t={now}", f"t={now + 1}")  # a re-dated replay
    with pytest.raises(SignatureError, match="does not match"):
        verify_signature(SECRET, moved, BODY, now=now)


@pytest.mark.parametrize("header", ["", "v1=abc", "t=12",
                                    "t=" + "\u0661\u0667" + "\u0660" * 8 + ",v1=ab",
                                    "t=\uff11\uff17\uff10\uff10,v1=ab", "t=" + "9" * 40 + ",v1=ab"])
def test_a_malformed_signature_header_is_refused(header: str) -> None:
    with pytest.raises(SignatureError):
        verify_signature(SECRET, header, BODY, now=time.time())


def test_sent_messages_are_forgotten_after_30_days(
        notify_server: ServerContainer, receiver: WebhookReceiver, clock: FixedClock) -> None:
    _endpoint(notify_server, receiver)
    _emit(notify_server)
    notify_server.notify.send_due()
    clock.advance(timedelta(days=29))
    assert notify_server.notify.purge_sent() == 0
    clock.advance(timedelta(days=2))
    assert notify_server.notify.purge_sent() == 1
    assert notify_server.notify.messages() == []
