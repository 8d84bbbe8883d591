"""Issue 9's "done when" for terminals, end to end over real sockets: ipptool sends a job
to a release queue of a real agent process; it is held and nothing reaches the virtual
printer; the reference terminal (a separate ``printwarden terminal --script -`` process,
enrolled for the queue's device) signs in by card + PIN, lists the job with its cost,
releases it; the printer receives it and it is charged once at that device's price."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from printwarden.core.settings import load_server_settings
from printwarden.server.bootstrap import build_server
from tests.agent.e2e.conftest import AgentFactory
from tests.agent.e2e.support import add_agent_queue, charges_of, poll, server_jobs, settled
from tests.agent.support import LiveServer, World
from tests.ipp.server.ipptool_support import run_suite
from tests.ipp.server.support import RunningVirtualPrinter, make_suite_documents
from tests.support.databases import SqliteFactory
from tests.support.processes import PRINTWARDEN

CARD, PIN = "0012345678", "4321"


@pytest.fixture
def live(sqlite_factory: SqliteFactory, tmp_path: Path) -> Iterator[LiveServer]:
    """The real server over a socket, at a site that wants a PIN with every card."""
    db = sqlite_factory.new()
    settings = load_server_settings(tmp_path / "server", database_url=db.url,
                                    card_alone_allowed=False)
    server = LiveServer(build_server(settings, db=db, migrate=False))
    server.start()
    yield server
    server.stop()
    db.dispose()


def _terminal(live: LiveServer, data_dir: Path, script: str,
              *extra: str) -> tuple[int, list[dict[str, Any]], str]:
    done = subprocess.run(
        [*PRINTWARDEN, "terminal", "--server", live.url, "--data-dir", str(data_dir),
         "--script", "-", *extra], input=script, capture_output=True, text=True,
        timeout=120, check=False)
    return done.returncode, [json.loads(line) for line in done.stdout.splitlines()], \
        done.stderr


def test_the_reference_terminal_releases_a_held_ipptool_job_charged_once(
        live: LiveServer, world: World, agent_factory: AgentFactory,
        downstream: RunningVirtualPrinter, tmp_path: Path) -> None:
    agent = agent_factory()
    agent.start(enrol=world.code)
    add_agent_queue(world, agent, "vault", downstream.uri, hold_for_release=True,
                    owner_check="release")
    server = world.server
    root = server.accounts.get_user_by_username("root")
    server.accounts.add_card(root.id, CARD, actor="test")
    server.accounts.set_pin(root.id, PIN, actor="test")
    vault = server.devices.find_device_by_name("vault")
    assert vault is not None
    code, _ = server.terminals.create_code(vault.id, actor="test")

    documents = tmp_path / "documents"
    documents.mkdir()
    make_suite_documents(documents)
    result = run_suite("print-job.test", agent.uri("vault"), documents)
    assert result.returncode == 0, result.stdout + result.stderr
    held = poll(lambda: [j for j in server_jobs(live, "root") if j.state.value == "held"],
                "the job held at the server")
    assert list(downstream.directory.iterdir()) == []  # nothing reaches the printer

    data_dir = tmp_path / "terminal"
    status, answers, stderr = _terminal(
        live, data_dir, f"status\ncard {CARD}\npin {PIN}\nlist\nrelease all\nlogout\n",
        "--enrol", code)
    assert status == 0, (answers, stderr)
    assert [a["command"] for a in answers] == ["status", "card", "pin", "list", "release",
                                               "logout"]
    assert answers[0]["terminal"]["device"]["name"] == "vault"
    assert answers[0]["terminal"]["card_needs_pin"] is True
    assert answers[1]["ok"] is True and answers[1]["need"] == "pin"  # no request yet
    assert answers[2]["session"]["user"]["username"] == "root"
    [listed] = answers[3]["jobs"]
    assert listed["job_id"] == held[0].id and listed["releasable"] is True
    [outcome] = answers[4]["outcomes"]
    assert outcome["ok"] is True, outcome
    assert answers[5]["locked"] is True
    assert (data_dir / "terminal.json").stat().st_mode & 0o777 == 0o600

    poll(lambda: list(downstream.directory.iterdir()), "the document at the printer")
    poll(lambda: settled(live, "root"), "the released job to end at the server")
    job = server.jobs.get_job(held[0].id)
    assert job.state.value == "completed" and job.device_id == vault.id
    assert charges_of(world, job.id) == 1
    assert job.charged_cost_minor == listed["cost_minor"]

    # the enrolment code is spent; the saved token keeps working without it
    again, answers, stderr = _terminal(live, data_dir, "status\n", "--enrol", code)
    assert again == 2 and "enrolment failed" in stderr
    status, answers, _ = _terminal(live, data_dir, f"card {CARD}\npin 0000\nlist\n")
    assert status == 1
    assert [(a["ok"], a.get("error")) for a in answers] == [
        (True, None), (False, "unauthenticated"), (False, "bad_command")]  # a wrong PIN
