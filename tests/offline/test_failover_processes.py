"""Failover end to end, every part a real process or socket: two ``printwarden server``
processes on ONE throwaway PostgreSQL database stand in for "preferred" (A) and
"fallback" (B); a ``printwarden agent`` process and a ``printwarden terminal --script -``
process have both in their server lists, A first, each through its own loopback
``TcpProxy`` per server (so a cut is a network cut and the counters say who talked to
whom); a virtual IPP printer is downstream.

- A's paths cut: a job printed over IPP to the agent's release queue is authorized by B
  (held), the terminal signs in by card and PIN, lists it and releases it, all on B, and
  the document reaches the printer, charged once;
- A's paths restored: agent and terminal go back to A by themselves;
- an authorize whose answer A's proxy drops after A decided is sent again to B with the
  same agent job key: one job at the server, printed once, charged once.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from printwarden.jobs.model import JobState
from tests.agent.e2e.support import (
    AgentProcess,
    add_agent_queue,
    close_all,
    job_id_of,
    poll,
)
from tests.agent.support import World, seed
from tests.ipp.server.support import RunningVirtualPrinter
from tests.support.databases import PostgresFactory
from tests.support.peers import make_pdf
from tests.support.server_process import ServerProcess
from tests.support.tcp_proxy import TcpProxy
from tests.support.terminal_process import RECHECK_SECONDS, TerminalProcess

pytestmark = pytest.mark.postgres

CARD, PIN = "0077001234", "2468"


@dataclass
class Site:
    world: World
    a: ServerProcess
    b: ServerProcess
    agent: AgentProcess
    agent_a: TcpProxy
    agent_b: TcpProxy
    terminal: TerminalProcess
    terminal_a: TcpProxy
    terminal_b: TcpProxy
    printer: RunningVirtualPrinter
    pdf: bytes

    def cut_a(self) -> None:
        self.agent_a.cut()
        self.terminal_a.cut()

    def restore_a(self) -> None:
        self.agent_a.restore()
        self.terminal_a.restore()

    def jobs(self, state: JobState | None = None) -> list[Any]:
        found, _ = self.world.server.jobs.list_jobs(username="alice", state=state,
                                                    limit=1000)
        return found

    def charges(self, job_id: str) -> int:
        return self.world.charges(job_id)

    def printed(self) -> int:
        return len(list(self.printer.directory.iterdir()))


@pytest.fixture(scope="module")
def site(postgres_factory: PostgresFactory,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("failover")
    db = postgres_factory.new()
    db.dispose()  # the servers open their own connections
    settings: dict[str, Any] = {"database_url": db.url, "card_alone_allowed": False}
    a = ServerProcess(root / "a", **settings)
    # servers of one database share its secrets (card HMAC key, session and fetch-token
    # keys): docs/reliability.md "Failover"
    (root / "b").mkdir()
    for name in ("secrets.json", "fetch-token.key"):
        shutil.copy2(root / "a" / name, root / "b" / name)
    b = ServerProcess(root / "b", **settings)
    (root / "received").mkdir()
    started: list[Any] = []
    try:
        starting = [threading.Thread(target=process.start) for process in (a, b)]
        for thread in starting:
            thread.start()
        for thread in starting:
            thread.join()
        for process in (a, b):  # a start that failed in its thread says so here
            assert httpx.get(process.url + "/readyz", timeout=5).status_code == 200, \
                process.log.read_text(errors="replace")
        printer = RunningVirtualPrinter(root / "received").__enter__()
        started.append(printer)
        world = seed(a.container, root / "unused.out")
        proxies = [TcpProxy("127.0.0.1", s.port) for s in (a, b, a, b)]
        started.extend(proxies)
        agent_a, agent_b, terminal_a, terminal_b = proxies
        agent = AgentProcess(root / "agent", agent_a.url(), more_servers=(agent_b.url(),))
        agent.start(enrol=world.code)
        started.append(agent)
        add_agent_queue(world, agent, "vault", printer.uri, hold_for_release=True,
                        owner_check="release")
        add_agent_queue(world, agent, "direct", printer.uri)
        server = world.server
        server.accounts.add_card(world.alice_id, CARD, actor="test")
        server.accounts.set_pin(world.alice_id, PIN, actor="test")
        vault = server.devices.find_device_by_name("vault")
        assert vault is not None
        code, _ = server.terminals.create_code(vault.id, actor="test")
        terminal = TerminalProcess([terminal_a.url(), terminal_b.url()], root / "terminal",
                                   code)
        started.append(terminal)
        pdf = make_pdf(root / "one.pdf").read_bytes()
        yield Site(world, a, b, agent, agent_a, agent_b, terminal, terminal_a, terminal_b,
                   printer, pdf)
    finally:
        close_all(started)
        a.close()
        b.close()


def test_with_a_cut_b_authorizes_and_the_terminal_releases_then_both_return_to_a(
        site: Site) -> None:
    agent, terminal = site.agent, site.terminal
    assert agent.health()["server"] == site.agent_a.url()
    status = terminal.run("status")
    assert status["ok"] and status["server"] == site.terminal_a.url(), status

    site.cut_a()
    to_b = site.agent_b.counters().bytes_to_server
    held = job_id_of(agent.print_job("vault", site.pdf))
    poll(lambda: agent.job_value("vault", held, "job-state") == 4, "the job held (by B)")
    assert agent.health()["server"] == site.agent_b.url()
    assert site.agent_b.counters().bytes_to_server > to_b
    [job] = site.jobs(JobState.HELD)

    assert terminal.run(f"card {CARD}")["need"] == "pin"
    signed_in = terminal.run(f"pin {PIN}")
    assert signed_in["ok"] and signed_in["session"]["user"]["username"] == "alice", signed_in
    listed = terminal.run("list")
    assert [j["job_id"] for j in listed["jobs"]] == [job.id], listed
    released = terminal.run(f"release {job.id}")
    assert released["ok"] and released["outcomes"][0]["ok"], released
    assert terminal.run("status")["server"] == site.terminal_b.url()
    poll(lambda: site.printed() == 1, "the released document at the printer")
    poll(lambda: site.world.server.jobs.get_job(job.id).state is JobState.COMPLETED,
         "the job completed at the server")
    assert site.charges(job.id) == 1

    site.restore_a()
    poll(lambda: agent.health()["server"] == site.agent_a.url(),
         "the agent back on A", step=0.1)
    before = site.terminal_a.connections
    poll(lambda: terminal.run("status")["server"] == site.terminal_a.url(),
         "the terminal back on A", step=RECHECK_SECONDS)
    assert site.terminal_a.connections > before
    assert terminal.run("logout")["ok"]


def test_an_authorize_answer_lost_on_a_is_retried_on_b_and_charged_once(
        site: Site) -> None:
    agent = site.agent
    poll(lambda: agent.health()["server"] == site.agent_a.url(), "the agent on A")
    for _attempt in range(3):  # on a loaded machine A may be given up on before it answers
        jobs_before = {j.id for j in site.jobs()}
        printed_before = site.printed()
        to_b = site.agent_b.counters().bytes_to_server
        site.agent_a.drop_mid_response(after_bytes=0, matching=b"/authorize")
        local = job_id_of(agent.print_job("direct", site.pdf))
        poll(lambda job=local: agent.job_value("direct", job, "job-state") == 9,
             "the job printed")
        if site.agent_a.pending_faults() == 0:  # A decided; its answer was lost
            break
        site.agent_a.clear_faults()
        poll(lambda: agent.health()["server"] == site.agent_a.url(), "the agent on A")
    assert site.agent_a.pending_faults() == 0, "A never answered an authorize in 3 tries"
    assert site.agent_b.counters().bytes_to_server > to_b  # the retry went to B
    new = [j for j in site.jobs() if j.id not in jobs_before]
    assert len(new) == 1, new  # B answered A's decision: one job, not two
    poll(lambda: site.world.server.jobs.get_job(new[0].id).state is JobState.COMPLETED,
         "the job completed at the server")
    assert site.charges(new[0].id) == 1
    assert site.printed() == printed_before + 1
