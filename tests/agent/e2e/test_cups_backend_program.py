"""The printwarden CUPS backend: an existing CUPS queue sends its jobs through the agent."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from printwarden.agent.intake.cups_backend_program import parse_backend_uri
from printwarden.cli.agent import install_cups_backend as install_cups_backend_command
from tests.agent.e2e.conftest import AgentFactory
from tests.agent.e2e.support import add_agent_queue, charges_of, poll, server_jobs, settled
from tests.agent.support import LiveServer, World
from tests.ipp.server.support import RunningVirtualPrinter
from tests.support.peers import make_pdf, private_cupsd

SYSTEM_SERVER_BIN = Path("/usr/lib/cups")


def test_backend_uris_name_the_queue_the_agent_and_the_device() -> None:
    device = "socket://10.0.0.5:9100"
    target = parse_backend_uri(f"printwarden:/office?agent=127.0.0.1:8632&device="
                               f"{quote(device, safe='')}")
    assert (target.queue, target.agent, target.device) == ("office", "127.0.0.1:8632", device)
    assert target.agent_uri == "ipp://127.0.0.1:8632/ipp/print/office"
    assert parse_backend_uri("printwarden:/q").agent == "127.0.0.1:631"
    with pytest.raises(ValueError):
        parse_backend_uri("ipp://printer/ipp/print")


def test_the_backend_lists_itself_and_install_writes_a_root_only_wrapper(
        tmp_path: Path) -> None:
    listed = subprocess.run([sys.executable, "-m", "printwarden.agent.intake.cups_backend_program"],
                            capture_output=True, text=True, timeout=60, check=True)
    assert listed.stdout.startswith("network printwarden ")
    install_cups_backend_command(tmp_path)
    wrapper = tmp_path / "printwarden"
    assert wrapper.stat().st_mode & 0o777 == 0o700
    assert "printwarden.agent.intake.cups_backend_program" in wrapper.read_text()


@pytest.fixture
def cupsd_with_backend() -> Iterator[str]:
    """A private cupsd whose ServerBin mirrors the system's plus our backend."""
    if shutil.which("cupsd") is None or os.geteuid() != 0:
        pytest.skip("a private cupsd needs cups installed and root")
    def server_bin(root: Path) -> str:
        bin_dir = root / "bin"
        (bin_dir / "backend").mkdir(parents=True)
        for entry in SYSTEM_SERVER_BIN.iterdir():
            if entry.name != "backend":
                (bin_dir / entry.name).symlink_to(entry)
        for backend in (SYSTEM_SERVER_BIN / "backend").iterdir():
            (bin_dir / "backend" / backend.name).symlink_to(backend)
        install_cups_backend_command(bin_dir / "backend")
        for directory in (bin_dir, bin_dir / "backend"):
            directory.chmod(0o755)
        return f"ServerBin {bin_dir}\n"

    with private_cupsd("pw-e2e-backend-", setup=server_bin) as (_, server):
        yield server


def test_a_cups_queue_on_the_printwarden_backend_prints_through_the_agent(
        live: LiveServer, world: World, agent_factory: AgentFactory,
        downstream: RunningVirtualPrinter, cupsd_with_backend: str, tmp_path: Path) -> None:
    agent = agent_factory()
    agent.start(enrol=world.code)
    add_agent_queue(world, agent, "office", downstream.uri)
    device_uri = (f"printwarden:/office?agent=127.0.0.1:{agent.port}"
                  f"&device={quote(downstream.uri, safe='')}")
    server = cupsd_with_backend
    added = subprocess.run(["lpadmin", "-h", server, "-p", "legacy", "-E", "-v", device_uri,
                            "-m", "raw"], capture_output=True, text=True, timeout=60)
    assert added.returncode == 0, added.stderr
    pdf = make_pdf(tmp_path / "file.pdf", pages=2)
    pdf.chmod(0o644)
    sent = subprocess.run(["lp", "-h", server, "-d", "legacy", str(pdf)],
                          capture_output=True, text=True, timeout=60)
    assert sent.returncode == 0, sent.stderr

    arrived = poll(lambda: list(downstream.directory.iterdir()), "the document downstream",
                   timeout=90)
    assert [path.read_bytes() for path in arrived] == [pdf.read_bytes()]
    poll(lambda: server_jobs(live, "root") and settled(live, "root"), "the server job")
    jobs = server_jobs(live, "root")
    assert len(jobs) == 1 and jobs[0].state.value == "completed"
    assert charges_of(world, jobs[0].id) == 1


def test_while_no_server_answers_the_backend_waits_and_the_job_prints_once_it_is_back(
        live: LiveServer, world: World, agent_factory: AgentFactory,
        downstream: RunningVirtualPrinter, cupsd_with_backend: str, tmp_path: Path) -> None:
    """The strictest CUPS error policy (stop-printer) never sees a failure: the backend
    keeps the job and tries again itself while the agent's refuse queue is closed."""
    agent = agent_factory()
    agent.start(enrol=world.code)
    add_agent_queue(world, agent, "office", downstream.uri, failure_policy="refuse")
    server = cupsd_with_backend
    added = subprocess.run(["lpadmin", "-h", server, "-p", "legacy", "-E", "-v",
                            f"printwarden:/office?agent=127.0.0.1:{agent.port}", "-m", "raw",
                            "-o", "printer-error-policy=stop-printer"],
                           capture_output=True, text=True, timeout=60)
    assert added.returncode == 0, added.stderr
    pdf = make_pdf(tmp_path / "file.pdf", pages=1)
    pdf.chmod(0o644)
    live.stop()
    poll(lambda: agent.printer_value("office", "printer-is-accepting-jobs") == (False,),
         "the agent to see that no server answers")
    sent = subprocess.run(["lp", "-h", server, "-d", "legacy", str(pdf)],
                          capture_output=True, text=True, timeout=60)
    assert sent.returncode == 0, sent.stderr
    poll(lambda: "trying again" in subprocess.run(
        ["lpstat", "-h", server, "-l", "-p", "legacy"], capture_output=True, text=True,
        timeout=60).stdout, "the backend to say it waits")
    state = subprocess.run(["lpstat", "-h", server, "-p", "legacy"], capture_output=True,
                           text=True, timeout=60).stdout
    assert "disabled" not in state

    live.start()
    arrived = poll(lambda: list(downstream.directory.iterdir()), "the document downstream",
                   timeout=120)
    assert [path.read_bytes() for path in arrived] == [pdf.read_bytes()]
    poll(lambda: server_jobs(live, "root") and settled(live, "root"), "the server job")
    assert [job.state.value for job in server_jobs(live, "root")] == ["completed"]


def _backend(args: list[str], env: dict[str, str], stdin: bytes = b""
             ) -> subprocess.CompletedProcess[str]:
    ran = subprocess.run(
        [sys.executable, "-m", "printwarden.agent.intake.cups_backend_program", *args],
        input=stdin, capture_output=True, timeout=120, env={**os.environ, **env},
        check=False)
    return subprocess.CompletedProcess(ran.args, ran.returncode,
                                       ran.stdout.decode(errors="replace"),
                                       ran.stderr.decode(errors="replace"))


def test_the_backend_exit_codes_tell_cups_what_to_do(
        live: LiveServer, world: World, agent_factory: AgentFactory,
        downstream: RunningVirtualPrinter, tmp_path: Path) -> None:
    agent = agent_factory(extra_settings='max_job_bytes = 20000\n[[queues]]\n'
                                         'name = "locked"\nowner_check = "authenticate"\n')
    agent.start(enrol=world.code)
    add_agent_queue(world, agent, "locked", downstream.uri)
    world.server.accounts.set_password(world.alice_id, "alice-pass-1", actor="test")
    pdf = make_pdf(tmp_path / "file.pdf", pages=1)
    job = ["7", "alice", "report", "1", ""]
    at_agent = f"agent=127.0.0.1:{agent.port}"

    bad_uri = _backend([*job, str(pdf)], {"DEVICE_URI": "ipp://not-ours/ipp/print"})
    assert bad_uri.returncode == 4  # stop the queue: its device URI is wrong
    wants_password = _backend([*job, str(pdf)],
                              {"DEVICE_URI": f"printwarden:/locked?{at_agent}"})
    assert wants_password.returncode == 2
    assert "ATTR: auth-info-required=username,password" in wants_password.stderr
    unknown_queue = _backend([*job, str(pdf)],
                             {"DEVICE_URI": f"printwarden:/no-such-queue?{at_agent}"})
    assert unknown_queue.returncode == 4, unknown_queue.stderr  # the URI is wrong: stop
    assert "has no queue 'no-such-queue'" in unknown_queue.stderr
    huge = tmp_path / "huge.pdf"
    huge.write_bytes(pdf.read_bytes() + b"%" + b"x" * 30000 + b"\n")
    too_large = _backend([*job, str(huge)], {"DEVICE_URI": f"printwarden:/locked?{at_agent}",
                                             "AUTH_USERNAME": "alice",
                                             "AUTH_PASSWORD": "alice-pass-1"})
    assert too_large.returncode == 5, too_large.stderr  # refused for good: cancel the job
    assert "document larger than 20000 octets" in too_large.stderr
    signed_in = _backend(job, {"DEVICE_URI": f"printwarden:/locked?{at_agent}",
                               "AUTH_USERNAME": "alice", "AUTH_PASSWORD": "alice-pass-1"},
                         stdin=pdf.read_bytes())  # the document on stdin
    assert signed_in.returncode == 0, signed_in.stderr
    poll(lambda: server_jobs(live, "alice"), "alice's job at the server")
