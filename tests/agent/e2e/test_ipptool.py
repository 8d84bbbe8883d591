"""Acceptance: the CUPS ipptool suites pass against an agent queue; jobs print and are
charged exactly once."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.agent.e2e.conftest import AgentFactory
from tests.agent.e2e.support import (
    ROOT_CREDIT,
    add_agent_queue,
    charges_of,
    poll,
    server_jobs,
    settled,
)
from tests.agent.support import LiveServer, World
from tests.ipp.server.support import GS, make_suite_documents
from tests.support.peers import EvePrinter

IPPTOOL = shutil.which("ipptool")
SUITES = Path("/usr/share/cups/ipptool")
pytestmark = pytest.mark.skipif(IPPTOOL is None or GS is None,
                                reason="ipptool (cups-ipp-utils) and gs are needed")
SUITE_NAMES = ("ipp-1.1.test", "ipp-2.0.test", "validate-job.test", "get-jobs.test",
               "print-job-hold.test")


def test_ipptool_suites_pass_against_an_agent_queue_and_each_job_is_charged_once(
        live: LiveServer, world: World, agent_factory: AgentFactory,
        eve_factory: Callable[[], EvePrinter], tmp_path: Path) -> None:
    """The queue forwards to a real ippeveprinter (which also takes the suites' JPEGs)."""
    eve = eve_factory()
    eve.start(formats="application/pdf,image/pwg-raster,application/postscript,image/jpeg")
    documents = tmp_path / "documents"
    documents.mkdir()
    make_suite_documents(documents)
    agent = agent_factory()
    agent.start(enrol=world.code)
    add_agent_queue(world, agent, "office", eve.uri)

    for suite in SUITE_NAMES:
        result = subprocess.run(
            [str(IPPTOOL), "-tI", "-T", "30", "-f", "document-a4.pdf", agent.uri("office"),
             str(SUITES / suite)], cwd=documents, capture_output=True, text=True, timeout=240)
        report = result.stdout + result.stderr
        assert result.returncode == 0, f"{suite}:\n{report}"
        assert "[FAIL]" not in report

    poll(lambda: settled(live, "root"), "every server job to end")
    jobs = server_jobs(live, "root")
    completed = [job for job in jobs if job.state.value == "completed"]
    assert completed, [(job.state, job.state_reason) for job in jobs]
    # Every completed job is charged once, for pages x copies as sent (some suites ask
    # for two copies: the device's own counter must not make those free).
    charged = [job for job in completed if job.charged_cost_minor]
    assert charged == completed
    assert any(job.copies == 2 for job in completed)
    for job in completed:
        assert job.charged_cost_minor == job.estimated_cost_minor, job.title
    for job in jobs:
        assert charges_of(world, job.id) == (1 if job in charged else 0), job.id
    spent = sum(job.charged_cost_minor for job in charged)
    root_id = jobs[0].user_id
    assert world.server.ledger.credit_account(root_id).balance_minor == ROOT_CREDIT - spent
    original = (documents / "document-a4.pdf").read_bytes()
    arrived = poll(lambda: eve.documents() if len(eve.documents()) >= len(completed) else [],
                   "documents at ippeveprinter")
    assert len(arrived) == len(completed)
    assert any(path.read_bytes() == original for path in arrived)
