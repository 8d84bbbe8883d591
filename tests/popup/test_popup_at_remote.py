"""Pop-up questions and account choice at a remote cut off from central
(``tests/popup/offline_site.py``): rules made at central and replicated ask their
questions at the remote; the pop-up, listing central (unreachable) first and the remote
second, receives them over its real WebSocket, answers them, and the job is authorized at
the remote and charged to the account chosen, within that account's offline limit. One
check drives the real ``printwarden popup`` windows on Xvfb; the others use the client's
channel (its non-UI layer)."""

from __future__ import annotations

import json
import queue
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from printwarden.container import ServerContainer
from printwarden.jobs.model import JobState
from printwarden.popup import identity as stored
from printwarden.popup.channel import Channel, Event
from printwarden.popup.identity import Identity
from printwarden.popup.protocol import Question
from printwarden.popup.sign_in import SignInError, sign_in
from printwarden.sync.unsent import unsent_spending
from tests.agent.e2e.support import poll
from tests.jobs.world import MONO_PAGE
from tests.popup.desktop import Display, start_xvfb
from tests.popup.offline_site import (
    OFFLINE_LIMIT,
    PASSWORD,
    SHARED_BALANCE,
    OfflineSite,
    start_site,
)
from tests.support.databases import SqliteFactory

WAIT = 15.0


@pytest.fixture(scope="module")
def site(sqlite_factory: SqliteFactory,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[OfflineSite]:
    made, central_live, databases = start_site(sqlite_factory,
                                               tmp_path_factory.mktemp("offline-site"))
    try:
        yield made
    finally:
        made.stop()
        central_live.stop()
        for database in databases:
            database.dispose()


def _next(events: queue.Queue[Event], kind: str) -> Event:
    """The next event of ``kind``, skipping connection news and other kinds."""
    while True:
        event = events.get(timeout=WAIT)
        if event.kind == kind:
            return event


def _question(events: queue.Queue[Event], kind: str) -> Question:
    question = _next(events, "question").question
    assert question is not None and question.kind == kind, question
    return question


@pytest.fixture
def channel(site: OfflineSite) -> Iterator[tuple[Channel, queue.Queue[Event]]]:
    """Alice's pop-up channel, central first in its list (as it was signed in)."""
    events: queue.Queue[Event] = queue.Queue()
    running = Channel(site.servers, site.alice.token, site.alice.notice_cursor, events,
                      rng=random.Random(1))
    running.start()
    try:
        yield running, events
    finally:
        running.stop()


def _balance(site: OfflineSite, account_id: str) -> int:
    return site.container.ledger.get_account(account_id).balance_minor


def test_the_remote_is_offline_and_has_the_rules_and_the_sign_in(site: OfflineSite) -> None:
    assert site.remote.watch.is_offline()
    names = [rule.name for rule in site.container.rules.list_rules()]
    assert names == ["which account", "confirm the cost"]
    assert site.container.authenticate_bearer(site.alice.token).id == site.alice.user_id


def test_account_choice_and_confirmation_through_the_remote_charge_the_project(
        site: OfflineSite, channel: tuple[Channel, queue.Queue[Event]]) -> None:
    running, events = channel
    connected = _next(events, "connected")
    assert connected.detail["server"] == site.remote_live.url  # central refused the connect
    personal = site.container.ledger.personal_account(site.world.user_id).id
    before = _balance(site, personal)

    decision = site.print_job("alice", pages=6)
    assert decision["decision"] == "hold"
    job_id = decision["job_id"]
    pick = _question(events, "account")
    assert pick.job_id == job_id and pick.cost_minor == 6 * MONO_PAGE
    shared_key = f"account:{site.shared_id}"
    assert [o.key for o in pick.options] == ["personal", shared_key, "cancel"]
    running.answer(pick.id, shared_key)
    assert _next(events, "answered").detail["answer"] == shared_key

    confirm = _question(events, "confirm")  # asked at the remote after the choice
    assert confirm.job_id == job_id and confirm.option("print") is not None
    running.answer(confirm.id, "print")
    assert _next(events, "answered").detail["answer"] == "print"

    job = site.container.jobs.get_job(job_id)
    assert job.state is JobState.RELEASING, job.message  # sent to its device
    site.agent_post(f"/jobs/{job_id}/printing", {})
    done = site.agent_post(f"/jobs/{job_id}/complete",
                           {"status": "completed", "pages_printed": 6})
    assert (done["state"], done["charged"]["minor"]) == ("completed", 6 * MONO_PAGE), done
    assert _balance(site, site.shared_id) == SHARED_BALANCE - 6 * MONO_PAGE
    assert _balance(site, personal) == before  # the project paid, not alice
    entries, _ = site.container.ledger.list_entries(job_id=job_id)
    charged = [(e.account_id, e.amount.minor, e.origin_site) for e in entries
               if e.amount.minor]
    assert charged == [(site.shared_id, -6 * MONO_PAGE, "site-a")]  # once, the remote's
    assert site.container.db.read(
        lambda conn: unsent_spending(conn, [site.shared_id])) == {
            site.shared_id: 6 * MONO_PAGE}  # in the outbox for central
    assert site.central.ledger.get_account(site.shared_id).balance_minor == SHARED_BALANCE
    assert site.remote.watch.is_offline()


def test_a_choice_past_the_offline_limit_is_refused_and_charges_nothing(
        site: OfflineSite, channel: tuple[Channel, queue.Queue[Event]]) -> None:
    running, events = channel
    _next(events, "connected")
    spent = SHARED_BALANCE - _balance(site, site.shared_id)
    pages = (OFFLINE_LIMIT - spent) // MONO_PAGE + 1  # one page past what the limit leaves
    decision = site.print_job("alice", pages=pages)
    pick = _question(events, "account")
    assert pick.job_id == decision["job_id"]
    running.answer(pick.id, f"account:{site.shared_id}")
    _next(events, "answered")
    job = poll(lambda: site.container.jobs.get_job(decision["job_id"]), "the job")
    assert job.state is JobState.CANCELLED and "Offline" in job.message, job.message
    assert _balance(site, site.shared_id) == SHARED_BALANCE - spent
    assert site.container.ledger.get_account(site.shared_id).reserved_minor == 0


def _popup_tokens(container: ServerContainer, user_id: str) -> int:
    return sum(t.name.startswith("popup:") for t in container.accounts.list_api_tokens(user_id))


def test_a_pop_up_signs_in_at_central_never_at_the_remote(site: OfflineSite) -> None:
    """A token made at the remote would be unknown at central: the pop-up would be signed
    out (401) on its return to central. The remote answers 503 ``central_only``, so a
    server list tries central; while central is away the person reads why."""
    user_id = site.bob.user_id
    answer = httpx.post(f"{site.remote_live.url}/api/v1/popup/sign-in", json={
        "login": "bob", "password": PASSWORD, "os_user": "bob", "host": "desk"}, timeout=10)
    assert answer.status_code == 503 and answer.json()["error"] == "central_only"
    with pytest.raises(SignInError, match="signs in at central once, while central is reachable"):
        sign_in(site.servers, "bob", PASSWORD)
    assert _popup_tokens(site.container, user_id) == 1  # central's, replicated: no new one
    at_central = _popup_tokens(site.central, user_id)
    site.link.restore()  # central reachable again (the remote does not pull meanwhile)
    try:
        me = sign_in([site.remote_live.url, site.link.url()], "bob", PASSWORD)
    finally:
        site.link.cut()
    assert me.server == site.remote_live.url and me.user_id == user_id
    assert _popup_tokens(site.central, user_id) == at_central + 1  # made at central
    assert site.remote.watch.is_offline()


@pytest.fixture(scope="module")
def display() -> Iterator[Display]:
    screen = start_xvfb()
    yield screen
    screen.stop()


def _start_popup(display: Display, me: Identity, servers: list[str],
                 config_dir: Path) -> subprocess.Popen[str]:
    stored.save(config_dir, me)  # the sign-in kept from central
    log = (config_dir.parent / "popup.log").open("w")
    return subprocess.Popen(
        [sys.executable, "-m", "printwarden", "popup", *(f"--server={s}" for s in servers),
         "--config-dir", str(config_dir), "--no-tray"], stdout=log,
        stderr=subprocess.STDOUT, text=True, env=display.env)


def test_the_windows_answer_through_the_remote(site: OfflineSite, display: Display,
                                               tmp_path: Path) -> None:
    config_dir = tmp_path / "printwarden-popup"
    proc = _start_popup(display, site.bob, site.servers, config_dir)
    try:
        poll(lambda: site.container.questions.bell.listening(site.bob.user_id) > 0
             or proc.poll() is not None, "bob's pop-up to connect to the remote")
        assert proc.poll() is None, (tmp_path / "popup.log").read_text()
        decision = site.print_job("bob", pages=2)
        window = display.window("printwarden: choose an account")
        display.press(window, "2")  # option 2: Project Apollo
        assert display.gone(window)
        window = display.window("printwarden: confirm printing")
        display.press(window, "1")  # option 1: Print
        job = poll(lambda: (found := site.container.jobs.get_job(decision["job_id"]))
                   .state is JobState.RELEASING and found, "the job to go to its device")
        asked = site.container.questions.of_job(job.id)
        assert [(q.kind, q.answer, q.answered_by) for q in asked] == [
            ("account", f"account:{site.shared_id}", "user"), ("confirm", "print", "user")]
        reserved = site.container.ledger.get_account(site.shared_id).reserved_minor
        assert reserved == 2 * MONO_PAGE
        assert json.loads((config_dir / "popup.json").read_text())["token"] == site.bob.token
    finally:
        proc.terminate()
        proc.wait(timeout=10)
