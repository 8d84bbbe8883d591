"""Acceptance: the CUPS ipptool suites pass against an agent queue; jobs print and are
charged exactly once.

The queue forwards to a real ippeveprinter. Besides IPP/1.1 and 2.0, the suites of every
version the queue claims (2.1, 2.2) and IPP Everywhere run; ipp-everywhere.test prints
the PWG raster samples of the resolutions and types the queue advertises (made by
``make_everywhere_samples``: the sample set is not packaged).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from printwarden.ipp import DelimiterTag, Operation, keyword
from tests.agent.e2e.conftest import AgentFactory
from tests.agent.e2e.support import (
    ROOT_CREDIT,
    AgentProcess,
    add_agent_queue,
    charges_of,
    poll,
    server_jobs,
    settled,
)
from tests.agent.support import LiveServer, World
from tests.ipp.server.ipptool_support import IPPTOOL, run_suite
from tests.ipp.server.support import (
    GS,
    RunningVirtualPrinter,
    make_everywhere_samples,
    make_suite_documents,
)
from tests.support.peers import EvePrinter


def open_jobs(agent: AgentProcess, queue: str) -> int:
    """How many jobs the queue has not finished (Get-Jobs, which-jobs=not-completed)."""
    answer = agent.ipp(queue, Operation.GET_JOBS, keyword("which-jobs", "not-completed"),
                       user="root")
    return len(answer.groups_with(DelimiterTag.JOB))


LOCKED = """[[queues]]
name = "locked"
owner_check = "authenticate"
"""
pytestmark = pytest.mark.skipif(IPPTOOL is None or GS is None,
                                reason="ipptool (cups-ipp-utils) and gs are needed")
SUITE_NAMES = ("ipp-1.1.test", "ipp-2.0.test", "ipp-2.1.test", "ipp-2.2.test",
               "ipp-everywhere.test", "validate-job.test", "get-jobs.test",
               "print-job-hold.test", "create-printer-subscription.test",
               "get-subscriptions.test")


def test_ipptool_suites_pass_against_an_agent_queue_and_each_job_is_charged_once(
        live: LiveServer, world: World, agent_factory: AgentFactory,
        eve_factory: Callable[[], EvePrinter], tmp_path: Path) -> None:
    """The queue forwards to a real ippeveprinter (which also takes the suites' JPEGs)."""
    eve = eve_factory()
    eve.start(formats="application/pdf,image/pwg-raster,application/postscript,image/jpeg")
    documents = tmp_path / "documents"
    documents.mkdir()
    make_suite_documents(documents)
    make_everywhere_samples(documents, (300, 600), ("sgray-8", "srgb-8"))
    agent = agent_factory()
    agent.start(enrol=world.code)
    add_agent_queue(world, agent, "office", eve.uri)

    for suite in SUITE_NAMES:
        result = run_suite(suite, agent.uri("office"), documents)
        report = result.stdout + result.stderr
        assert result.returncode == 0, f"{suite}:\n{report}"
        assert "[FAIL]" not in report
        assert "[PASS]" in report

    # the agent has reported every job (none still open there), and each has ended
    poll(lambda: open_jobs(agent, "office") == 0 and settled(live, "root"),
         "every job to end at the agent and at the server")
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
    assert len(arrived) == len(completed), [(j.title, j.state) for j in jobs
                                            if j not in completed]
    assert any(path.read_bytes() == original for path in arrived)


def test_the_suites_pass_against_a_queue_that_authenticates_ipptool_logging_in(
        live: LiveServer, world: World, agent_factory: AgentFactory,
        downstream: RunningVirtualPrinter, tmp_path: Path) -> None:
    """ipptool authenticates with the user name and password of the printer URI
    (ipp://USER:PASSWORD@HOST/...): the jobs are the authenticated user's."""
    root = world.server.accounts.get_user_by_username("root")
    world.server.accounts.set_password(root.id, "root-pass-1", actor="test")
    agent = agent_factory(extra_settings=LOCKED)
    agent.start(enrol=world.code)
    add_agent_queue(world, agent, "locked", downstream.uri)
    documents = tmp_path / "documents"
    documents.mkdir()
    make_suite_documents(documents)
    anonymous = run_suite("ipp-2.2.test", agent.uri("locked"), documents)
    # without credentials it may not print (ipptool's exit status is its last file's)
    assert "RFC 8011 section 4.2.1: Print-Job Operation" in anonymous.stdout
    assert "[FAIL]" in anonymous.stdout
    logged_in = agent.uri("locked").replace("ipp://", "ipp://root:root-pass-1@")
    result = run_suite("ipp-2.2.test", logged_in, documents)
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    assert "[FAIL]" not in report
    assert "uri-authentication-supported (keyword) = basic" in report
    poll(lambda: server_jobs(live, "root"), "root's jobs at the server")


def test_ipptool_print_job_to_a_release_queue_is_held_until_released_then_charged_once(
        live: LiveServer, world: World, agent_factory: AgentFactory,
        downstream: RunningVirtualPrinter, tmp_path: Path) -> None:
    agent = agent_factory()
    agent.start(enrol=world.code)
    add_agent_queue(world, agent, "vault", downstream.uri, hold_for_release=True,
                    owner_check="release")
    documents = tmp_path / "documents"
    documents.mkdir()
    make_suite_documents(documents)
    result = run_suite("print-job.test", agent.uri("vault"), documents)
    assert result.returncode == 0, result.stdout + result.stderr
    held = poll(lambda: [j for j in server_jobs(live, "root") if j.state.value == "held"],
                "the job held at the server")
    assert open_jobs(agent, "vault") == 1
    assert list(downstream.directory.iterdir()) == []  # nothing reaches the printer

    root = world.server.accounts.get_user_by_username("root")
    principal = world.server.principal_for_user(root.id)
    vault = world.server.devices.find_device_by_name("vault")
    assert principal is not None and vault is not None
    [outcome] = world.server.release.release(principal, vault.id, [held[0].id])
    assert outcome.ok, outcome.message
    poll(lambda: list(downstream.directory.iterdir()), "the document at the printer")
    poll(lambda: settled(live, "root") and open_jobs(agent, "vault") == 0,
         "the job to end at the agent and at the server")
    job = world.server.jobs.get_job(held[0].id)
    assert job.state.value == "completed" and charges_of(world, job.id) == 1
    assert (documents / "document-a4.pdf").read_bytes() == \
        next(downstream.directory.iterdir()).read_bytes()
