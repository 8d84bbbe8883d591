"""The failure policies end to end, every part a real process or socket: a ``printwarden
server`` process (SQLite), a ``printwarden agent`` process reaching it through a loopback
``TcpProxy``, a virtual IPP printer downstream, and ipptool as an IPP client.

- ``tracker``: central stopped, jobs printed to a tracker queue still reach the printer
  (the received documents are the ones sent); central restarted with the upload's answer
  dropped mid-way by the proxy, the agent uploads again: each job appears once in
  central's job log, charged once;
- a lost authorize answer (central decided and reserved, the agent never heard): the job
  prints offline and its report settles central's job once;
- ``refuse``: ipptool's Print-Job answers ``server-error-service-unavailable``;
- ``hold``: a job kept while central is stopped prints once it is back.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from printwarden.jobs.model import Job, JobState
from tests.agent.e2e.support import (
    WAIT,
    AgentProcess,
    add_agent_queue,
    close_all,
    job_id_of,
    poll,
)
from tests.agent.support import MONO_PAGE, World, seed
from tests.ipp.server.ipptool_support import IPPTOOL, run_print_job
from tests.ipp.server.support import RunningVirtualPrinter
from tests.support.peers import make_pdf
from tests.support.server_process import ServerProcess
from tests.support.tcp_proxy import TcpProxy


@dataclass
class Site:
    world: World
    server: ServerProcess
    proxy: TcpProxy
    agent: AgentProcess
    printer: RunningVirtualPrinter
    root: Path

    def received(self) -> list[bytes]:
        return [path.read_bytes() for path in sorted(self.printer.directory.iterdir())]

    def stop_central(self) -> None:
        self.server.stop()
        poll(lambda: not self.agent.health()["server_reachable"], "the agent to notice",
             step=0.1)

    def start_central(self) -> None:
        self.server.start()
        poll(lambda: self.agent.health()["server_reachable"], "the agent to reconnect",
             step=0.1)

    def offline_states(self) -> list[str]:
        """The tracker journal as the agent committed it (its own SQLite file)."""
        with sqlite3.connect(f"file:{self.agent.data_dir / 'agent.db'}?mode=ro",
                             uri=True) as conn:
            rows = conn.execute("SELECT offline_state FROM jobs WHERE offline_state != '' "
                                "ORDER BY local_id").fetchall()
        return [str(row[0]) for row in rows]

    def balance(self) -> int:
        ledger = self.world.server.ledger
        return ledger.get_account(ledger.credit_account(self.world.alice_id).id).balance_minor


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("tracker")
    server = ServerProcess(root / "server")
    (root / "received").mkdir()
    started: list[Any] = []
    try:
        server.start()
        printer = RunningVirtualPrinter(root / "received").__enter__()
        started.append(printer)
        world = seed(server.container, root / "unused.out")
        proxy = TcpProxy("127.0.0.1", server.port)
        started.append(proxy)
        agent = AgentProcess(root / "agent", proxy.url())
        agent.start(enrol=world.code)
        started.append(agent)
        for name, policy in (("track", "tracker"), ("refusing", "refuse"),
                             ("keeping", "hold")):
            add_agent_queue(world, agent, name, printer.uri, failure_policy=policy)
        yield Site(world, server, proxy, agent, printer, root)
    finally:
        close_all(started)
        server.close()


def test_a_lost_authorize_answer_prints_offline_and_settles_central_s_job_once(
        site: Site) -> None:
    pdf = make_pdf(site.root / "lost.pdf").read_bytes()
    before = site.balance()
    site.proxy.drop_mid_response(after_bytes=0, matching=b"/authorize")
    local = job_id_of(site.agent.print_job("track", pdf))
    poll(lambda: site.agent.job_value("track", local, "job-state") == 9, "the job printed")
    assert site.proxy.pending_faults() == 0  # central decided; its answer was lost
    poll(lambda: site.offline_states() == ["sent"], "the offline report confirmed")

    jobs, total = site.world.server.jobs.list_jobs(username="alice")
    assert total == 1, jobs  # the report closed the job authorize opened: not a second
    [job] = jobs
    assert (job.state, job.offline, job.charged_cost_minor) == (
        JobState.COMPLETED, True, MONO_PAGE)
    assert site.world.charges(job.id) == 1
    reservation = site.world.server.ledger.get_reservation(job.reservation_id or "")
    assert reservation.status == "released"
    assert site.balance() == before - MONO_PAGE
    assert site.received() == [pdf]


@pytest.mark.skipif(IPPTOOL is None, reason="ipptool (cups-ipp-utils) is needed")
def test_refuse_answers_service_unavailable_and_hold_prints_once_central_is_back(
        site: Site) -> None:
    pdf = make_pdf(site.root / "held.pdf", pages=2).read_bytes()
    (site.root / "held.pdf").write_bytes(pdf)
    printed_before = len(site.received())
    site.stop_central()
    assert site.agent.printer_value("refusing", "printer-is-accepting-jobs") == (False,)
    report = run_print_job(site.agent.uri("refusing"), site.root / "held.pdf",
                           "server-error-service-unavailable", timeout=WAIT)
    assert report.returncode == 0, report.stdout + report.stderr
    assert "[PASS]" in report.stdout

    kept = job_id_of(site.agent.print_job("keeping", pdf))
    poll(lambda: site.agent.job_value("keeping", kept, "job-state") == 4,
         "the job kept (pending-held)")
    assert len(site.received()) == printed_before
    site.start_central()
    poll(lambda: site.agent.job_value("keeping", kept, "job-state") == 9,
         "the kept job printed")
    assert site.received()[printed_before:] == [pdf]

    def central_job() -> Job | None:
        [job] = [j for j in site.world.server.jobs.list_jobs(username="alice")[0]
                 if j.agent_job_key and not j.offline]
        return job if job.state is JobState.COMPLETED else None

    # The agent shows the job completed before its report reaches central.
    job = poll(central_job, "central's job completed")
    assert site.world.charges(job.id) == 1


def test_tracker_prints_while_central_is_stopped_and_a_cut_upload_charges_once(
        site: Site) -> None:
    pdfs = [make_pdf(site.root / f"offline-{n}.pdf", pages=n).read_bytes() for n in (1, 3)]
    printed_before = len(site.received())
    offline_before = site.world.server.jobs.list_jobs(offline=True)[1]
    before = site.balance()
    site.stop_central()
    assert site.agent.printer_value("track", "printer-is-accepting-jobs") == (True,)
    ids = [job_id_of(site.agent.print_job("track", pdf)) for pdf in pdfs]
    for local in ids:
        poll(lambda local=local: site.agent.job_value("track", local, "job-state") == 9,
             "the offline job printed")
    assert site.received()[printed_before:] == pdfs  # central is still stopped
    assert site.offline_states()[-2:] == ["pending", "pending"]

    site.proxy.drop_mid_response(after_bytes=0, matching=b"/offline-jobs")
    site.start_central()
    poll(lambda: site.offline_states()[-2:] == ["sent", "sent"],
         "the journal confirmed after the cut upload was sent again")
    assert site.proxy.pending_faults() == 0  # the first upload was applied, its answer lost

    jobs, total = site.world.server.jobs.list_jobs(offline=True)
    assert total == offline_before + 2
    new = sorted(jobs[:2], key=lambda job: job.pages or 0)
    assert [(job.pages, job.state, job.charged_cost_minor) for job in new] == [
        (1, JobState.COMPLETED, MONO_PAGE), (3, JobState.COMPLETED, 3 * MONO_PAGE)]
    assert all(site.world.charges(job.id) == 1 for job in new)
    assert all(job.flag == "offline (tracker)" for job in new)
    assert site.balance() == before - 4 * MONO_PAGE
