"""Other users' job names and owners stay private on an agent queue (Get-Jobs,
Get-Job-Attributes, the status page), except to operators: real requests as two users,
an operator and nobody, checked by the server's real accounts."""

from __future__ import annotations

import httpx

from printwarden.ipp import DelimiterTag, Operation, StatusCode, integer, keyword
from printwarden.ipp import name as name_value
from tests.agent.e2e.conftest import AgentFactory
from tests.agent.e2e.support import AgentProcess, add_agent_queue, poll
from tests.agent.intake.ipp_client import ipp
from tests.agent.support import LiveServer, World
from tests.ipp.server.support import RunningVirtualPrinter, make_pdf

SETTINGS = """min_free_bytes = 0
[[queues]]
name = "locked"
owner_check = "authenticate"
"""
ALICE, BOB, OLGA = ("alice", "alice-pass-1"), ("bob", "bob-pass-1"), ("olga", "olga-pass-1")
PRIVATE = ("job-name", "job-originating-user-name", "job-state-message")


def _seen(agent: AgentProcess, job_id: int, auth: tuple[str, str] | None,
          user: str = "alice") -> tuple[object, ...]:
    answer = ipp(agent, "locked", Operation.GET_JOB_ATTRIBUTES,
                 integer("job-id", job_id), keyword("requested-attributes", *PRIVATE),
                 auth=auth, user=user)
    assert answer.status_code == StatusCode.SUCCESSFUL_OK
    group = answer.group(DelimiterTag.JOB)
    assert group is not None
    return tuple(group[n].value for n in PRIVATE[:2])


def test_job_names_and_owners_are_shown_to_the_owner_and_operators_only(
        live: LiveServer, world: World, agent_factory: AgentFactory,
        downstream: RunningVirtualPrinter) -> None:
    accounts = world.server.accounts
    accounts.set_password(world.alice_id, ALICE[1], actor="test")
    accounts.set_password(world.bob_id, BOB[1], actor="test")
    accounts.create_user("olga", password=OLGA[1], roles=["operator"], actor="test")
    agent = agent_factory(extra_settings=SETTINGS)
    agent.start(enrol=world.code)
    add_agent_queue(world, agent, "locked", downstream.uri)
    document = make_pdf(downstream.directory.parent / "salaries.pdf").read_bytes()
    printed = ipp(agent, "locked", Operation.PRINT_JOB, name_value("job-name", "salaries.pdf"),
                  auth=ALICE, data=document)
    assert printed.status_code == StatusCode.SUCCESSFUL_OK
    job_value = printed.get(DelimiterTag.JOB, "job-id")
    assert job_value is not None and isinstance(job_value.value, int)
    job_id = job_value.value

    assert _seen(agent, job_id, ALICE) == ("salaries.pdf", "alice")
    assert _seen(agent, job_id, OLGA) == ("salaries.pdf", "alice")
    assert _seen(agent, job_id, BOB) == ("(hidden)", "(hidden)")
    # without credentials the requesting-user-name is only a claim: nothing is shown
    assert _seen(agent, job_id, None, user="alice") == ("(hidden)", "(hidden)")

    def listed(auth: tuple[str, str] | None) -> list[object]:
        answer = ipp(agent, "locked", Operation.GET_JOBS, keyword("which-jobs", "all"),
                     keyword("requested-attributes", "job-name"), auth=auth)
        return [g["job-name"].value for g in answer.groups_with(DelimiterTag.JOB)]
    assert listed(BOB) == ["(hidden)"]
    assert listed(ALICE) == ["salaries.pdf"]
    assert listed(OLGA) == ["salaries.pdf"]
    bobs_cancel = ipp(agent, "locked", Operation.CANCEL_JOB, integer("job-id", job_id),
                      auth=BOB)
    assert bobs_cancel.status_code == StatusCode.CLIENT_ERROR_NOT_AUTHORIZED

    anonymous_page = poll(lambda: agent.status_page("locked"), "the status page")
    assert "salaries" not in anonymous_page and ">alice<" not in anonymous_page
    assert "(hidden)" in anonymous_page
    as_bob = httpx.get(agent.url("locked"), auth=BOB, timeout=10)
    assert as_bob.status_code == 200 and "salaries" not in as_bob.text
    as_olga = httpx.get(agent.url("locked"), auth=OLGA, timeout=10)
    assert as_olga.status_code == 200 and "salaries.pdf" in as_olga.text
    wrong = httpx.get(agent.url("locked"), auth=("olga", "not-her-password"), timeout=10)
    assert wrong.status_code == 401
