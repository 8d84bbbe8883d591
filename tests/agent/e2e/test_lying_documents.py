"""Acceptance: what a printer receives is exactly what was counted and charged.

A real agent process, a real server, the virtual printer downstream (it keeps what it
receives). The issue's million-page PDF (root ``/Count 1`` over 100x100x100 shared kids,
a million pages to Ghostscript) prints as the one page it was charged; an endless
PostScript program is refused with its reason in ``job-state-message``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from printwarden.ipp import DelimiterTag, IppMessage, StatusCode
from printwarden.virtual_printer.directory_sink import count_pdf_pages
from tests.agent.e2e.conftest import AgentFactory
from tests.agent.e2e.support import add_agent_queue, poll, server_jobs
from tests.agent.support import MONO_PAGE, LiveServer, World
from tests.documents.pagetrees import million_page_pdf, qpdf_pages
from tests.ipp.server.support import RunningVirtualPrinter


def _job_id(answer: IppMessage) -> int:
    assert answer.operation_id == StatusCode.SUCCESSFUL_OK, answer
    found = answer.get(DelimiterTag.JOB, "job-id")
    assert found is not None
    return int(found.value)  # type: ignore[arg-type]


def test_the_million_page_pdf_prints_the_pages_it_was_charged(
        live: LiveServer, world: World, agent_factory: AgentFactory,
        downstream: RunningVirtualPrinter, tmp_path: Path) -> None:
    lying = million_page_pdf(tmp_path / "million.pdf").read_bytes()
    agent = agent_factory()
    agent.start(enrol=world.code)
    add_agent_queue(world, agent, "direct", downstream.uri)

    job_id = _job_id(agent.print_job("direct", lying))
    poll(lambda: agent.job_value("direct", job_id, "job-state") in (8, 9), "job ended",
         timeout=60)

    assert agent.job_value("direct", job_id, "job-state") == 9
    jobs = poll(lambda: [j for j in server_jobs(live, "alice")
                         if j.state.value == "completed"], "job completed on the server")
    stored = poll(lambda: [f for f in downstream.directory.iterdir() if f.is_file()],
                  "document stored downstream")
    assert len(stored) == 1 and stored[0].read_bytes() != lying
    received = count_pdf_pages(stored[0])
    assert received == qpdf_pages(stored[0]) == 1
    charged = jobs[0]
    assert world.charges(charged.id) == 1
    assert charged.pages == received
    assert charged.charged_cost_minor == received * MONO_PAGE


@pytest.mark.skipif(shutil.which("gs") is None, reason="Ghostscript is needed")
def test_an_endless_postscript_job_is_aborted_with_the_reason_and_never_reaches_a_printer(
        live: LiveServer, world: World, agent_factory: AgentFactory,
        downstream: RunningVirtualPrinter) -> None:
    agent = agent_factory("analysis_seconds = 600.0\nanalysis_timeout_seconds = 3.0\n")
    agent.start(enrol=world.code)
    add_agent_queue(world, agent, "direct", downstream.uri)

    job_id = _job_id(agent.print_job("direct", b"%!PS\n{} loop\n",
                                     fmt="application/postscript"))
    poll(lambda: agent.job_value("direct", job_id, "job-state") == 8, "job aborted",
         timeout=60)

    message = agent.job_value("direct", job_id, "job-state-message")
    assert message == ("refused: the document analysis did not finish within 3 s; the "
                       "document is not printed")
    assert server_jobs(live, "alice") == []  # never charged, not even reserved
    assert [f for f in downstream.directory.iterdir() if f.is_file()] == []
