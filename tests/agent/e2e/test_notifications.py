"""Acceptance (issue 10, notifications): a job printed over real IPP through the agent
sends its receipt to an SMTP server (aiosmtpd) and a signed ``job.completed`` webhook to
a receiver that verifies it; messages queued while the server's sender is down are
delivered once by the server rebuilt on the same data directory and database."""

from __future__ import annotations

from pathlib import Path

from printwarden.core.settings import load_server_settings
from printwarden.server.bootstrap import build_server
from printwarden.server.notify_task import NotifyTask
from tests.agent.e2e.conftest import AgentFactory
from tests.agent.e2e.support import add_agent_queue, poll, server_jobs
from tests.agent.support import LiveServer, World
from tests.ipp.server.support import RunningVirtualPrinter
from tests.notify.receivers import SmtpSink, WebhookReceiver
from tests.support.peers import make_pdf


def _completed(live: LiveServer, count: int) -> list[str]:
    done = [j.id for j in server_jobs(live, "alice") if j.state.value == "completed"]
    return done if len(done) >= count else []


def test_receipts_and_webhooks_of_ipp_jobs_arrive_and_survive_a_restart(
        live: LiveServer, world: World, agent_factory: AgentFactory,
        downstream: RunningVirtualPrinter, tmp_path: Path) -> None:
    server = live.container
    smtp, receiver = SmtpSink().start(), WebhookReceiver()
    rebuilt = None
    try:
        server.accounts.update_user(world.alice_id, email="alice@example.org", actor="test")
        server.notify.update_settings({"smtp_host": "127.0.0.1", "smtp_port": smtp.port,
                                       "smtp_from": "print@example.org", "smtp_tls": "none"},
                                      actor="test")
        _, receiver.secret = server.notify.create_endpoint(
            url=receiver.url, events=["job.completed"], actor="test")
        sender = NotifyTask(server.notify, 0.2)
        sender.start()
        pdf = make_pdf(tmp_path / "two.pdf", pages=2).read_bytes()
        agent = agent_factory()
        agent.start(enrol=world.code)
        add_agent_queue(world, agent, "direct", downstream.uri)

        agent.print_job("direct", pdf)
        [first] = poll(lambda: _completed(live, 1), "the first job completed")
        poll(lambda: smtp.messages and receiver.deliveries, "the receipt and the webhook")
        [receipt] = smtp.messages
        assert receipt["To"] == "alice@example.org"
        assert receipt["Subject"].startswith("Receipt: ")
        assert f"Job {first}." in receipt.get_content()
        [delivery] = receiver.deliveries
        assert delivery.verified, delivery.error
        assert delivery.body["data"]["job_id"] == first
        assert delivery.body["data"]["pages"] == 2

        sender.stop()  # the server's sender is down: the next job's messages wait
        agent.print_job("direct", pdf)
        second = poll(lambda: _completed(live, 2), "the second job completed")
        assert server.notify.counts()["pending"] == 2
        live.stop()  # the server stops with two messages queued

        settings = load_server_settings(server.settings.data_dir,
                                        database_url=server.db.url)
        rebuilt = build_server(settings, migrate=False)
        again = NotifyTask(rebuilt.notify, 0.2)
        again.start()
        try:
            poll(lambda: len(smtp.messages) == 2 and len(receiver.deliveries) == 2,
                 "the queued receipt and webhook after the restart")
            assert rebuilt.notify.send_due().sent == 0
        finally:
            again.stop()
        assert {d.body["data"]["job_id"] for d in receiver.deliveries} == set(second)
        assert len(receiver.unique_ids()) == 2 and all(d.verified for d in receiver.deliveries)
        assert len(smtp.messages) == 2
    finally:
        if rebuilt is not None:
            rebuilt.db.dispose()
        smtp.stop()
        receiver.close()
