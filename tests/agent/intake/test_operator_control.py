"""Operators control an agent queue over IPP: only a user the server authenticated with the
operator (or admin) role may; a pause stops what goes to the device, survives a restart
of the agent, and Resume-Printer prints what waited."""

from __future__ import annotations

from printwarden.ipp import DelimiterTag, Operation, StatusCode, decode, integer, keyword
from printwarden.jobs.model import JobState
from tests.agent.e2e.conftest import AgentFactory
from tests.agent.e2e.support import AgentProcess, add_agent_queue, poll, server_jobs
from tests.agent.intake.ipp_client import ipp, post
from tests.agent.support import LiveServer, World
from tests.ipp.server.support import RunningVirtualPrinter, ipp_request, make_pdf

OLGA, BOB = ("olga", "olga-pass-1"), ("bob", "bob-pass-1")


def _reasons(agent: AgentProcess, auth: tuple[str, str] | None = None) -> tuple[object, ...]:
    answer = ipp(agent, "hall", Operation.GET_PRINTER_ATTRIBUTES,
                 keyword("requested-attributes", "printer-state-reasons"), auth=auth)
    found = answer.get(DelimiterTag.PRINTER, "printer-state-reasons")
    assert found is not None
    return found.values


def test_only_operators_pause_a_queue_and_the_pause_holds_jobs_across_a_restart(
        live: LiveServer, world: World, agent_factory: AgentFactory,
        downstream: RunningVirtualPrinter) -> None:
    world.server.accounts.set_password(world.bob_id, BOB[1], actor="test")
    world.server.accounts.create_user("olga", password=OLGA[1], roles=["operator"],
                                      actor="test")
    agent = agent_factory()
    agent.start(enrol=world.code)
    add_agent_queue(world, agent, "hall", downstream.uri)  # trusts requesting-user-name

    # a user name is not a role: without credentials the agent asks for them
    challenge = post(agent, "hall", ipp_request(Operation.PAUSE_PRINTER, agent.uri("hall"),
                                                user="olga"))
    assert challenge.status_code == 401
    assert challenge.headers["www-authenticate"] == 'Basic realm="printwarden"'
    assert decode(challenge.content)[0].status_code == StatusCode.CLIENT_ERROR_NOT_AUTHORIZED
    refused = ipp(agent, "hall", Operation.PAUSE_PRINTER, auth=BOB, user="bob")
    assert refused.status_code == StatusCode.CLIENT_ERROR_FORBIDDEN
    paused = ipp(agent, "hall", Operation.PAUSE_PRINTER, auth=OLGA, user="olga")
    assert paused.status_code == StatusCode.SUCCESSFUL_OK
    assert "paused" in _reasons(agent)

    document = make_pdf(downstream.directory.parent / "one.pdf").read_bytes()
    printed = agent.print_job("hall", document, user="alice")
    assert printed.status_code == StatusCode.SUCCESSFUL_OK
    job_id = printed.get(DelimiterTag.JOB, "job-id")
    assert job_id is not None
    # authorized at the server, then held back by the pause: nothing reached the device
    jobs = poll(lambda: [j for j in server_jobs(live, "alice")
                         if j.state == JobState.AUTHORIZED], "the job authorized")
    assert len(jobs) == 1
    assert list(downstream.directory.iterdir()) == []
    assert agent.job_value("hall", int(job_id.value), "job-state") == 3  # pending

    agent.stop()
    agent.start()
    poll(lambda: agent.ready("hall"), "the queue after the restart")
    assert "paused" in _reasons(agent)  # the operator's pause was kept
    assert list(downstream.directory.iterdir()) == []

    resumed = ipp(agent, "hall", Operation.RESUME_PRINTER, auth=OLGA, user="olga")
    assert resumed.status_code == StatusCode.SUCCESSFUL_OK
    poll(lambda: list(downstream.directory.iterdir()), "the document at the printer")
    poll(lambda: agent.job_value("hall", int(job_id.value), "job-state") == 9,
         "the IPP job completed")
    assert "paused" not in _reasons(agent)


def test_what_the_agent_cannot_do_is_refused_with_the_reason(
        live: LiveServer, world: World, agent_factory: AgentFactory,
        downstream: RunningVirtualPrinter) -> None:
    world.server.accounts.create_user("olga", password=OLGA[1], roles=["admin"], actor="test")
    agent = agent_factory()
    agent.start(enrol=world.code)
    add_agent_queue(world, agent, "hall", downstream.uri)
    document = make_pdf(downstream.directory.parent / "one.pdf").read_bytes()
    printed = agent.print_job("hall", document, user="alice")
    found = printed.get(DelimiterTag.JOB, "job-id")
    assert found is not None and isinstance(found.value, int)
    job_id = found.value
    poll(lambda: agent.job_value("hall", job_id, "job-state") == 9, "the job printed")
    restart = ipp(agent, "hall", Operation.RESTART_JOB, integer("job-id", job_id))
    assert restart.status_code == StatusCode.CLIENT_ERROR_NOT_POSSIBLE
    why = restart.get(DelimiterTag.OPERATION, "status-message")
    assert why is not None and "keeps no document" in str(why.value)
    promote = ipp(agent, "hall", Operation.PROMOTE_JOB, integer("job-id", job_id),
                  auth=OLGA, user="olga")  # an admin is an operator too
    assert promote.status_code == StatusCode.CLIENT_ERROR_NOT_POSSIBLE


def test_hold_new_jobs_holds_arrivals_until_the_operator_releases_them(
        live: LiveServer, world: World, agent_factory: AgentFactory,
        downstream: RunningVirtualPrinter) -> None:
    world.server.accounts.create_user("olga", password=OLGA[1], roles=["operator"],
                                      actor="test")
    agent = agent_factory()
    agent.start(enrol=world.code)
    add_agent_queue(world, agent, "hall", downstream.uri)
    assert ipp(agent, "hall", Operation.HOLD_NEW_JOBS, auth=OLGA).status_code == 0
    document = make_pdf(downstream.directory.parent / "one.pdf").read_bytes()
    found = agent.print_job("hall", document).get(DelimiterTag.JOB, "job-id")
    assert found is not None and isinstance(found.value, int)
    job_id = found.value
    poll(lambda: agent.job_value("hall", job_id, "job-state") == 4, "the job held")
    assert list(downstream.directory.iterdir()) == []
    released = ipp(agent, "hall", Operation.RELEASE_HELD_NEW_JOBS, auth=OLGA)
    assert released.status_code == StatusCode.SUCCESSFUL_OK
    poll(lambda: agent.job_value("hall", job_id, "job-state") == 9, "the job printed")
    assert len(list(downstream.directory.iterdir())) == 1
