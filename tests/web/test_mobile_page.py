"""The mobile release page /m/DEVICE and the admin's printable sheet of QR codes."""

from __future__ import annotations

import pytest
import segno
from fastapi.testclient import TestClient

from tests.web.device_pages_world import DeviceWorld, csrf_of


@pytest.fixture
def phone(device_client: TestClient) -> TestClient:
    return device_client


def _state(dw: DeviceWorld, job_id: str) -> str:
    return dw.server.jobs.get_job(job_id).state.value


def test_a_phone_signs_in_sees_the_cost_here_and_releases_to_this_device(
        dw: DeviceWorld, phone: TestClient) -> None:
    first = phone.get("/m/vault")
    assert 'data-testid="sign-in"' in first.text and "thesis.pdf" not in first.text
    wrong = phone.post("/m/vault/sign-in", data={"username": "alice", "password": "nope",
                                                "csrf": csrf_of(first.text)})
    assert wrong.status_code == 401 and "invalid credentials" in wrong.text
    empty = phone.post("/m/vault/sign-in", data={"username": "", "password": "",
                                                "csrf": csrf_of(first.text)})
    assert empty.status_code == 422 and "login and password" in empty.text
    forged = phone.post("/m/vault/sign-in", data={"username": "alice",
                                                 "password": "alice-pass-1", "csrf": "x"})
    assert forged.status_code == 403
    done = phone.post("/m/vault/sign-in", data={"username": "alice",
                                               "password": "alice-pass-1",
                                               "csrf": csrf_of(first.text)},
                      follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/m/vault"
    page = phone.get("/m/vault")
    assert "thesis.pdf" in page.text and "0.15 EUR" in page.text
    assert page.headers["cache-control"] == "no-store"
    released = phone.post("/m/vault/release", data={"job_id": dw.vault_job,
                                                   "csrf": csrf_of(page.text)})
    assert released.status_code == 200 and "released at vault" in released.text
    job = dw.server.jobs.get_job(dw.vault_job)
    assert job.state.value == "releasing" and job.device_id == dw.vault.id
    # the annex job is not released at vault ("none selected: all" skips it)
    again = phone.post("/m/vault/release", data={"csrf": csrf_of(released.text)})
    assert "release group" in again.text and _state(dw, dw.annex_job) == "held"


def test_an_existing_web_session_goes_straight_to_the_jobs(
        dw: DeviceWorld, phone: TestClient) -> None:
    token = csrf_of(phone.get("/login").text)
    phone.post("/login", data={"username": "alice", "password": "alice-pass-1",
                               "csrf": token})
    page = phone.get("/m/annex")
    assert 'data-testid="signed-in"' in page.text and "thesis.pdf" in page.text
    released = phone.post("/m/annex/release", data={"job_id": dw.annex_job,
                                                   "csrf": csrf_of(page.text)})
    assert "released at annex" in released.text
    assert dw.server.jobs.get_job(dw.annex_job).device_id == dw.annex.id


def test_an_anonymous_release_moves_nothing(dw: DeviceWorld, phone: TestClient) -> None:
    token = csrf_of(phone.get("/m/vault").text)
    answer = phone.post("/m/vault/release", data={"job_id": dw.vault_job, "csrf": token})
    assert answer.status_code == 401 and _state(dw, dw.vault_job) == "held"
    assert phone.get("/m/nowhere").status_code == 404


def test_password_guesses_on_the_phone_page_are_throttled(
        dw: DeviceWorld, phone: TestClient) -> None:
    token = csrf_of(phone.get("/m/vault").text)
    statuses = []
    for guess in range(30):
        answer = phone.post("/m/vault/sign-in", data={"username": "alice",
                                                     "password": f"guess-{guess}",
                                                     "csrf": token})
        statuses.append(answer.status_code)
        if answer.status_code == 429:
            assert int(answer.headers["retry-after"]) > 0
            break
    assert statuses[0] == 401 and statuses[-1] == 429
    right = phone.post("/m/vault/sign-in", data={"username": "alice",
                                                "password": "alice-pass-1", "csrf": token})
    assert right.status_code == 429  # still throttled, even with the right password


def test_the_qr_sheet_is_for_staff_and_codes_each_devices_mobile_page(
        dw: DeviceWorld, phone: TestClient) -> None:
    assert phone.get("/admin/devices/qr-codes", follow_redirects=False).status_code == 303
    token = csrf_of(phone.get("/login").text)
    phone.post("/login", data={"username": "alice", "password": "alice-pass-1",
                               "csrf": token})
    assert phone.get("/admin/devices/qr-codes").status_code == 403
    dw.server.accounts.create_user("root", password="root-pass-12", roles=["admin"],
                                   actor="t")
    token = csrf_of(phone.get("/login").text)
    phone.post("/login", data={"username": "root", "password": "root-pass-12",
                               "csrf": token})
    sheet = phone.get("/admin/devices/qr-codes")
    assert sheet.status_code == 200
    base = dw.server.settings.effective_public_url
    for name in ("vault", "annex", "hall"):
        url = f"{base}/m/{name}"
        assert url in sheet.text
        assert name == "hall" or f"{name} room" in sheet.text
        expected = segno.make(url, error="m").svg_inline(scale=6,
                                                         title=f"Release at {name}")
        assert expected in sheet.text
    assert sheet.text.count('data-testid="qr-card"') == 3
    assert 'href="/admin/devices/qr-codes"' in phone.get("/").text
