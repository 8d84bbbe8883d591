"""Acceptance: an agent queue takes every analysed format and detects octet-stream."""

from __future__ import annotations

from pathlib import Path

from tests.agent.e2e.conftest import AgentFactory
from tests.agent.e2e.support import add_agent_queue, charges_of, poll, server_jobs
from tests.agent.support import LiveServer, World
from tests.ipp.server.support import RunningVirtualPrinter
from tests.support.peers import make_pdf


def test_octet_stream_is_detected_analysed_and_forwarded_as_what_it_is(
        live: LiveServer, world: World, agent_factory: AgentFactory,
        downstream: RunningVirtualPrinter, tmp_path: Path) -> None:
    agent = agent_factory()
    agent.start(enrol=world.code)
    add_agent_queue(world, agent, "direct", downstream.uri)
    supported = agent.printer_value("direct", "document-format-supported")
    for mime in ("application/pdf", "application/postscript", "image/pwg-raster", "image/urf",
                 "application/vnd.hp-pcl", "application/vnd.hp-pclxl", "image/jpeg",
                 "image/png", "text/plain", "application/octet-stream"):
        assert mime in supported
    pdf = make_pdf(tmp_path / "three.pdf", pages=3).read_bytes()
    answer = agent.print_job("direct", pdf, fmt="application/octet-stream")
    assert answer.operation_id == 0, answer
    jobs = poll(lambda: [j for j in server_jobs(live, "alice")
                         if j.state.value == "completed"], "job completed")
    assert jobs[0].pages == 3  # counted from the content, not from the declared type
    assert charges_of(world, jobs[0].id) == 1
    stored = poll(lambda: [f for f in downstream.directory.iterdir() if f.is_file()],
                  "document stored downstream")
    assert stored[0].suffix == ".pdf"  # forwarded as application/pdf
    assert stored[0].read_bytes() == pdf
