"""Acceptance: SIGKILL mid-upload leaves no trace; SIGKILL after successful-ok loses nothing
and prints and charges the job exactly once after the restart."""

from __future__ import annotations

import socket
import sqlite3
from pathlib import Path

from printwarden.ipp import DelimiterTag, Operation, StatusCode, mime_media_type
from tests.agent.e2e.conftest import AgentFactory
from tests.agent.e2e.support import (
    AgentProcess,
    add_agent_queue,
    charges_of,
    poll,
    server_jobs,
    settled,
)
from tests.agent.support import LiveServer, World
from tests.ipp.server.support import RunningVirtualPrinter, ipp_request
from tests.support.peers import make_pdf

BIG = 50 * (1 << 20)
CHUNK = 1 << 20


def _spool_files(agent: AgentProcess) -> list[Path]:
    return [p for p in (agent.data_dir / "spool").rglob("*") if p.is_file()]


def _journal_jobs(agent: AgentProcess) -> int:
    with sqlite3.connect(agent.data_dir / "agent.db") as db:
        return int(db.execute("SELECT count(*) FROM jobs").fetchone()[0])


def _partial_bytes(agent: AgentProcess) -> int:
    return sum(p.stat().st_size for p in _spool_files(agent) if p.suffix == ".part")


def _start_slow_upload(agent: AgentProcess, queue: str) -> socket.socket:
    """A Print-Job announcing 50 MB; sends part of it and leaves the socket open."""
    header = ipp_request(Operation.PRINT_JOB, agent.uri(queue),
                         mime_media_type("document-format", "application/octet-stream"))
    sock = socket.create_connection(("127.0.0.1", agent.port), timeout=30)
    sock.sendall(f"POST /ipp/print/{queue} HTTP/1.1\r\nHost: 127.0.0.1:{agent.port}\r\n"
                 "Content-Type: application/ipp\r\n"
                 f"Content-Length: {len(header) + BIG}\r\n\r\n".encode() + header)
    block = bytes(range(256)) * (CHUNK // 256)
    for _ in range(8):
        sock.sendall(block)
    return sock


def test_sigkill_mid_upload_leaves_no_trace_and_after_ok_prints_exactly_once(
        live: LiveServer, world: World, agent_factory: AgentFactory,
        downstream: RunningVirtualPrinter, tmp_path: Path) -> None:
    agent = agent_factory()
    agent.start(enrol=world.code)
    add_agent_queue(world, agent, "q", downstream.uri)

    upload = _start_slow_upload(agent, "q")
    try:
        poll(lambda: _partial_bytes(agent) > 0, "the upload to reach the spool")
        agent.kill()
    finally:
        upload.close()
    agent.start()
    poll(lambda: agent.serves("q"), "the queue after the restart")
    assert _spool_files(agent) == []
    assert _journal_jobs(agent) == 0
    assert server_jobs(live, "alice") == []

    pdf = make_pdf(tmp_path / "doc.pdf", pages=3).read_bytes()
    answer = agent.print_job("q", pdf)
    agent.kill()
    assert answer.operation_id == StatusCode.SUCCESSFUL_OK
    assert answer.get(DelimiterTag.JOB, "job-id") is not None
    agent.start()
    poll(lambda: server_jobs(live, "alice") and settled(live, "alice"), "the job to end")
    jobs = server_jobs(live, "alice")
    assert len(jobs) == 1
    assert jobs[0].state.value == "completed"
    assert charges_of(world, jobs[0].id) == 1
    poll(lambda: _spool_files(agent) == [], "the spool file removed")
    arrived = list(downstream.directory.iterdir())
    assert [path.read_bytes() for path in arrived] == [pdf]
