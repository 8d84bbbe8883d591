"""Terminal protocol sessions over REST, on SQLite and PostgreSQL: sign in by card + PIN,
held jobs priced and released at the terminal's own device only, copy sessions that
reserve, count in order and charge once, idle timeouts, hostile input."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from printwarden.container import ServerContainer
from printwarden.core.clock import FixedClock
from printwarden.core.settings import load_server_settings
from printwarden.db.engine import Database
from printwarden.server.bootstrap import build_server
from printwarden.web.app import create_app
from tests.jobs.world import MONO_PAGE
from tests.release.terminal_world import (
    CARD,
    COPY_COLOR,
    COPY_MONO,
    PIN,
    TerminalWorld,
    make_terminal_world,
    sign_in,
)


@pytest.fixture
def tw(server: ServerContainer) -> TerminalWorld:
    return make_terminal_world(server)


def _release_events(tw: TerminalWorld) -> list[dict[str, object]]:
    return [e.payload for e in tw.server.devices.events_after(tw.world.agent.id, None)
            if e.kind == "release"]


def _copy_charges(tw: TerminalWorld) -> list[int]:
    account = tw.server.ledger.personal_account(tw.world.user_id)
    return [entry.amount.minor for entry in tw.server.ledger.list_entries(
        account_id=account.id, kind="charge")[0]]


def test_card_and_pin_list_and_release_at_the_terminals_device(
        client: TestClient, tw: TerminalWorld) -> None:
    job = tw.hold("1")
    headers = tw.enrol(tw.vault.id)
    opened = client.post("/api/v1/terminal/sessions", headers=headers,
                         json={"method": "card_pin", "card": CARD, "pin": PIN})
    assert opened.status_code == 201, opened.text
    body = opened.json()
    assert body["user"] == {"username": "alice", "full_name": "Alice"}
    assert body["balance"]["minor"] == 1000 and body["idle_timeout_seconds"] == 120
    session = body["session_id"]
    listed = client.get(f"/api/v1/terminal/sessions/{session}/held-jobs", headers=headers)
    assert [(j["job_id"], j["cost"]["minor"], j["releasable"]) for j in listed.json()] == [
        (job, 3 * MONO_PAGE, True)]
    released = client.post(f"/api/v1/terminal/sessions/{session}/release", headers=headers)
    assert [(o["job_id"], o["ok"]) for o in released.json()] == [(job, True)]
    assert [(e["job_id"], e["device_id"]) for e in _release_events(tw)] == [(job, tw.vault.id)]
    out = client.delete(f"/api/v1/terminal/sessions/{session}", headers=headers)
    assert out.status_code == 200
    again = client.get(f"/api/v1/terminal/sessions/{session}/held-jobs", headers=headers)
    assert again.status_code == 409 and again.json()["error"] == "session_ended"


def test_a_terminal_of_one_device_never_acts_at_another(
        client: TestClient, tw: TerminalWorld) -> None:
    job = tw.hold("1")
    at_vault = tw.enrol(tw.vault.id)
    hall = tw.server.devices.find_device_by_name("hall")  # not in vault's release group
    assert hall is not None
    at_hall = tw.enrol(hall.id)
    vault_session = sign_in(client, at_vault)
    # the hall terminal cannot use the vault terminal's session at all
    for method, path in (("GET", "held-jobs"), ("POST", "release"), ("POST", "copy")):
        answer = client.request(method, f"/api/v1/terminal/sessions/{vault_session}/{path}",
                                headers=at_hall)
        assert answer.status_code == 404, answer.text
        assert answer.json()["message"] == "no such session at this terminal"
    # signed in at the hall terminal, alice's job is not releasable there
    hall_session = sign_in(client, at_hall)
    listed = client.get(f"/api/v1/terminal/sessions/{hall_session}/held-jobs",
                        headers=at_hall).json()
    assert listed[0]["releasable"] is False
    released = client.post(f"/api/v1/terminal/sessions/{hall_session}/release",
                           headers=at_hall, json={"job_ids": [job]}).json()
    assert released[0]["ok"] is False and "release group" in released[0]["message"]
    # a body cannot name another device: the field does not exist
    named = client.post(f"/api/v1/terminal/sessions/{hall_session}/release", headers=at_hall,
                        json={"job_ids": [job], "device_id": tw.vault.id})
    assert named.status_code == 422
    assert _release_events(tw) == []
    assert tw.server.jobs.get_job(job).state.value == "held"


def test_a_copy_session_counts_in_order_and_charges_once(
        client: TestClient, tw: TerminalWorld) -> None:
    headers = tw.enrol(tw.vault.id)
    session = sign_in(client, headers)
    base = f"/api/v1/terminal/sessions/{session}/copy"
    opened = client.post(base, headers=headers)
    assert opened.status_code == 200, opened.text
    assert opened.json()["may_spend"]["minor"] == 1000  # all alice has (cap is 100.00)
    assert {(p["color"], p["per_page"]["minor"]) for p in opened.json()["prices"]} == {
        ("mono", COPY_MONO), ("color", COPY_COLOR)}
    first = client.post(f"{base}/counts", headers=headers, json={"seq": 1, "pages": 3})
    assert first.json()["accepted"] is True and first.json()["spent"]["minor"] == 3 * COPY_MONO
    repeat = client.post(f"{base}/counts", headers=headers, json={"seq": 1, "pages": 3})
    assert repeat.json()["accepted"] is False
    assert repeat.json()["spent"]["minor"] == 3 * COPY_MONO
    skipped = client.post(f"{base}/counts", headers=headers, json={"seq": 3, "pages": 1})
    assert skipped.status_code == 409 and "out of order" in skipped.json()["message"]
    second = client.post(f"{base}/counts", headers=headers,
                         json={"seq": 2, "pages": 2, "color_pages": 2, "duplex": True})
    spent = 3 * COPY_MONO + 2 * COPY_COLOR
    assert second.json()["spent"]["minor"] == spent
    closed = client.post(f"{base}/close", headers=headers)
    assert closed.json()["charged"]["minor"] == spent
    assert (closed.json()["pages"], closed.json()["color_pages"]) == (5, 2)
    assert client.post(f"{base}/close", headers=headers).json()["charged"]["minor"] == spent
    assert _copy_charges(tw) == [-spent]
    assert tw.world.balance() == (1000 - spent, 0)
    late = client.post(f"{base}/counts", headers=headers, json={"seq": 3, "pages": 1})
    assert late.status_code == 409


def test_copies_past_what_the_user_may_spend_are_refused(
        client: TestClient, tw: TerminalWorld) -> None:
    headers = tw.enrol(tw.vault.id)
    session = sign_in(client, headers)
    base = f"/api/v1/terminal/sessions/{session}/copy"
    client.post(base, headers=headers)
    over = client.post(f"{base}/counts", headers=headers, json={"seq": 1, "pages": 251})
    assert over.status_code == 409 and over.json()["error"] == "copy_limit_reached"
    exact = client.post(f"{base}/counts", headers=headers, json={"seq": 1, "pages": 250})
    assert exact.json()["remaining"]["minor"] == 0
    # meanwhile a job cannot spend what the copy session holds
    assert tw.world.balance() == (1000, 1000)
    client.delete(f"/api/v1/terminal/sessions/{session}", headers=headers)  # closes, charges
    assert tw.world.balance() == (0, 0)
    assert _copy_charges(tw) == [-1000]


def test_hostile_count_reports_get_a_4xx_with_a_message(
        client: TestClient, tw: TerminalWorld) -> None:
    headers = tw.enrol(tw.vault.id)
    session = sign_in(client, headers)
    base = f"/api/v1/terminal/sessions/{session}/copy"
    client.post(base, headers=headers)
    for body in ({"seq": 1, "pages": -1}, {"seq": 1, "pages": 10**30},
                 {"seq": 1, "pages": "\u0665"}, {"seq": 1, "pages": "\uff15"},
                 {"seq": 1, "pages": "5"}, {"seq": 1, "pages": 2.5},
                 {"seq": 1, "pages": True}, {"seq": -1, "pages": 1},
                 {"seq": 10**20, "pages": 1}, {"seq": 1, "pages": 1, "color_pages": 2},
                 {"seq": 1, "pages": 1, "media": "\u0665" * 4}, {"seq": 1},
                 {"seq": 1, "pages": 1, "extra": 1}):
        answer = client.post(f"{base}/counts", headers=headers, json=body)
        assert 400 <= answer.status_code < 500, (body, answer.text)
        assert answer.json()["message"], body
    assert client.post(f"{base}/close", headers=headers).json()["charged"]["minor"] == 0
    for bad in ("..%2F..", "x" * 27, "\u0665"):
        answer = client.get(f"/api/v1/terminal/sessions/{bad}", headers=headers)
        assert answer.status_code in (404, 422), answer.text


def test_concurrent_closes_charge_once(client: TestClient, tw: TerminalWorld) -> None:
    headers = tw.enrol(tw.vault.id)
    session = sign_in(client, headers)
    base = f"/api/v1/terminal/sessions/{session}/copy"
    client.post(base, headers=headers)
    client.post(f"{base}/counts", headers=headers, json={"seq": 1, "pages": 10})

    def close(_: int) -> int:
        answer = client.post(f"{base}/close", headers=headers)
        assert answer.status_code == 200, answer.text
        return int(answer.json()["charged"]["minor"])

    with ThreadPoolExecutor(max_workers=4) as pool:
        charged = list(pool.map(close, range(6)))
    assert charged == [10 * COPY_MONO] * 6
    assert _copy_charges(tw) == [-10 * COPY_MONO]


def test_concurrent_copy_opens_reserve_once(client: TestClient, tw: TerminalWorld) -> None:
    headers = tw.enrol(tw.vault.id)
    session = sign_in(client, headers)
    base = f"/api/v1/terminal/sessions/{session}/copy"

    def open_copy(_: int) -> int:
        answer = client.post(base, headers=headers)
        assert answer.status_code == 200, answer.text
        return int(answer.json()["may_spend"]["minor"])

    with ThreadPoolExecutor(max_workers=4) as pool:
        limits = list(pool.map(open_copy, range(6)))
    assert limits == [1000] * 6  # each answer is the one session's, not "nothing left"
    assert tw.world.balance() == (1000, 1000)  # held once, not six times


def test_an_unknown_card_and_a_guess_loop_of_id_numbers_are_slowed_and_audited(
        client: TestClient, tw: TerminalWorld) -> None:
    headers = tw.enrol(tw.vault.id)
    unknown = client.post("/api/v1/terminal/sessions", headers=headers,
                          json={"method": "card_pin", "card": "99999999", "pin": PIN})
    assert unknown.status_code == 401 and unknown.json()["message"]
    statuses = []
    for guess in range(40):
        answer = client.post("/api/v1/terminal/sessions", headers=headers,
                             json={"method": "id_number", "id_number": f"{10**9 + guess}"})
        statuses.append(answer.status_code)
        assert answer.json()["message"]
    assert 429 in statuses and set(statuses) <= {401, 429}
    failures = [e for e in tw.server.audit.recent(200) if e["action"] == "auth.failure"]
    assert len(failures) >= 20


def test_an_idle_session_ends_and_the_sweep_charges_what_was_reported(
        db: Database, tmp_path: Path) -> None:
    clock = FixedClock(datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
    settings = load_server_settings(tmp_path / "data", database_url=db.url)
    server = build_server(settings, db=db, clock=clock, migrate=False)
    tw = make_terminal_world(server)
    headers = tw.enrol(tw.vault.id)
    with TestClient(create_app(server)) as client:
        first = sign_in(client, headers)
        client.post(f"/api/v1/terminal/sessions/{first}/copy", headers=headers)
        client.post(f"/api/v1/terminal/sessions/{first}/copy/counts", headers=headers,
                    json={"seq": 1, "pages": 2})
        clock.advance(timedelta(seconds=119))
        assert client.get(f"/api/v1/terminal/sessions/{first}",
                          headers=headers).status_code == 200  # activity: not idle
        clock.advance(timedelta(seconds=120))
        expired = client.get(f"/api/v1/terminal/sessions/{first}/held-jobs", headers=headers)
        assert expired.status_code == 409 and "idle" in expired.json()["message"]
        assert _copy_charges(tw) == [-2 * COPY_MONO]
        # the terminal vanishes mid copy session: the scheduler's sweep closes it
        second = sign_in(client, headers)
        client.post(f"/api/v1/terminal/sessions/{second}/copy", headers=headers)
        client.post(f"/api/v1/terminal/sessions/{second}/copy/counts", headers=headers,
                    json={"seq": 1, "pages": 5})
        assert server.terminal_sessions.sweep_idle() == 0
        clock.advance(timedelta(seconds=121))
        assert server.terminal_sessions.sweep_idle() == 1
        assert server.terminal_sessions.sweep_idle() == 0
        assert sorted(_copy_charges(tw)) == [-5 * COPY_MONO, -2 * COPY_MONO]
        assert tw.world.balance() == (1000 - 7 * COPY_MONO, 0)


def test_an_unknown_card_says_so_and_self_registration_is_off_by_default(
        client: TestClient, tw: TerminalWorld) -> None:
    headers = tw.enrol(tw.vault.id)
    unknown = client.post("/api/v1/terminal/sessions", headers=headers,
                          json={"method": "card", "card": "77777777"})
    assert unknown.status_code == 401
    assert unknown.json()["message"] == ("this card is not known: ask your administrator "
                                         "to register it")
    refused = client.post("/api/v1/terminal/sessions", headers=headers, json={
        "method": "register_card", "card": "77777777", "username": "alice",
        "password": "alice-pass-1"})
    assert refused.status_code == 403 and "administrator" in refused.json()["message"]
    assert client.get("/api/v1/terminal/hello",
                      headers=headers).json()["card_self_registration"] is False


def test_self_registration_of_a_card_needs_the_password_and_is_audited(
        db: Database, tmp_path: Path) -> None:
    settings = load_server_settings(tmp_path / "data", database_url=db.url,
                                    terminal_card_self_registration=True)
    server = build_server(settings, db=db, migrate=False)
    tw = make_terminal_world(server)
    headers = tw.enrol(tw.vault.id)
    with TestClient(create_app(server)) as client:
        unknown = client.post("/api/v1/terminal/sessions", headers=headers,
                              json={"method": "card", "card": "77777777"})
        assert "username and password to register it" in unknown.json()["message"]
        wrong = client.post("/api/v1/terminal/sessions", headers=headers, json={
            "method": "register_card", "card": "77777777", "username": "alice",
            "password": "guess"})
        assert wrong.status_code == 401
        done = client.post("/api/v1/terminal/sessions", headers=headers, json={
            "method": "register_card", "card": "77777777", "username": "alice",
            "password": "alice-pass-1"})
        assert done.status_code == 201 and done.json()["user"]["username"] == "alice"
        by_card = client.post("/api/v1/terminal/sessions", headers=headers,
                              json={"method": "card", "card": "77777777"})
        assert by_card.status_code == 201
        taken = client.post("/api/v1/terminal/sessions", headers=headers, json={
            "method": "register_card", "card": CARD, "username": "alice",
            "password": "alice-pass-1"})
        assert taken.status_code == 409 and taken.json()["message"]
    assert "card.self_register" in {e["action"] for e in server.audit.recent(100)}
