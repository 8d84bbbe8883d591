"""Acceptance: a real cupsd prints to an agent queue built with ``-m everywhere``."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.agent.support import LiveServer, World
from tests.agent_e2e.conftest import AgentFactory
from tests.agent_e2e.support import add_agent_queue, charges_of, poll, server_jobs, settled
from tests.ipp_server.support import RunningVirtualPrinter
from tests.support.peers import cups_config, make_pdf, stop, wait_port
from tests.support.postgres import free_port

pytestmark = pytest.mark.skipif(shutil.which("cupsd") is None or os.geteuid() != 0,
                                reason="a private cupsd needs cups installed and root")


@pytest.fixture
def cupsd() -> Iterator[str]:
    """A private cupsd (RECIPES.md); answers its ``host:port``."""
    root = Path(tempfile.mkdtemp(prefix="pw-e2e-cupsd-"))
    port = free_port()
    for sub in ("spool", "cache", "log", "run"):
        (root / sub).mkdir()
    root.chmod(0o755)
    for sub in ("spool", "cache"):
        shutil.chown(root / sub, "lp", "lp")
    cups_config(root, port)
    log = root / "log" / "stdout"
    proc = subprocess.Popen(["cupsd", "-f", "-c", str(root / "cupsd.conf"),
                             "-s", str(root / "cups-files.conf")],
                            stdout=log.open("wb"), stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        wait_port(port, proc, log)
        yield f"127.0.0.1:{port}"
    finally:
        stop(proc)
        shutil.rmtree(root, ignore_errors=True)


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

    arrived = poll(lambda: list(downstream.directory.iterdir()), "the document downstream",
                   timeout=90)
    assert len(arrived) == 1
    assert arrived[0].read_bytes().startswith(b"%PDF")
    poll(lambda: server_jobs(live, "root") and settled(live, "root"), "the server job")
    jobs = server_jobs(live, "root")
    assert len(jobs) == 1
    assert jobs[0].state.value == "completed"
    assert charges_of(world, jobs[0].id) == 1
