"""Rules applied at authorize on the real server (SQLite and PostgreSQL): transforms priced
after, denials with balance and cost, questions answered or defaulted, accounts chosen,
redirects, fees, approvals. Money moves once whatever the answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from printwarden.container import ServerContainer
from printwarden.core.clock import FixedClock
from printwarden.core.errors import ConflictError, PermissionDenied, ValidationError
from printwarden.core.money import Money
from printwarden.core.pricing import JobSpec
from printwarden.core.principal import Principal
from printwarden.core.settings import load_server_settings
from printwarden.db.engine import Database
from printwarden.jobs.model import JobState
from tests.jobs.world import COLOR_PAGE, MONO_PAGE, World, make_world

START = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def server(db: Database, tmp_path: Path, clock: FixedClock) -> ServerContainer:
    from printwarden.server.bootstrap import build_server

    settings = load_server_settings(tmp_path / "data", database_url=db.url)
    return build_server(settings, db=db, migrate=False, clock=clock)


@pytest.fixture
def world(server: ServerContainer) -> World:
    return make_world(server)


def add_rule(world: World, name: str, actions: list[dict[str, Any]], **extra: Any) -> None:
    world.server.rules.create("test", {"name": name, "actions": actions, **extra})


def events(world: World, kind: str) -> list[dict[str, Any]]:
    found = world.server.devices.events_after(world.agent.id, None)
    return [dict(e.payload) for e in found if e.kind == kind]


def alice(world: World) -> Principal:
    principal = world.server.principal_for_user(world.user_id)
    assert principal is not None
    return principal


def test_without_rules_authorize_is_as_before(world: World) -> None:
    decision = world.server.jobs.authorize(world.agent, world.request(pages=3))
    assert decision.decision == "allow" and decision.transforms == ()


def test_grey_and_duplex_are_forced_and_priced_after(world: World) -> None:
    add_rule(world, "big colour", [{"type": "grayscale"}, {"type": "duplex"}],
             conditions={"color": True, "pages_min": 51})
    decision = world.server.jobs.authorize(world.agent, world.request(pages=60, color_pages=60))
    assert decision.decision == "allow"
    assert decision.transforms == ("grayscale", "duplex")
    mono_duplex = world.server.ledger.cost(None, JobSpec(media="iso_a4_210x297mm", pages=60,
                                                         color_pages=0, duplex=True))
    assert decision.cost is not None
    assert decision.cost.total == mono_duplex.total == Money(60 * MONO_PAGE, "EUR")
    job = world.server.jobs.get_job(decision.job_id)
    assert (job.color_pages, job.duplex) == (0, True)
    small = world.server.jobs.authorize(world.agent, world.request("small", pages=10,
                                                                   color_pages=10))
    assert small.transforms == () and small.cost is not None
    assert small.cost.total.minor == 10 * COLOR_PAGE


def test_grey_is_not_forced_on_a_format_the_agent_cannot_convert(world: World) -> None:
    add_rule(world, "grey", [{"type": "grayscale"}])
    request = world.request(pages=2, color_pages=2)
    from dataclasses import replace
    decision = world.server.jobs.authorize(world.agent, replace(
        request, document_format="image/pwg-raster"))
    assert decision.transforms == ()
    assert decision.cost is not None and decision.cost.total.minor == 2 * COLOR_PAGE


def test_a_denial_says_the_cost_and_the_balance(world: World) -> None:
    add_rule(world, "no big jobs", [{"type": "deny", "message": "Jobs over 100 pages are not "
                                     "allowed here."}], conditions={"pages_min": 101})
    decision = world.server.jobs.authorize(world.agent, world.request(pages=150))
    assert decision.decision == "deny"
    assert decision.message == ("Jobs over 100 pages are not allowed here. "
                                "(cost 7.50 EUR, balance 10.00 EUR)")
    assert world.balance() == (1000, 0)


def test_a_user_at_quota_is_denied_with_the_balance(world: World) -> None:
    decision = world.server.jobs.authorize(world.agent, world.request(pages=300))
    assert decision.decision == "deny" and "balance" in decision.message


def test_confirm_then_print_sends_the_job_and_charges_once(world: World) -> None:
    add_rule(world, "confirm", [{"type": "confirm", "default": "cancel",
                                 "timeout_seconds": 60}])
    decision = world.server.jobs.authorize(world.agent, world.request(pages=4))
    assert decision.decision == "hold"
    job = world.server.jobs.get_job(decision.job_id)
    assert job.hold_reason == "question"
    assert world.server.release.held_jobs(world.user_id) == []  # not releasable
    [question] = world.server.questions.open_for(world.user_id)
    assert (question.kind, question.default, question.cost_minor) == ("confirm", "cancel", 20)
    assert world.balance() == (1000, 20)
    world.server.questions.answer(alice(world), question.id, "print")
    job = world.server.jobs.get_job(decision.job_id)
    assert job.state is JobState.RELEASING and job.hold_reason is None
    [release] = events(world, "release")
    assert release["job_id"] == job.id and release["device_uri"] == "ipp://mfp.lan/ipp/print"
    with pytest.raises(ConflictError):
        world.server.questions.answer(alice(world), question.id, "cancel")  # replayed
    world.server.jobs.mark_printing(world.agent, job.id)
    world.server.jobs.complete(world.agent, job.id, status="completed", pages_printed=4)
    assert world.balance() == (1000 - 20, 0)


def test_confirm_then_cancel_charges_nothing(world: World) -> None:
    add_rule(world, "confirm", [{"type": "confirm", "default": "print"}])
    decision = world.server.jobs.authorize(world.agent, world.request(pages=4))
    [question] = world.server.questions.open_for(world.user_id)
    world.server.questions.answer(alice(world), question.id, "cancel")
    job = world.server.jobs.get_job(decision.job_id)
    assert job.state is JobState.CANCELLED and job.charged_cost_minor == 0
    assert world.balance() == (1000, 0)
    assert [e["job_id"] for e in events(world, "cancel")] == [job.id]
    assert world.server.questions.open_for(world.user_id) == []


def test_nobody_answering_applies_the_default_at_the_deadline(world: World,
                                                              clock: FixedClock) -> None:
    add_rule(world, "confirm", [{"type": "confirm", "default": "print",
                                 "timeout_seconds": 30}])
    decision = world.server.jobs.authorize(world.agent, world.request(pages=2))
    assert world.server.questions.expire_due() == 0
    clock.advance(timedelta(seconds=31))
    assert world.server.questions.expire_due() == 1
    [question] = world.server.questions.of_job(decision.job_id)
    assert (question.state, question.answer, question.answered_by) == (
        "defaulted", "print", "timeout")
    assert world.server.jobs.get_job(decision.job_id).state is JobState.RELEASING
    assert world.server.questions.expire_due() == 0  # once


def test_only_the_person_asked_answers_with_one_of_the_options(world: World) -> None:
    add_rule(world, "confirm", [{"type": "confirm"}])
    world.server.jobs.authorize(world.agent, world.request(pages=2))
    [question] = world.server.questions.open_for(world.user_id)
    bob = world.server.accounts.create_user("bob", password="bob-pass-12", actor="test")
    bob_principal = world.server.principal_for_user(bob.id)
    assert bob_principal is not None
    with pytest.raises(PermissionDenied):
        world.server.questions.answer(bob_principal, question.id, "print")
    with pytest.raises(ValidationError):
        world.server.questions.answer(alice(world), question.id, "print please")
    assert world.server.questions.get(alice(world), question.id).state == "open"


def test_ask_for_an_account_charges_the_project_chosen(world: World) -> None:
    ledger = world.server.ledger
    project = ledger.open_account("shared", "Project Apollo", actor="test")
    ledger.add_account_member(project.id, world.user_id, actor="test")
    ledger.post_entry(project.id, Money(5000, "EUR"), "top-up", idempotency_key="t:apollo",
                      actor="test", note="budget")
    add_rule(world, "which project", [{"type": "ask_account", "default": "personal"}])
    decision = world.server.jobs.authorize(world.agent, world.request(pages=6))
    assert decision.decision == "hold" and decision.reservation_id is None
    [question] = world.server.questions.open_for(world.user_id)
    assert f"account:{project.id}" in question.keys
    world.server.questions.answer(alice(world), question.id, f"account:{project.id}")
    job = world.server.jobs.get_job(decision.job_id)
    assert job.state is JobState.RELEASING and job.reservation_id is not None
    world.server.jobs.mark_printing(world.agent, job.id)
    world.server.jobs.complete(world.agent, job.id, status="completed", pages_printed=6)
    assert ledger.get_account(project.id).balance_minor == 5000 - 6 * MONO_PAGE
    assert world.balance() == (1000, 0)


def test_a_project_the_user_is_not_a_member_of_cannot_be_chosen(world: World) -> None:
    ledger = world.server.ledger
    secret = ledger.open_account("shared", "Board", actor="test")
    add_rule(world, "which project", [{"type": "ask_account"}])
    decision = world.server.jobs.authorize(world.agent, world.request(pages=2))
    [question] = world.server.questions.open_for(world.user_id)
    assert f"account:{secret.id}" not in question.keys
    with pytest.raises(ValidationError):
        world.server.questions.answer(alice(world), question.id, f"account:{secret.id}")
    assert world.server.jobs.get_job(decision.job_id).state is JobState.HELD


def test_suggest_redirect_accepted_moves_the_job(world: World) -> None:
    other = world.server.devices.create_printer("basement", actor="test",
                                                agent_id=world.agent.id,
                                                device_uri="ipp://cheap.lan/ipp/print")
    add_rule(world, "go downstairs", [{"type": "suggest", "queue": "basement",
                                       "default": "keep"}])
    decision = world.server.jobs.authorize(world.agent, world.request(pages=2))
    [question] = world.server.questions.open_for(world.user_id)
    assert question.kind == "suggest" and question.keys == ("accept", "keep")
    world.server.questions.answer(alice(world), question.id, "accept")
    job = world.server.jobs.get_job(decision.job_id)
    assert job.printer_id == other.id and job.state is JobState.RELEASING
    [release] = events(world, "release")
    assert release["device_uri"] == "ipp://cheap.lan/ipp/print"


def test_suggest_with_no_answer_keeps_the_job_where_it_was(world: World,
                                                           clock: FixedClock) -> None:
    world.server.devices.create_printer("basement", actor="test", agent_id=world.agent.id,
                                        device_uri="ipp://cheap.lan/ipp/print")
    add_rule(world, "go downstairs", [{"type": "suggest", "queue": "basement",
                                       "default": "keep", "timeout_seconds": 10}])
    decision = world.server.jobs.authorize(world.agent, world.request(pages=2))
    clock.advance(timedelta(seconds=11))
    assert world.server.questions.expire_due() == 1
    job = world.server.jobs.get_job(decision.job_id)
    assert job.printer_id == world.queue.id
    [release] = events(world, "release")
    assert release["device_uri"] == "ipp://mfp.lan/ipp/print"


def test_suggest_grey_accepted_adds_the_transform_to_the_release(world: World) -> None:
    add_rule(world, "grey?", [{"type": "suggest", "convert": "grayscale", "default": "keep"}])
    decision = world.server.jobs.authorize(world.agent, world.request(pages=2, color_pages=2))
    [question] = world.server.questions.open_for(world.user_id)
    assert question.option("accept") is not None
    assert question.option("accept").cost_minor == 2 * MONO_PAGE  # type: ignore[union-attr]
    world.server.questions.answer(alice(world), question.id, "accept")
    [release] = events(world, "release")
    assert release["transforms"] == ["grayscale"]
    job = world.server.jobs.get_job(decision.job_id)
    world.server.jobs.mark_printing(world.agent, job.id)
    world.server.jobs.complete(world.agent, job.id, status="completed", pages_printed=2)
    assert world.balance() == (1000 - 2 * MONO_PAGE, 0)


def test_a_forced_redirect_sends_the_job_to_the_other_queue(world: World) -> None:
    other = world.server.devices.create_printer("basement", actor="test",
                                                agent_id=world.agent.id,
                                                device_uri="ipp://cheap.lan/ipp/print")
    add_rule(world, "big jobs downstairs", [{"type": "redirect", "queue": "basement"}],
             conditions={"pages_min": 20})
    decision = world.server.jobs.authorize(world.agent, world.request(pages=25))
    assert decision.decision == "hold"
    job = world.server.jobs.get_job(decision.job_id)
    assert job.printer_id == other.id and job.state is JobState.RELEASING
    [release] = events(world, "release")
    assert release["device_uri"] == "ipp://cheap.lan/ipp/print"


def test_fees_and_discounts_are_charged_with_what_printed(world: World) -> None:
    add_rule(world, "handling", [{"type": "fee", "amount_minor": 7}])
    decision = world.server.jobs.authorize(world.agent, world.request(pages=2))
    assert decision.cost is not None and decision.cost.total.minor == 2 * MONO_PAGE + 7
    world.server.jobs.mark_printing(world.agent, decision.job_id)
    world.server.jobs.complete(world.agent, decision.job_id, status="completed",
                               pages_printed=2)
    assert world.balance() == (1000 - 17, 0)


def test_approval_holds_until_an_operator_decides(world: World) -> None:
    add_rule(world, "approve big", [{"type": "approval"}], conditions={"pages_min": 10})
    first = world.server.jobs.authorize(world.agent, world.request("a", pages=10))
    second = world.server.jobs.authorize(world.agent, world.request("b", pages=10))
    assert world.server.jobs.get_job(first.job_id).hold_reason == "approval"
    with pytest.raises(PermissionDenied):
        world.server.rule_actions.approve(alice(world), first.job_id, approved=True)
    operator = world.server.accounts.create_user("op", roles=("operator",),
                                                 password="op-pass-123", actor="test")
    op = world.server.principal_for_user(operator.id)
    assert op is not None
    world.server.rule_actions.approve(op, first.job_id, approved=True)
    assert world.server.jobs.get_job(first.job_id).state is JobState.RELEASING
    world.server.rule_actions.approve(op, second.job_id, approved=False, reason="too big")
    refused = world.server.jobs.get_job(second.job_id)
    assert refused.state is JobState.CANCELLED and "too big" in refused.message
    with pytest.raises(ConflictError):
        world.server.rule_actions.approve(op, second.job_id, approved=True)
    assert world.balance() == (1000, 10 * MONO_PAGE)


def test_a_rule_failing_on_a_job_denies_it_and_is_counted(world: World) -> None:
    add_rule(world, "ratio", [{"type": "duplex"}],
             conditions={"cel": "job.pages / job.color_pages > 2"})
    decision = world.server.jobs.authorize(world.agent, world.request(pages=3, color_pages=0))
    assert decision.decision == "deny" and "could not be checked" in decision.message
    assert world.server.jobs.rule_errors == 1


def test_group_quota_pays_first_then_credit(world: World) -> None:
    accounts, ledger = world.server.accounts, world.server.ledger
    group = accounts.create_group("class-7b", actor="test")
    accounts.add_member(group.id, world.user_id, actor="test")
    quota = ledger.group_account(group.id)
    ledger.post_entry(quota.id, Money(10, "EUR"), "top-up", idempotency_key="t:g",
                      actor="test", note="quota")
    credit = ledger.credit_account(world.user_id)
    ledger.post_entry(credit.id, Money(500, "EUR"), "top-up", idempotency_key="t:c",
                      actor="test", note="credit")
    personal = ledger.personal_account(world.user_id)
    ledger.post_entry(personal.id, Money(-1000, "EUR"), "adjustment", idempotency_key="t:p",
                      actor="test", note="quota used up")
    decision = world.server.jobs.authorize(world.agent, world.request(pages=6))  # 30
    parts = {part.account_id: part.amount.minor for part in decision.accounts}
    assert parts == {quota.id: 10, credit.id: 20}


def notices(world: World) -> list[tuple[str, str]]:
    from printwarden.notify.notices import since

    return [(n.kind, n.text) for n in world.server.db.read(
        lambda conn: since(conn, world.user_id))]


def test_a_denial_and_a_low_balance_are_told_once(world: World) -> None:
    world.server.jobs.authorize(world.agent, world.request("big", pages=300))
    assert [kind for kind, _ in notices(world)] == ["denied"]
    for key in ("a", "b"):  # 1000 - 2 x 95 x 5 = 50, below the default threshold of 100
        world.server.jobs.authorize(world.agent, world.request(key, pages=95))
    assert [kind for kind, _ in notices(world)] == ["denied", "low-balance"]


def test_a_rule_notice_reaches_the_pop_up(world: World) -> None:
    add_rule(world, "night", [{"type": "notify", "message": "Printing at night costs more."}])
    world.server.jobs.authorize(world.agent, world.request(pages=2))
    assert ("info", "Printing at night costs more.") in notices(world)


def test_rules_read_the_facts_they_need_from_the_database(world: World) -> None:
    """Only facts an enabled rule reads are read (``needs``); those it reads are real: the
    balance a CEL expression compares and the device group a rule is scoped to."""
    add_rule(world, "poor", [{"type": "deny", "message": "Top up first."}],
             conditions={"cel": "user.balance < 1500"})  # alice has 10.00 EUR
    denied = world.server.jobs.authorize(world.agent, world.request("poor", pages=1))
    assert denied.decision == "deny" and denied.message.startswith("Top up first.")
    assert "balance 10.00 EUR" in denied.message
    world.server.rules.delete("test", world.server.rules.list_rules()[0].id)

    group = world.server.devices.create_group("floor-1", actor="test")
    assert world.queue.device_id is not None
    world.server.devices.update_device(world.queue.device_id, {"group_id": group.id},
                                       actor="test")
    add_rule(world, "floor duplex", [{"type": "duplex"}],
             scope={"kind": "device_group", "value": "floor-1"})
    decision = world.server.jobs.authorize(world.agent, world.request("floor", pages=4))
    assert decision.transforms == ("duplex",)
    other = world.server.devices.create_group("floor-2", actor="test")
    world.server.devices.update_device(world.queue.device_id, {"group_id": other.id},
                                       actor="test")
    moved = world.server.jobs.authorize(world.agent, world.request("moved", pages=4))
    assert moved.transforms == ()
