"""The producers wired to the notifier: a completion's receipt and webhooks, every ledger
entry's webhook, the warning before a held job expires (once), the pop-up's bell."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy.engine import Connection

from printwarden.container import ServerContainer
from printwarden.core.clock import FixedClock
from printwarden.devices.queue_model import DEFAULT_HELD_JOB_LIFETIME_SECONDS
from printwarden.notify.notices import since
from printwarden.server.scheduler import Scheduler
from tests.jobs.world import World, make_world
from tests.notify.conftest import use_smtp
from tests.notify.receivers import SmtpSink, WebhookReceiver


def _world(server: ServerContainer, receiver: WebhookReceiver) -> World:
    world = make_world(server)
    server.accounts.update_user(world.user_id, email="alice@example.org", actor="test")
    _, receiver.secret = server.notify.create_endpoint(url=receiver.url, events="*",
                                                       actor="admin")
    return world


def test_a_completed_job_sends_the_receipt_its_webhook_and_its_ledger_entry(
        notify_server: ServerContainer, smtp: SmtpSink, receiver: WebhookReceiver) -> None:
    world = _world(notify_server, receiver)
    use_smtp(notify_server, smtp.port)
    decision = notify_server.jobs.authorize(world.agent, world.request(pages=3, copies=2))
    notify_server.jobs.complete(world.agent, decision.job_id, status="completed")
    notify_server.jobs.complete(world.agent, decision.job_id, status="completed")  # repeat

    notify_server.notify.send_due()

    [receipt] = smtp.messages
    assert receipt["Subject"] == "Receipt: thesis.pdf printed (0.30 EUR)"
    assert "3 page(s) x 2 copies" in receipt.get_content()
    events = [d.event for d in receiver.deliveries]
    assert events.count("job.completed") == 1  # a repeated report tells nobody again
    [completed] = [d for d in receiver.deliveries if d.event == "job.completed"]
    assert completed.body["data"]["charged_minor"] == 30
    assert completed.body["user_id"] == world.user_id
    charges = [d.body["data"] for d in receiver.deliveries if d.event == "ledger.entry"
               and d.body["data"]["kind"] == "charge"]
    assert [(c["amount_minor"], c["job_id"]) for c in charges] == [(-30, decision.job_id)]
    assert all(d.verified for d in receiver.deliveries)
    notices = notify_server.db.read(lambda conn: since(conn, world.user_id))
    assert [n.kind for n in notices] == ["completed"]


def test_a_failed_job_is_a_webhook_without_a_receipt(
        notify_server: ServerContainer, receiver: WebhookReceiver) -> None:
    world = _world(notify_server, receiver)
    decision = notify_server.jobs.authorize(world.agent, world.request())
    notify_server.jobs.complete(world.agent, decision.job_id, status="failed",
                                reason="jammed")
    notify_server.notify.send_due()
    assert "job.failed" in [d.event for d in receiver.deliveries]
    assert notify_server.db.read(lambda conn: since(conn, world.user_id)) == []


def test_a_top_up_is_a_ledger_entry_webhook(notify_server: ServerContainer,
                                            receiver: WebhookReceiver) -> None:
    world = _world(notify_server, receiver)
    world.top_up(250)
    notify_server.notify.send_due()
    [entry] = [d.body["data"] for d in receiver.deliveries if d.event == "ledger.entry"]
    assert (entry["kind"], entry["amount_minor"], entry["currency"]) == ("top-up", 250, "EUR")
    assert entry["balance_after_minor"] == 1250


def test_a_held_job_is_warned_once_before_it_expires(
        notify_server: ServerContainer, receiver: WebhookReceiver, clock: FixedClock,
        smtp: SmtpSink) -> None:
    world = _world(notify_server, receiver)
    use_smtp(notify_server, smtp.port)
    notify_server.notify.update_settings({"expiry_warning_minutes": 30}, actor="admin")
    queue = notify_server.devices.create_printer(
        "follow-me", actor="test", agent_id=world.agent.id,
        device_uri="ipp://mfp2.lan/ipp/print", hold_for_release=True)
    decision = notify_server.jobs.authorize(world.agent, world.request(queue=queue.name))
    assert decision.decision == "hold"
    scheduler = Scheduler(notify_server, 60)

    clock.advance(timedelta(seconds=DEFAULT_HELD_JOB_LIFETIME_SECONDS - 31 * 60))
    scheduler.tick()
    assert notify_server.db.read(lambda conn: since(conn, world.user_id)) == []

    clock.advance(timedelta(minutes=2))  # 29 minutes left
    scheduler.tick()
    scheduler.tick()  # a second tick says nothing again
    notices = notify_server.db.read(lambda conn: since(conn, world.user_id))
    assert [n.kind for n in notices] == ["expiring"]
    notify_server.notify.send_due()
    [mail] = smtp.messages
    assert mail["Subject"] == "Your held job thesis.pdf expires soon"
    [warned] = [d for d in receiver.deliveries if d.event == "job.held_expiring"]
    assert warned.body["data"]["job_id"] == decision.job_id


def test_a_notice_rings_the_users_bell_after_the_commit(
        notify_server: ServerContainer) -> None:
    user = notify_server.accounts.create_user("carol", actor="test")
    bell = notify_server.questions.bell

    async def wait_for_ring() -> bool:
        with bell.listen(user.id) as rung:
            await asyncio.to_thread(notify_server.db.write, lambda conn: (
                notify_server.notifier.emit_in(conn, "balance.low", user_id=user.id,
                                               data={"balance": "0.10 EUR"})))
            await asyncio.wait_for(rung.wait(), timeout=10)
            return rung.is_set()

    assert asyncio.run(wait_for_ring())


def test_a_rolled_back_producer_leaves_nothing_queued(
        notify_server: ServerContainer, receiver: WebhookReceiver) -> None:
    world = _world(notify_server, receiver)

    def fails(conn: Connection) -> None:
        notify_server.notifier.emit_in(conn, "balance.low", user_id=world.user_id, data={})
        raise RuntimeError("the producer failed")

    with pytest.raises(RuntimeError):
        notify_server.db.write(fails)
    assert notify_server.notify.messages() == []
    assert notify_server.db.read(lambda conn: since(conn, world.user_id)) == []
