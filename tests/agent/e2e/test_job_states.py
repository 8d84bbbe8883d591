"""Acceptance: the IPP job follows the agent's job (printed, denied, held, cancelled)."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import httpx

from printwarden.ipp import (
    DelimiterTag,
    IppMessage,
    Operation,
    StatusCode,
    decode,
    integer,
    keyword,
    mime_media_type,
)
from tests.agent.e2e.conftest import AgentFactory
from tests.agent.e2e.support import add_agent_queue, charges_of, poll, server_jobs
from tests.agent.support import LiveServer, World
from tests.ipp.server.support import RunningVirtualPrinter, ipp_request
from tests.support.peers import make_pdf


def _job_id(answer: IppMessage) -> int:
    assert answer.operation_id == StatusCode.SUCCESSFUL_OK, answer
    found = answer.get(DelimiterTag.JOB, "job-id")
    assert found is not None
    return int(found.value)  # type: ignore[arg-type]


def test_ipp_jobs_follow_the_agent_jobs_and_metrics_count_them(
        live: LiveServer, world: World, agent_factory: AgentFactory,
        downstream: RunningVirtualPrinter, tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "two.pdf", pages=2).read_bytes()
    agent = agent_factory()
    agent.start(enrol=world.code)
    add_agent_queue(world, agent, "direct", downstream.uri)
    add_agent_queue(world, agent, "release", downstream.uri, hold_for_release=True)

    answer = agent.print_job("direct", pdf, job_attributes=(
        integer("copies", 2), keyword("sides", "two-sided-long-edge")))
    printed = _job_id(answer)
    state = answer.get(DelimiterTag.JOB, "job-state")
    assert state is not None and state.value == 3  # spooled, not yet sent: pending
    poll(lambda: agent.job_value("direct", printed, "job-state") == 9, "job printed")
    assert agent.job_value("direct", printed, "job-state-reasons") == (
        "job-completed-successfully")
    # The agent reports the completion to the server after its own job ends.
    alice_jobs = poll(lambda: [j for j in server_jobs(live, "alice")
                               if j.state.value == "completed"] or None,
                      "the server job completed")
    assert len(server_jobs(live, "alice")) == 1
    assert alice_jobs[0].copies == 2
    assert charges_of(world, alice_jobs[0].id) == 1

    denied = _job_id(agent.print_job("direct", pdf, user="bob"))
    poll(lambda: agent.job_value("direct", denied, "job-state", user="bob") == 8, "denial")
    bob_job = server_jobs(live, "bob")[0]
    assert agent.job_value("direct", denied, "job-state-reasons", user="bob") == (
        "account-authorization-failed")
    message = agent.job_value("direct", denied, "job-state-message", user="bob")
    assert message and bob_job.state_reason and bob_job.state_reason[:40] in message

    held = _job_id(agent.print_job("release", pdf))
    poll(lambda: agent.job_value("release", held, "job-state") == 4, "held for release")
    cancel = agent.ipp("release", Operation.CANCEL_JOB, integer("job-id", held))
    assert cancel.operation_id == StatusCode.SUCCESSFUL_OK
    assert agent.job_value("release", held, "job-state") == 7
    poll(lambda: all(j.state.value == "cancelled" for j in server_jobs(live, "alice")
                     if j.id != alice_jobs[0].id), "the server job cancelled")

    metrics = poll(lambda: _metrics(agent.base), "metrics")
    assert 'printwarden_agent_jobs_accepted_total{queue="direct"} 2.0' in metrics
    assert 'printwarden_agent_jobs_completed_total{queue="direct"} 1.0' in metrics
    assert "printwarden_agent_spool_bytes" in metrics
    assert len(list(downstream.directory.iterdir())) == 1


def _metrics(base: str) -> str:
    return httpx.get(base + "/metrics", timeout=5).text


def test_queues_follow_the_server_health_answers_and_sigterm_stops_cleanly(
        world: World, agent_factory: AgentFactory,
        downstream: RunningVirtualPrinter) -> None:
    agent = agent_factory()
    agent.start(enrol=world.code)
    add_agent_queue(world, agent, "first", downstream.uri)
    add_agent_queue(world, agent, "second", downstream.uri)
    health = httpx.get(agent.base + "/healthz", timeout=5)
    assert health.status_code == 200
    assert health.json()["queues"] == {"first": {"accepting": True},
                                       "second": {"accepting": True}}

    queue = world.server.devices.find_queue_by_name("second")
    assert queue is not None
    world.server.devices.delete_queue(queue.id, actor="test")
    poll(lambda: not agent.serves("second"), "the deleted queue to disappear")
    assert agent.serves("first")

    agent.stop()
    assert agent.proc is not None and agent.proc.returncode == 0
    lines = [json.loads(line) for line in agent.log.read_text().splitlines()
             if line.startswith("{")]
    events = [line.get("event", "") for line in lines]
    assert any("agent serving queues" in event for event in events)
    assert any(event == "agent stopped" for event in events)


def test_jobs_whose_uploads_end_out_of_order_both_follow_their_agent_jobs(
        live: LiveServer, world: World, agent_factory: AgentFactory,
        downstream: RunningVirtualPrinter, tmp_path: Path) -> None:
    """The first job's upload is still running when a second job is accepted: the IPP
    front end must follow both (job ids are given when a request starts, jobs join the
    front end when their document is spooled)."""
    pdf = make_pdf(tmp_path / "one.pdf", pages=1).read_bytes()
    agent = agent_factory()
    agent.start(enrol=world.code)
    add_agent_queue(world, agent, "direct", downstream.uri)
    request = ipp_request(Operation.PRINT_JOB, agent.uri("direct"),
                          mime_media_type("document-format", "application/pdf"),
                          user="alice") + pdf
    head, tail = request[:-100], request[-100:]
    with socket.create_connection(("127.0.0.1", agent.port), timeout=30) as slow:
        slow.sendall(f"POST /ipp/print/direct HTTP/1.1\r\nHost: 127.0.0.1:{agent.port}\r\n"
                     "Content-Type: application/ipp\r\nConnection: close\r\n"
                     f"Content-Length: {len(request)}\r\n\r\n".encode() + head)
        poll(lambda: any((agent.data_dir / "spool" / "tmp").glob("*.part")),
             "the first upload under way")
        second = _job_id(agent.print_job("direct", pdf))
        poll(lambda: agent.job_value("direct", second, "job-state") == 9, "second printed")
        slow.sendall(tail)
        answer = b""
        while chunk := slow.recv(65536):
            answer += chunk
    first = _job_id(decode(answer.split(b"\r\n\r\n", 1)[1])[0])

    assert first < second
    poll(lambda: agent.job_value("direct", first, "job-state") == 9, "first printed")
    metrics = poll(lambda: _metrics(agent.base), "metrics")
    poll(lambda: 'printwarden_agent_jobs_completed_total{queue="direct"} 2.0'
         in _metrics(agent.base), "both jobs counted as completed")
    assert 'printwarden_agent_jobs_accepted_total{queue="direct"} 2.0' in metrics


def test_after_a_restart_ipp_clients_still_find_their_jobs_under_the_same_ids(
        live: LiveServer, world: World, agent_factory: AgentFactory,
        downstream: RunningVirtualPrinter, tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "one.pdf", pages=1).read_bytes()
    agent = agent_factory()
    agent.start(enrol=world.code)
    add_agent_queue(world, agent, "direct", downstream.uri)
    add_agent_queue(world, agent, "release", downstream.uri, hold_for_release=True)
    printed = _job_id(agent.print_job("direct", pdf))
    held = _job_id(agent.print_job("release", pdf))
    poll(lambda: agent.job_value("direct", printed, "job-state") == 9, "job printed")
    poll(lambda: agent.job_value("release", held, "job-state") == 4, "job held")

    agent.kill()
    agent.start()
    poll(lambda: agent.serves("release"), "the queues after the restart")

    assert agent.job_value("direct", printed, "job-state") == 9
    assert agent.job_value("direct", printed, "job-originating-user-name") == "alice"
    assert agent.job_value("release", held, "job-state") == 4
    listed = agent.ipp("release", Operation.GET_JOBS, keyword("which-jobs", "not-completed"))
    assert [group["job-id"].value for group in listed.groups_with(DelimiterTag.JOB)] == [held]
    again = _job_id(agent.print_job("direct", pdf))
    assert again > printed
    poll(lambda: agent.job_value("direct", again, "job-state") == 9, "the new job printed")
