"""Issue 10's "done when" for rules, end to end over real IPP through a real agent process
to virtual printers: a forced redirect prints at the other queue's printer; a suggestion
accepted moves the job to the other queue's printer, an
unanswered one keeps it where it was after the timeout; a confirmation holds the job until
the answer (print prints and charges once; cancel cancels and charges nothing); the
account chosen pays; a user at quota is denied with the balance in job-state-message; a
user with group quota left prints on the group quota first, then on credit.

One agent, two printers and one test, so it costs one agent start."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from printwarden.core.money import Money
from printwarden.core.principal import Principal
from printwarden.ipp import DelimiterTag, name
from printwarden.jobs.model import JobState
from tests.agent.e2e.conftest import AgentFactory
from tests.agent.e2e.support import add_agent_queue, poll
from tests.agent.support import MONO_PAGE, LiveServer, World
from tests.ipp.server.support import RunningVirtualPrinter, make_pdf

TIMEOUT = 5


@pytest.fixture
def basement(tmp_path: Path) -> Iterator[RunningVirtualPrinter]:
    received = tmp_path / "basement"
    received.mkdir()
    with RunningVirtualPrinter(received) as printer:
        yield printer


def received(printer: RunningVirtualPrinter) -> int:
    return len([p for p in printer.directory.iterdir() if p.is_file()])


def submit(agent: Any, queue: str, title: str, document: bytes, user: str = "alice") -> int:
    answer = agent.print_job(queue, document, user=user,
                             extra=(name("job-name", title),))
    job_id = answer.get(DelimiterTag.JOB, "job-id")
    assert job_id is not None, answer
    return int(job_id.value)


def server_job(live: LiveServer, title: str) -> Any:
    def find() -> Any:
        jobs, _ = live.container.jobs.list_jobs(limit=100)
        return next((j for j in jobs if j.title == title and j.decision), None)
    return poll(find, f"the server's decision on {title}")


def question_of(live: LiveServer, job_id: str) -> Any:
    return poll(lambda: next(iter(live.container.questions.of_job(job_id)), None),
                "the rule's question")


def principal(live: LiveServer, user_id: str) -> Principal:
    found = live.container.principal_for_user(user_id)
    assert found is not None
    return found


def test_rules_over_real_ipp_with_questions_accounts_and_quotas(
        live: LiveServer, world: World, agent_factory: AgentFactory,
        downstream: RunningVirtualPrinter, basement: RunningVirtualPrinter,
        tmp_path: Path) -> None:
    server = live.container
    agent = agent_factory()
    agent.start(enrol=world.code)
    add_agent_queue(world, agent, "hall", downstream.uri)
    add_agent_queue(world, agent, "basement", basement.uri)
    rules = server.rules
    rules.create("test", {"name": "go downstairs", "scope": {"kind": "queue", "value": "hall"},
                          "conditions": {"document_names": ["suggest*"]},
                          "actions": [{"type": "suggest", "queue": "basement",
                                       "default": "keep", "timeout_seconds": TIMEOUT}]})
    rules.create("test", {"name": "confirm", "conditions": {"document_names": ["confirm*"]},
                          "actions": [{"type": "confirm", "default": "cancel",
                                       "timeout_seconds": 60}]})
    rules.create("test", {"name": "which project",
                          "conditions": {"document_names": ["project*"]},
                          "actions": [{"type": "ask_account", "timeout_seconds": 60}]})
    rules.create("test", {"name": "redirect", "scope": {"kind": "queue", "value": "hall"},
                          "conditions": {"document_names": ["redirect*"]},
                          "actions": [{"type": "redirect", "queue": "basement"}]})
    pdf = make_pdf(tmp_path / "two.pdf", pages=2).read_bytes()
    alice = principal(live, world.alice_id)

    # a suggestion accepted: printed at the basement printer, priced there
    submit(agent, "hall", "suggest-accept.pdf", pdf)
    job = server_job(live, "suggest-accept.pdf")
    question = question_of(live, job.id)
    assert question.kind == "suggest" and question.default == "keep"
    assert received(downstream) == received(basement) == 0  # held meanwhile
    server.questions.answer(alice, question.id, "accept")
    poll(lambda: received(basement) == 1, "the job at the basement printer")
    assert received(downstream) == 0

    # a forced redirect: held and released in one server transaction, so the release event
    # may reach the agent before its hold is journaled; it must not be dropped
    submit(agent, "hall", "redirect-me.pdf", pdf)
    poll(lambda: received(basement) == 2, "the redirected job at the basement printer")
    assert received(downstream) == 0

    # a suggestion nobody answers: the default (keep) after the timeout
    submit(agent, "hall", "suggest-timeout.pdf", pdf)
    job = server_job(live, "suggest-timeout.pdf")
    question = question_of(live, job.id)
    time.sleep(max(0.0, (question.deadline.timestamp() - time.time())) + 0.2)
    assert server.questions.expire_due() == 1  # what the server's 2-second sweep runs
    poll(lambda: received(downstream) == 1, "the job at the hall printer")
    assert received(basement) == 2

    # confirm: waits until the answer; print prints once, cancel charges nothing
    submit(agent, "hall", "confirm-print.pdf", pdf)
    printed = server_job(live, "confirm-print.pdf")
    submit(agent, "hall", "confirm-cancel.pdf", pdf)
    cancelled = server_job(live, "confirm-cancel.pdf")
    time.sleep(1.0)
    assert received(downstream) == 1  # both wait
    server.questions.answer(alice, question_of(live, printed.id).id, "print")
    server.questions.answer(alice, question_of(live, cancelled.id).id, "cancel")
    poll(lambda: received(downstream) == 2, "the confirmed job printed")
    poll(lambda: server.jobs.get_job(printed.id).state is JobState.COMPLETED,
         "the confirmed job completed")
    assert world.charges(printed.id) == 1
    assert server.jobs.get_job(printed.id).charged_cost_minor == 2 * MONO_PAGE
    ended = server.jobs.get_job(cancelled.id)
    assert ended.state is JobState.CANCELLED and ended.charged_cost_minor == 0
    assert world.charges(cancelled.id) == 0

    # ask for an account: the project chosen pays
    ledger = server.ledger
    project = ledger.open_account("shared", "Apollo", actor="test")
    ledger.add_account_member(project.id, world.alice_id, actor="test")
    ledger.post_entry(project.id, Money(500, "EUR"), "top-up", idempotency_key="t:apollo",
                      actor="test", note="")
    submit(agent, "hall", "project-report.pdf", pdf)
    job = server_job(live, "project-report.pdf")
    server.questions.answer(alice, question_of(live, job.id).id, f"account:{project.id}")
    poll(lambda: server.jobs.get_job(job.id).state is JobState.COMPLETED, "project job")
    assert ledger.get_account(project.id).balance_minor == 500 - 2 * MONO_PAGE

    # a user at quota is denied with the balance in job-state-message
    denied = submit(agent, "hall", "broke.pdf", pdf, user="bob")
    message = poll(lambda: (agent.job_value("hall", denied, "job-state-message", user="bob")
                            if "balance" in str(agent.job_value(
                                "hall", denied, "job-state-message", user="bob")) else None),
                   "the denial at the agent")
    assert "0.00" in str(message)

    # group quota first, then credit
    accounts = server.accounts
    group = accounts.create_group("class-7b", actor="test")
    accounts.add_member(group.id, world.bob_id, actor="test")
    quota = ledger.group_account(group.id)
    ledger.post_entry(quota.id, Money(4, "EUR"), "top-up", idempotency_key="t:q",
                      actor="test", note="")
    credit = ledger.credit_account(world.bob_id)
    ledger.post_entry(credit.id, Money(100, "EUR"), "top-up", idempotency_key="t:c",
                      actor="test", note="")
    submit(agent, "hall", "group-first.pdf", pdf, user="bob")
    job = server_job(live, "group-first.pdf")
    poll(lambda: server.jobs.get_job(job.id).state is JobState.COMPLETED, "bob's job")
    assert ledger.get_account(quota.id).balance_minor == 0
    assert ledger.get_account(credit.id).balance_minor == 100 - (2 * MONO_PAGE - 4)
