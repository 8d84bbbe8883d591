"""The kiosk page /kiosk/DEVICE in process: sign-in by card, card + PIN, ID number and
password (throttled and audited under the kiosk's terminal key), release and delete at
the kiosk's own device only, and the server-side idle sign-out; copy sessions counted
over real SNMP (in process, and in headless Chromium on a live server)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from printwarden.db.engine import Database
from tests.agent.support import LiveServer
from tests.demo.test_kiosk_and_mobile import TABLET, _shoot
from tests.release.kiosk_copy_world import COPY_MONO, CopyWorld, build_copy_world
from tests.support.browser import chromium_page
from tests.support.snmp_agent import SnmpAgent, running_agent
from tests.web.device_pages_world import (
    ALICE_CARD,
    IDLE_SECONDS,
    DeviceWorld,
    app_client,
    build_device_world,
    csrf_of,
)

#: "12345678" in fullwidth digits: not an ID number, whatever int() thinks.
FULLWIDTH_ID = "".join(chr(0xFF10 + int(d)) for d in "12345678")


@pytest.fixture
def kiosk(device_client: TestClient) -> TestClient:
    return device_client


def _sign_in(client: TestClient, device: str, **fields: str) -> object:
    token = csrf_of(client.get(f"/kiosk/{device}").text)
    return client.post(f"/kiosk/{device}/sign-in", data={"csrf": token, **fields},
                       follow_redirects=False)


def _state(dw: DeviceWorld, job_id: str) -> str:
    return dw.server.jobs.get_job(job_id).state.value


def test_a_card_signs_in_lists_the_jobs_priced_here_and_releases_them_here(
        dw: DeviceWorld, kiosk: TestClient) -> None:
    first = kiosk.get("/kiosk/vault")
    assert first.status_code == 200 and 'data-testid="card"' in first.text
    assert first.headers["cache-control"] == "no-store"
    answer = _sign_in(kiosk, "vault", method="card", card=" 04 a1 b2 c3 d4 ")
    assert answer.status_code == 303  # type: ignore[attr-defined]
    page = kiosk.get("/kiosk/vault")
    assert "Hello" in page.text and "thesis.pdf" in page.text and "0.15 EUR" in page.text
    forged = kiosk.post("/kiosk/vault/jobs", data={"action": "release",
                                                  "job_id": dw.vault_job, "csrf": "x"})
    assert forged.status_code == 403 and _state(dw, dw.vault_job) == "held"
    # a device id smuggled into the form is ignored: the device is the path's
    done = kiosk.post("/kiosk/vault/jobs", data={
        "action": "release", "job_id": dw.vault_job, "device_id": dw.annex.id,
        "csrf": csrf_of(page.text)})
    assert done.status_code == 200 and "released at vault" in done.text
    job = dw.server.jobs.get_job(dw.vault_job)
    assert job.state.value == "releasing" and job.device_id == dw.vault.id
    audit = [row for row in dw.server.audit.recent(20) if row["action"] == "job.release"]
    assert audit and audit[0]["detail"]["device"] == "vault"


def test_a_kiosk_signed_in_at_vault_cannot_release_at_annex(
        dw: DeviceWorld, kiosk: TestClient) -> None:
    _sign_in(kiosk, "vault", method="card", card=ALICE_CARD)
    page = kiosk.get("/kiosk/vault")
    token = csrf_of(page.text)
    # the annex kiosk does not know this sign-in
    assert 'data-testid="sign-in"' in kiosk.get("/kiosk/annex").text
    elsewhere = kiosk.post("/kiosk/annex/jobs", data={"action": "release",
                                                     "job_id": dw.annex_job, "csrf": token})
    assert elsewhere.status_code == 401 and "signed out" in elsewhere.text
    assert _state(dw, dw.annex_job) == "held"
    # at vault, the annex job (another release group) stays held too
    here = kiosk.post("/kiosk/vault/jobs", data={"action": "release",
                                                "job_id": dw.annex_job, "csrf": token})
    assert "release group" in here.text and "released at" not in here.text
    assert _state(dw, dw.annex_job) == "held"
    # and the vault sign-in is still good after the annex attempt
    assert "Hello" in kiosk.get("/kiosk/vault").text


def test_the_server_ends_a_kiosk_session_after_the_idle_time(
        dw: DeviceWorld, kiosk: TestClient) -> None:
    _sign_in(kiosk, "vault", method="card", card=ALICE_CARD)
    token = csrf_of(kiosk.get("/kiosk/vault").text)
    dw.clock.advance(timedelta(seconds=IDLE_SECONDS - 1))
    assert "Hello" in kiosk.get("/kiosk/vault").text  # a request restarts the idle clock
    dw.clock.advance(timedelta(seconds=IDLE_SECONDS - 1))
    assert "Hello" in kiosk.get("/kiosk/vault").text
    dw.clock.advance(timedelta(seconds=IDLE_SECONDS))
    late = kiosk.post("/kiosk/vault/jobs", data={"action": "release", "csrf": token})
    assert late.status_code == 401 and _state(dw, dw.vault_job) == "held"
    assert 'data-testid="sign-in"' in kiosk.get("/kiosk/vault").text


def test_a_kiosk_sign_in_is_not_a_web_session(dw: DeviceWorld, kiosk: TestClient) -> None:
    _sign_in(kiosk, "vault", method="card", card=ALICE_CARD)
    assert kiosk.get("/held", follow_redirects=False).status_code == 303
    assert 'data-testid="sign-in"' in kiosk.get("/m/vault").text


def test_sign_out_returns_to_the_sign_in_screen(dw: DeviceWorld, kiosk: TestClient) -> None:
    _sign_in(kiosk, "vault", method="password", username="Alice", password="alice-pass-1")
    token = csrf_of(kiosk.get("/kiosk/vault").text)
    out = kiosk.post("/kiosk/vault/sign-out", data={"csrf": token}, follow_redirects=False)
    assert out.status_code == 303
    assert 'data-testid="sign-in"' in kiosk.get("/kiosk/vault").text


def test_an_id_number_signs_in_and_deleting_charges_nothing(
        dw: DeviceWorld, kiosk: TestClient) -> None:
    number = dw.server.accounts.generate_id_number(dw.world.user_id, actor="t")
    assert _sign_in(kiosk, "vault", method="id-number",
                    id_number=number).status_code == 303  # type: ignore[attr-defined]
    page = kiosk.get("/kiosk/vault")
    done = kiosk.post("/kiosk/vault/jobs", data={"action": "delete", "job_id": dw.vault_job,
                                                "csrf": csrf_of(page.text)})
    assert "nothing charged" in done.text and _state(dw, dw.vault_job) == "cancelled"
    nothing = kiosk.post("/kiosk/vault/jobs", data={"action": "delete",
                                                   "csrf": csrf_of(done.text)})
    assert nothing.status_code == 400 and "choose jobs" in nothing.text


@pytest.mark.parametrize(("fields", "status", "message"), [
    ({"method": "card", "card": "\u0665" * 5}, 422, "ASCII"),
    ({"method": "card", "card": ""}, 422, "card to the reader"),
    ({"method": "card", "card": "FFFF0000"}, 401, "this card is not known"),
    ({"method": "id-number", "id_number": FULLWIDTH_ID}, 422, ""),
    ({"method": "id-number", "id_number": "9" * 90}, 422, ""),
    ({"method": "password", "username": "alice", "password": ""}, 422, "login and password"),
    ({"method": "password", "username": "alice", "password": "wrong-pass"}, 401, "invalid"),
    ({"method": "telepathy"}, 422, "sign in by card"),
])
def test_bad_sign_ins_get_a_clear_answer_on_the_page(
        dw: DeviceWorld, kiosk: TestClient, fields: dict[str, str], status: int,
        message: str) -> None:
    answer = _sign_in(kiosk, "vault", **fields)
    assert answer.status_code == status  # type: ignore[attr-defined]
    assert 'data-testid="error"' in answer.text  # type: ignore[attr-defined]
    assert message in answer.text  # type: ignore[attr-defined]
    assert 'data-testid="signed-in"' not in kiosk.get("/kiosk/vault").text


def test_oversized_fields_and_forged_forms_are_refused(
        dw: DeviceWorld, kiosk: TestClient) -> None:
    token = csrf_of(kiosk.get("/kiosk/vault").text)
    huge = kiosk.post("/kiosk/vault/sign-in", data={"csrf": token, "card": "1" * 10_000})
    assert huge.status_code == 422
    forged = kiosk.post("/kiosk/vault/sign-in", data={"csrf": "forged", "card": ALICE_CARD})
    assert forged.status_code == 403
    assert 'data-testid="sign-in"' in kiosk.get("/kiosk/vault").text
    assert kiosk.get("/kiosk/no-such-device").status_code == 404
    assert kiosk.get("/kiosk/" + "x" * 500).status_code == 404


def test_id_number_guesses_at_a_kiosk_are_throttled_and_audited(
        dw: DeviceWorld, kiosk: TestClient) -> None:
    statuses = []
    for guess in range(40):
        answer = _sign_in(kiosk, "vault", method="id-number", id_number=f"{10_000_000 + guess}")
        statuses.append(answer.status_code)  # type: ignore[attr-defined]
        if answer.status_code == 429:  # type: ignore[attr-defined]
            assert int(answer.headers["retry-after"]) > 0  # type: ignore[attr-defined]
            break
    assert statuses[0] == 401 and statuses[-1] == 429
    failures = [row for row in dw.server.audit.recent(200) if row["action"] == "auth.failure"]
    assert failures and all(row["detail"]["terminal"] == f"kiosk:{dw.vault.id}"
                            for row in failures)
    assert {row["detail"]["method"] for row in failures} == {"id-number"}


def test_when_the_site_wants_a_pin_the_kiosk_asks_for_it(db: Database,
                                                         tmp_path: Path) -> None:
    dw = build_device_world(db, tmp_path, card_alone_allowed=False)
    dw.server.accounts.set_pin(dw.world.user_id, "4711", actor="t")
    for kiosk in app_client(dw.server):
        assert 'data-testid="card-pin"' in kiosk.get("/kiosk/vault").text
        alone = _sign_in(kiosk, "vault", method="card", card=ALICE_CARD)
        assert alone.status_code in (401, 422)  # type: ignore[attr-defined]
        assert "PIN" in alone.text  # type: ignore[attr-defined]
        wrong = _sign_in(kiosk, "vault", method="card", card=ALICE_CARD, pin="0000")
        assert wrong.status_code == 401  # type: ignore[attr-defined]
        right = _sign_in(kiosk, "vault", method="card", card=ALICE_CARD, pin="4711")
        assert right.status_code == 303  # type: ignore[attr-defined]
        assert "thesis.pdf" in kiosk.get("/kiosk/vault").text


# --- copy sessions counted by SNMP -----------------------------------------------------------

COPY_CARD = "CAFE0001"


@pytest.fixture
def snmp() -> Iterator[SnmpAgent]:
    with running_agent() as started:
        yield started


@pytest.fixture
def cw(db: Database, tmp_path: Path, snmp: SnmpAgent) -> CopyWorld:
    world = build_copy_world(db, tmp_path, snmp)
    world.server.accounts.add_card(world.user_id, COPY_CARD, actor="t")
    return world


@pytest.fixture
def copier(cw: CopyWorld) -> Iterator[TestClient]:
    yield from app_client(cw.server)


def _start(client: TestClient) -> Any:
    _sign_in(client, "copier", method="card", card=COPY_CARD)
    page = client.get("/kiosk/copier")
    assert 'data-testid="copy-start"' in page.text
    return client.post("/kiosk/copier/copy/start", data={"csrf": csrf_of(page.text)},
                       follow_redirects=False)


def _end(client: TestClient, session_id: str | None = None) -> Any:
    page = client.get("/kiosk/copier").text
    found = re.search(r'name="session_id" value="([^"]+)"', page)
    assert found or session_id, "an open copy session shows its End button"
    return client.post("/kiosk/copier/copy/end", data={
        "csrf": csrf_of(page), "session_id": session_id or (found.group(1) if found else "")})


def test_a_device_without_snmp_or_terminal_shows_no_copy_button(
        dw: DeviceWorld, kiosk: TestClient) -> None:
    _sign_in(kiosk, "vault", method="card", card=ALICE_CARD)
    page = kiosk.get("/kiosk/vault").text
    assert 'data-testid="signed-in"' in page and 'data-testid="copy-start"' not in page
    token = csrf_of(page)
    refused = kiosk.post("/kiosk/vault/copy/start", data={"csrf": token})
    assert refused.status_code == 409 and "not read over SNMP" in refused.text


def test_a_kiosk_copy_session_is_charged_the_delta_once(cw: CopyWorld,
                                                        copier: TestClient) -> None:
    assert _start(copier).status_code == 303
    page = copier.get("/kiosk/copier").text
    assert 'data-testid="copy-end"' in page and "10.00 EUR" in page
    session_id = re.search(r'name="session_id" value="([^"]+)"', page)
    assert session_id
    cw.copies(12, seconds=45)
    ended = _end(copier)
    assert ended.status_code == 200
    assert "Copies charged: 12 pages, 0.48 EUR." in ended.text
    assert 'data-testid="copy-start"' in ended.text  # a new session may follow
    again = _end(copier, session_id.group(1))  # a double click, a replayed form
    assert again.status_code == 200 and "0.48 EUR" in again.text
    assert cw.charges() == [-12 * COPY_MONO]


def test_an_unreachable_device_says_why_and_opens_nothing(
        cw: CopyWorld, copier: TestClient, snmp: SnmpAgent) -> None:
    snmp.stop()
    refused = _start(copier)
    assert refused.status_code == 503
    assert "could not be read" in refused.text and 'data-testid="copy-error"' in refused.text
    assert 'data-testid="copy-end"' not in copier.get("/kiosk/copier").text
    assert cw.world.balance()[1] == 0


def test_a_reset_mid_session_shows_the_flag_and_charges_nothing(
        cw: CopyWorld, copier: TestClient, admin_token: str) -> None:
    _start(copier)
    cw.printer.total(3)
    cw.copies(0, seconds=30)
    ended = _end(copier)
    assert "flagged for an operator (counter-went-backwards): nothing was charged" in \
        ended.text
    assert cw.charges() == []
    copier.headers["Authorization"] = f"Bearer {admin_token}"
    flags = copier.get("/api/v1/copy-flags").json()
    assert flags["total"] == 1 and flags["items"][0]["reason"] == "counter-went-backwards"
    assert flags["items"][0]["device"] == "copier" and flags["items"][0]["end"]["total"] == 3
    assert copier.get("/api/v1/copy-flags?limit=0").status_code == 422
    cw.server.accounts.create_user("ann", roles=("admin",), password="ann-pass-12",
                                   actor="t")
    for staff in app_client(cw.server):
        token = csrf_of(staff.get("/login").text)
        staff.post("/login", data={"username": "ann", "password": "ann-pass-12",
                                   "csrf": token})
        dashboard = staff.get("/").text
        assert 'data-testid="copy-flags"' in dashboard
        assert "1 copy session flagged for an operator" in dashboard


def test_copy_flags_are_for_staff_only(cw: CopyWorld, copier: TestClient) -> None:
    token, _ = cw.server.accounts.create_api_token(cw.user_id, "t", actor="t")
    answer = copier.get("/api/v1/copy-flags", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 403
    assert copier.get("/api/v1/copy-flags").status_code == 401


def test_idle_sign_out_and_sign_out_close_the_copy_session(cw: CopyWorld,
                                                          copier: TestClient) -> None:
    _start(copier)
    cw.copies(5, seconds=IDLE_SECONDS)
    assert 'data-testid="sign-in"' in copier.get("/kiosk/copier").text  # idle: signed out
    closed = cw.server.kiosk_copies.flags() or []
    assert not closed and cw.charges() == [-5 * COPY_MONO]
    _start(copier)
    cw.copies(2, seconds=10)
    token = csrf_of(copier.get("/kiosk/copier").text)
    copier.post("/kiosk/copier/sign-out", data={"csrf": token})
    assert cw.charges() == [-2 * COPY_MONO, -5 * COPY_MONO]


def test_another_users_session_cannot_be_ended_from_his_kiosk(
        cw: CopyWorld, copier: TestClient) -> None:
    _start(copier)
    alices = re.search(r'name="session_id" value="([^"]+)"', copier.get("/kiosk/copier").text)
    assert alices
    for other in app_client(cw.server):
        bob = cw.server.accounts.create_user("bob", password="bob-pass-123", actor="t")
        cw.server.accounts.add_card(bob.id, "B0B00001", actor="t")
        cw.world.top_up(100, bob.id)
        # bob signing in at the same kiosk device closes alice's session ("replaced")
        _sign_in(other, "copier", method="card", card="B0B00001")
        page = other.get("/kiosk/copier").text
        forged = other.post("/kiosk/copier/copy/end", data={
            "csrf": csrf_of(page), "session_id": alices.group(1)})
        assert forged.status_code == 404 and "no such copy session" in forged.text
    assert cw.server.kiosk_copies.get(alices.group(1)).close_reason == "replaced"
    assert cw.charges(cw.user_id) == []  # nothing copied: nothing charged, no zero entry


@pytest.mark.browser
def test_chromium_at_the_kiosk_starts_and_ends_a_copy_session(
        cw: CopyWorld, tmp_path: Path) -> None:
    live = LiveServer(cw.server)
    live.start()
    try:
        with chromium_page(viewport=TABLET, has_touch=True) as page:
            page.goto(live.url + "/kiosk/copier")
            page.wait_for_selector("[data-testid=card]:focus")
            page.keyboard.type(COPY_CARD)
            page.keyboard.press("Enter")
            page.wait_for_selector("[data-testid=copy-start]")
            box = page.locator("[data-testid=copy-start]").bounding_box()
            assert box is not None and box["height"] >= 44  # a touch target
            page.click("[data-testid=copy-start]")
            page.wait_for_selector("[data-testid=copy-end]")
            _shoot(page, tmp_path, "kiosk-copy")  # docs/images with PRINTWARDEN_DOC_SCREENSHOTS=1
            cw.copies(9, seconds=30)
            page.click("[data-testid=copy-end]")
            result = page.text_content("[data-testid=copy-result]") or ""
            assert result == "Copies charged: 9 pages, 0.36 EUR.", result
    finally:
        live.stop()
    assert cw.charges() == [-9 * COPY_MONO]
