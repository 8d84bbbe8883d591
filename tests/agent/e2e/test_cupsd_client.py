"""Acceptance: a real cupsd prints to an agent queue built with ``-m everywhere``."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from printwarden.ipp.status import StatusCode
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
from tests.ipp.server.support import RunningVirtualPrinter
from tests.support.peers import make_pdf, private_cupsd

T = TypeVar("T")

pytestmark = pytest.mark.skipif(shutil.which("cupsd") is None or os.geteuid() != 0,
                                reason="a private cupsd needs cups installed and root")


#: The root directory of each running private cupsd, by its ``host:port``.
_ROOTS: dict[str, Path] = {}


@pytest.fixture
def cupsd() -> Iterator[str]:
    """A private cupsd (RECIPES.md); answers its ``host:port``."""
    with private_cupsd("pw-e2e-cupsd-", log_level="info") as (root, server):
        _ROOTS[server] = root
        yield server
        del _ROOTS[server]


def _arrived(downstream: RunningVirtualPrinter, cupsd: str, agent: AgentProcess) -> list[Path]:
    """The documents at the printer once one arrived (``_explained`` on a timeout)."""
    return _explained(lambda: list(downstream.directory.iterdir()), "the document downstream",
                      cupsd, agent)


def _explained(condition: Callable[[], T], what: str, cupsd: str, agent: AgentProcess) -> T:
    """``poll(condition)``; on a timeout, what cupsd and the agent said, so a failure
    explains itself."""
    try:
        return poll(condition, what, timeout=90)  # type: ignore[no-any-return]
    except AssertionError as timeout:
        error_log = _ROOTS[cupsd] / "log" / "error_log"
        said = error_log.read_text(errors="replace")[-6000:] if error_log.exists() else ""
        jobs = _cups("lpstat", "-h", cupsd, "-l", "-o", "-p").stdout
        agent_log = agent.log.read_text(errors="replace")[-4000:]
        raise AssertionError(f"{timeout}\nlpstat:\n{jobs}\ncupsd error_log:\n{said}\n"
                             f"agent log:\n{agent_log}") from None


def _cups(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), capture_output=True, text=True, timeout=60,
                          check=False)


def test_lp_through_cupsd_reaches_the_printer_and_charges_once(
        live: LiveServer, world: World, agent_factory: AgentFactory,
        downstream: RunningVirtualPrinter, cupsd: str, tmp_path: Path) -> None:
    agent = agent_factory()
    agent.start(enrol=world.code)
    add_agent_queue(world, agent, "office", downstream.uri)

    added = _cups("lpadmin", "-h", cupsd, "-p", "q", "-E", "-v", agent.uri("office"),
                  "-m", "everywhere")
    assert added.returncode == 0, added.stderr
    pdf = make_pdf(tmp_path / "file.pdf", pages=2)
    pdf.chmod(0o644)
    sent = _cups("lp", "-h", cupsd, "-d", "q", str(pdf))
    assert sent.returncode == 0, sent.stderr

    arrived = _arrived(downstream, cupsd, agent)
    assert len(arrived) == 1
    assert arrived[0].read_bytes().startswith(b"%PDF")
    poll(lambda: server_jobs(live, "root") and settled(live, "root"), "the server job")
    jobs = server_jobs(live, "root")
    assert len(jobs) == 1
    assert jobs[0].state.value == "completed"
    assert charges_of(world, jobs[0].id) == 1


def test_a_refuse_queue_without_a_server_makes_cupsd_wait_not_stop_then_it_prints_once(
        live: LiveServer, world: World, agent_factory: AgentFactory,
        downstream: RunningVirtualPrinter, cupsd: str, tmp_path: Path) -> None:
    """While no server answers, a refuse queue answers Print-Job with
    server-error-service-unavailable and shows printer-is-accepting-jobs false: a CUPS
    queue on it (error policy stop-printer, the strictest) keeps its job and stays
    enabled, and the job prints once the server is back."""
    agent = agent_factory()
    agent.start(enrol=world.code)
    add_agent_queue(world, agent, "office", downstream.uri, failure_policy="refuse")
    added = _cups("lpadmin", "-h", cupsd, "-p", "q", "-E", "-v", agent.uri("office"),
                  "-m", "everywhere", "-o", "printer-error-policy=stop-printer")
    assert added.returncode == 0, added.stderr
    pdf = make_pdf(tmp_path / "file.pdf", pages=1)
    pdf.chmod(0o644)

    live.stop()
    poll(lambda: agent.printer_value("office", "printer-is-accepting-jobs") == (False,),
         "the agent to see that no server answers")
    refused = agent.print_job("office", pdf.read_bytes())
    assert refused.operation_id == StatusCode.SERVER_ERROR_SERVICE_UNAVAILABLE
    sent = _cups("lp", "-h", cupsd, "-d", "q", "-t", "during the outage", str(pdf))
    assert sent.returncode == 0, sent.stderr
    poll(lambda: "no printwarden server answers" in _cups(
        "lpstat", "-h", cupsd, "-l", "-p", "q").stdout, "cupsd to relay why it waits")
    state = _cups("lpstat", "-h", cupsd, "-p", "q").stdout
    assert "disabled" not in state  # waiting, not stopped by the error policy
    assert list(downstream.directory.iterdir()) == []

    live.start()
    arrived = _arrived(downstream, cupsd, agent)
    assert len(arrived) == 1
    poll(lambda: server_jobs(live, "root") and settled(live, "root"), "the server job")
    jobs = server_jobs(live, "root")
    assert [job.state.value for job in jobs] == ["completed"]
    assert charges_of(world, jobs[0].id) == 1


def test_a_cups_queue_holding_a_users_credentials_prints_as_that_user_only(
        live: LiveServer, world: World, agent_factory: AgentFactory,
        downstream: RunningVirtualPrinter, cupsd: str, tmp_path: Path) -> None:
    """A queue that authenticates, reached by cupsd with the credentials in its device
    URI: the job belongs to the user the server authenticated, not to `lp -U`."""
    world.server.accounts.set_password(world.alice_id, "alice-pass-1", actor="test")
    agent = agent_factory()
    agent.start(enrol=world.code)
    add_agent_queue(world, agent, "office", downstream.uri, owner_check="authenticate")
    device = agent.uri("office").replace("ipp://", "ipp://alice:alice-pass-1@")
    added = _cups("lpadmin", "-h", cupsd, "-p", "q", "-E", "-v", device, "-m", "everywhere")
    assert added.returncode == 0, added.stderr
    pdf = make_pdf(tmp_path / "file.pdf", pages=1)
    pdf.chmod(0o644)
    sent = _cups("lp", "-h", cupsd, "-d", "q", "-U", "bob", str(pdf))
    assert sent.returncode == 0, sent.stderr

    poll(lambda: server_jobs(live, "alice") and settled(live, "alice"), "alice's job")
    assert [job.state.value for job in server_jobs(live, "alice")] == ["completed"]
    assert server_jobs(live, "bob") == []


def test_lp_to_a_release_queue_holds_the_job_until_its_owner_releases_it_charged_once(
        live: LiveServer, world: World, agent_factory: AgentFactory,
        downstream: RunningVirtualPrinter, cupsd: str, tmp_path: Path) -> None:
    agent = agent_factory()
    agent.start(enrol=world.code)
    add_agent_queue(world, agent, "vault", downstream.uri, hold_for_release=True,
                    owner_check="release")
    added = _cups("lpadmin", "-h", cupsd, "-p", "q", "-E", "-v", agent.uri("vault"),
                  "-m", "everywhere")
    assert added.returncode == 0, added.stderr
    pdf = make_pdf(tmp_path / "file.pdf", pages=2)
    pdf.chmod(0o644)
    sent = _cups("lp", "-h", cupsd, "-d", "q", "-t", "held by cups", str(pdf))
    assert sent.returncode == 0, sent.stderr

    held = _explained(lambda: [j for j in server_jobs(live, "root")
                               if j.state.value == "held"],
                      "the job held at the server", cupsd, agent)
    assert list(downstream.directory.iterdir()) == []  # nothing reaches the printer
    root = live.container.accounts.find_user_by_username("root")
    assert root is not None
    principal = live.container.principal_for_user(root.id)
    assert principal is not None
    vault = live.container.devices.find_device_by_name("vault")
    assert vault is not None
    outcomes = live.container.release.release(principal, vault.id)
    assert [(o.job_id, o.ok) for o in outcomes] == [(held[0].id, True)]

    arrived = _arrived(downstream, cupsd, agent)
    assert len(arrived) == 1 and arrived[0].read_bytes().startswith(b"%PDF")
    poll(lambda: settled(live, "root"), "the released job to end at the server")
    job = live.container.jobs.get_job(held[0].id)
    assert job.state.value == "completed" and job.device_id == vault.id
    assert charges_of(world, job.id) == 1
    assert job.charged_cost_minor == job.estimated_cost_minor
