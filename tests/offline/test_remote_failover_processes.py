"""Failover to a real remote site server and back, every part a real process or socket
(``tests/offline/remote_site.py``): central and an enrolled ``printwarden remote`` on
their own SQLite databases, an agent and a terminal listing central then the remote.

- with the remote converged, the site loses central (agent, terminal and the remote's
  own pull cut): a Print-Job sent with ipptool is authorized and held by the remote, the
  terminal signs alice in there by card and PIN, lists and releases the job, and the
  document reaches the printer; central's job log never hears of it;
- central restored: agent and terminal go back to it by themselves and the next print is
  authorized by central (its job log has it, the remote's has not);
- an agent revoked at central while it talks only to the remote is refused by the
  remote once the revocation has replicated.

Nothing here is about money at the remote: a job charged at the remote is asserted in the
remote's job log only (``test_remote_offline_processes.py`` follows the money offline and
back to central).
"""

from __future__ import annotations

import pytest

from printwarden.jobs.model import JobState
from tests.agent.e2e.support import AgentProcess, poll
from tests.ipp.server.ipptool_support import IPPTOOL
from tests.offline.remote_site import (  # noqa: F401
    CARD,
    PIN,
    RemoteSite,
    ipptool_print,
    remote_site,
)
from tests.support.tcp_proxy import TcpProxy
from tests.support.terminal_process import RECHECK_SECONDS

pytestmark = pytest.mark.skipif(IPPTOOL is None, reason="ipptool (cups-ipp-utils) is needed")

def job_ids(site: RemoteSite, at_remote: bool, state: JobState | None = None) -> set[str]:
    server = site.remote.container if at_remote else site.central.container
    return {job.id for job in site.jobs_at(server, state)}


def agent_named(site: RemoteSite, name: str) -> str:
    [agent] = [a for a in site.central.container.devices.list_agents() if a.name == name]
    return agent.id


def test_cut_from_central_the_site_prints_at_its_remote_then_returns_to_central(
        remote_site: RemoteSite) -> None:  # noqa: F811
    site, agent, terminal = remote_site, remote_site.agent, remote_site.terminal
    site.converged()  # users, cards, PINs, queues, the agent's and terminal's tokens
    assert agent.health()["server"] == site.agent_central.url()
    assert terminal.run("status")["server"] == site.terminal_central.url()
    at_central = job_ids(site, at_remote=False)
    printed = site.printed()

    site.cut_central()
    ipptool_print(site, "vault")
    [held] = poll(lambda: job_ids(site, True, JobState.HELD), "the job held at the remote")
    assert agent.health()["server"] == site.agent_remote.url()
    assert site.agent_remote.counters().bytes_to_server > 0

    assert terminal.run(f"card {CARD}")["need"] == "pin"
    signed_in = terminal.run(f"pin {PIN}")
    assert signed_in["ok"] and signed_in["session"]["user"]["username"] == "alice", signed_in
    assert terminal.run("status")["server"] == site.terminal_remote.url()
    listed = terminal.run("list")
    assert [job["job_id"] for job in listed["jobs"]] == [held], listed
    released = terminal.run(f"release {held}")
    assert released["ok"] and released["outcomes"][0]["ok"], released
    poll(lambda: site.printed() == printed + 1, "the released document at the printer")
    poll(lambda: site.remote.container.jobs.get_job(held).state is JobState.COMPLETED,
         "the job completed at the remote")
    assert terminal.run("logout")["ok"]
    assert job_ids(site, at_remote=False) == at_central  # central never heard of it

    site.restore_central()
    poll(lambda: agent.health()["server"] == site.agent_central.url(),
         "the agent back on central", step=0.1)
    poll(lambda: terminal.run("status")["server"] == site.terminal_central.url(),
         "the terminal back on central", step=RECHECK_SECONDS)
    at_remote = job_ids(site, at_remote=True)
    ipptool_print(site, "direct")
    [_new] = poll(lambda: job_ids(site, False, JobState.COMPLETED) - at_central,
                 "the next job completed at central")
    assert job_ids(site, at_remote=True) == at_remote  # not authorized at the remote
    poll(lambda: site.printed() == printed + 2, "the next document at the printer")
    assert agent.health()["server"] == site.agent_central.url()


def test_an_agent_the_remote_has_not_pulled_yet_waits_for_it_not_taking_itself_for_revoked(
        remote_site: RemoteSite) -> None:  # noqa: F811
    site, central = remote_site, remote_site.central.container
    site.sync_central.cut()  # the remote pulls nothing new from here on
    code, _ = central.devices.create_enrolment_code(actor="test")
    with TcpProxy("127.0.0.1", site.central.port) as to_central:
        newcomer = AgentProcess(site.root / "newcomer", to_central.url(), name="newcomer",
                                more_servers=(site.agent_remote.url(),))
        try:
            newcomer.start(enrol=code)
            central.devices.create_printer("newcomer-direct", actor="test",
                                           agent_id=agent_named(site, "newcomer"),
                                           device_uri=site.printer.uri,
                                           owner_check="trusted-network")
            poll(lambda: newcomer.ready("newcomer-direct"), "the newcomer's queue")
            to_central.cut()  # central away, and the remote does not know this agent
            poll(lambda: not newcomer.health()["server_reachable"],
                 "the newcomer finding no server that serves it", step=0.1)
            assert site.agent_remote.counters().connections > 0
            site.sync_central.restore()
            site.converged()
            poll(lambda: newcomer.health()["server_reachable"],
                 "the newcomer served by the remote", step=0.1)
            assert newcomer.health()["server"] == site.agent_remote.url()
            assert newcomer.health()["queues"]["newcomer-direct"]["accepting"] is True
        finally:
            newcomer.kill()
            site.sync_central.restore()


def test_an_agent_revoked_at_central_is_refused_by_the_remote(
        remote_site: RemoteSite) -> None:  # noqa: F811
    site, agent = remote_site, remote_site.agent
    site.agent_central.cut()  # the agent talks to the remote only from here on
    poll(lambda: agent.health()["server"] == site.agent_remote.url(),
         "the agent on the remote", step=0.1)
    assert agent.health()["queues"]["direct"]["accepting"] is True
    site.central.container.jobs.revoke_agent(agent_named(site, "e2e-agent"), actor="test")
    site.converged()
    revoked = site.remote.container.devices.get_agent(agent_named(site, "e2e-agent"))
    assert revoked.status == "revoked"  # replicated
    poll(lambda: agent.health()["queues"]["direct"]["accepting"] is False,
         "the agent refused by the remote")
    health = agent.health()
    assert (health["server"], health["server_reachable"]) == (site.agent_remote.url(), True)
    [message] = agent.printer_value("direct", "printer-state-message")
    assert message.startswith("agent revoked"), message
    site.agent_central.restore()
