"""A site with a real remote, every part a real process or socket, for failover tests.

- central: a ``printwarden server`` process (SQLite in its data directory);
- the remote: a ``printwarden remote`` process enrolled at central with a code from
  ``Remotes.create``, on its own SQLite data directory, pulling central's feed every
  ``SYNC_POLL_SECONDS``;
- a ``printwarden agent`` process and a ``printwarden terminal --script -`` process, each
  with the ordered server list central then remote;
- a virtual IPP printer downstream of the agent's queues.

Every path to central (agent, terminal, and the remote's own pull) goes through its own
loopback ``TcpProxy``, and so does every path to the remote: ``cut_central`` is a WAN cut
(the site keeps its remote, loses central), and the proxies' counters say who talked to
whom. Both servers run with the same settings (``SERVER_SETTINGS``); the remote learns
central's card key at enrolment, so cards and PINs enrolled at central sign in there.

The test process sees each server's database through a container of its own (no
scheduler, serves nothing): ``central`` is central's, ``remote.container`` the remote's,
so a test asserts which server's job log holds a job.

Use it from a test module with ``from tests.offline.remote_site import remote_site``
(``# noqa: F401``): one process set per module.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from printwarden.container import ServerContainer
from printwarden.core.settings import load_server_settings
from printwarden.jobs.model import Job, JobState
from printwarden.remote import enrolment as enrolment_file
from printwarden.server.bootstrap import build_server
from tests.agent.e2e.support import WAIT, AgentProcess, add_agent_queue, close_all, poll
from tests.agent.support import World, seed
from tests.ipp.server.ipptool_support import run_print_job
from tests.ipp.server.support import RunningVirtualPrinter
from tests.support.peers import make_pdf
from tests.support.postgres import free_port
from tests.support.processes import Service
from tests.support.server_process import ServerProcess
from tests.support.tcp_proxy import TcpProxy
from tests.support.terminal_process import TerminalProcess

__all__ = ["CARD", "PIN", "RemoteProcess", "RemoteSite", "ipptool_print", "remote_site",
           "start_site"]

CARD, PIN = "0077004321", "1357"
#: How often the remote pulls central's feed here (the default is 2 s).
SYNC_POLL_SECONDS = 0.2
#: Settings both servers run with: a card alone does not sign in (the PIN is checked
#: against the hash made with central's card key).
SERVER_SETTINGS: dict[str, Any] = {"card_alone_allowed": False}


class RemoteProcess:
    """``printwarden remote`` enrolled at ``central_url`` with ``code``, on ``data_dir``."""

    def __init__(self, data_dir: Path, **settings: Any) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        values = {"log_level": "warning", "sync_poll_interval_seconds": SYNC_POLL_SECONDS,
                  **settings}
        self._env = {f"PRINTWARDEN_{key.upper()}": str(value) for key, value in values.items()}
        self._service: Service | None = None
        self._container: ServerContainer | None = None

    @property
    def log(self) -> Path:
        return self.data_dir.parent / f"{self.data_dir.name}-remote.log"

    def start(self, central_url: str = "", code: str = "") -> RemoteProcess:
        """Start (enrolling on the first start) and wait for ``/readyz``: the first
        snapshot is in."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        args = ["remote", "--data-dir", str(self.data_dir), "--port", str(self.port)]
        if code:
            args += ["--central", central_url, "--enrol", code]
        env = {k: v for k, v in os.environ.items() if not k.startswith("PRINTWARDEN_")}
        self._service = Service(args, self.log, env={**env, **self._env})
        self._service.wait_http(self.url + "/readyz")
        return self

    @property
    def container(self) -> ServerContainer:
        """The remote's database seen from the test (opened once the remote made it)."""
        if self._container is None:
            kept = enrolment_file.load(self.data_dir)
            assert kept is not None, "the remote is not enrolled"
            settings = load_server_settings(self.data_dir, card_hmac_key=kept.card_hmac_key)
            self._container = build_server(settings, migrate=False)
        return self._container

    def ready(self) -> dict[str, Any]:
        answer: dict[str, Any] = httpx.get(self.url + "/readyz", timeout=5).json()
        return answer

    def kill(self) -> None:
        """SIGKILL the process (no shutdown: what it had not committed is gone)."""
        service, self._service = self._service, None
        if service is not None and service.proc.poll() is None:
            os.killpg(service.proc.pid, signal.SIGKILL)
            service.proc.wait(timeout=10)
        if service is not None:
            service.stop()  # reaped already: closes its log

    def alive(self) -> bool:
        return self._service is not None and self._service.proc.poll() is None

    def stop(self) -> None:
        service, self._service = self._service, None
        if service is not None:
            service.stop()

    def close(self) -> None:
        """Stop the process and let go of the test's view of its database."""
        self.stop()
        if self._container is not None:
            self._container.db.dispose()


@dataclass
class RemoteSite:
    world: World  #: seeded at central: alice (with credit, CARD and PIN) and bob
    central: ServerProcess
    remote: RemoteProcess
    agent: AgentProcess
    terminal: TerminalProcess
    printer: RunningVirtualPrinter
    root: Path
    pdf: Path  #: a one-page PDF
    #: proxies, by path: agent, terminal and the remote's pull to central; agent and
    #: terminal to the remote
    agent_central: TcpProxy
    terminal_central: TcpProxy
    sync_central: TcpProxy
    agent_remote: TcpProxy
    terminal_remote: TcpProxy

    @property
    def central_paths(self) -> tuple[TcpProxy, ...]:
        return (self.agent_central, self.terminal_central, self.sync_central)

    def cut_central(self) -> None:
        """The site loses central (the WAN): agent, terminal and remote alike."""
        for proxy in self.central_paths:
            proxy.cut()

    def restore_central(self) -> None:
        for proxy in self.central_paths:
            proxy.restore()

    def converged(self) -> int:
        """Wait until the remote has applied every change central has made so far;
        answer that version."""
        head = self.central.container.feed.sequence()
        poll(lambda: (self.remote.ready().get("replica_version") or 0) >= head,
             f"the remote at central's version {head}", step=0.1)
        return head

    def jobs_at(self, server: ServerContainer, state: JobState | None = None) -> list[Job]:
        found, _ = server.jobs.list_jobs(username="alice", state=state, limit=1000)
        return found

    def printed(self) -> int:
        return len(list(self.printer.directory.iterdir()))


def ipptool_print(site: RemoteSite, queue: str) -> None:
    """Print the site's PDF to the agent's ``queue`` with ipptool: successful-ok with a
    job id."""
    report = run_print_job(site.agent.uri(queue), site.pdf, "successful-ok", timeout=WAIT)
    assert report.returncode == 0 and "[PASS]" in report.stdout, \
        report.stdout + report.stderr


def start_site(root: Path, **remote_settings: Any) -> Iterator[RemoteSite]:
    """Start the whole site under ``root``, yield it, stop every part. ``remote_settings``
    are the remote's own settings on top of ``SERVER_SETTINGS``
    (``remote_offline_after_seconds=...``)."""
    started: list[Any] = []
    try:
        central = ServerProcess(root / "central", **SERVER_SETTINGS)
        started.append(central)
        central.start()
        (root / "received").mkdir()
        printer = RunningVirtualPrinter(root / "received").__enter__()
        started.append(printer)
        world = seed(central.container, root / "unused.out")
        accounts = central.container.accounts
        accounts.add_card(world.alice_id, CARD, actor="test")
        accounts.set_pin(world.alice_id, PIN, actor="test")
        agent_central, terminal_central, sync_central = (
            TcpProxy("127.0.0.1", central.port) for _ in range(3))
        started.extend((agent_central, terminal_central, sync_central))
        _, code = central.container.remotes.create("site", actor="test")
        remote = RemoteProcess(root / "remote", **SERVER_SETTINGS, **remote_settings)
        started.append(remote)
        remote.start(sync_central.url(), code)
        agent_remote, terminal_remote = (TcpProxy("127.0.0.1", remote.port) for _ in range(2))
        started.extend((agent_remote, terminal_remote))
        agent = AgentProcess(root / "agent", agent_central.url(),
                             more_servers=(agent_remote.url(),))
        agent.start(enrol=world.code)
        started.append(agent)
        add_agent_queue(world, agent, "vault", printer.uri, hold_for_release=True,
                        owner_check="release")
        add_agent_queue(world, agent, "direct", printer.uri)
        vault = central.container.devices.find_device_by_name("vault")
        assert vault is not None
        terminal_code, _ = central.container.terminals.create_code(vault.id, actor="test")
        terminal = TerminalProcess([terminal_central.url(), terminal_remote.url()],
                                   root / "terminal", terminal_code)
        started.append(terminal)
        site = RemoteSite(world, central, remote, agent, terminal, printer, root,
                          make_pdf(root / "one.pdf"), agent_central, terminal_central,
                          sync_central, agent_remote, terminal_remote)
        assert terminal.run("status")["ok"]  # enrolled at central
        yield site
    finally:
        close_all(started)


@pytest.fixture(scope="module")
def remote_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RemoteSite]:
    yield from start_site(tmp_path_factory.mktemp("remote-site"))
