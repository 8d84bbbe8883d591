"""Device status over the agent link: an agent reports its own devices only; the last
report shows on the dashboard; a release to a stopped device is refused with the reason
and the job stays held."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from printwarden.core.principal import Principal
from tests.jobs.world import make_agent
from tests.web.device_pages_world import DeviceWorld

PATH = "/api/v1/agent/device-status"


@pytest.fixture
def http(device_client: TestClient) -> TestClient:
    return device_client


def _report(http: TestClient, token: str, *devices: dict[str, object]) -> object:
    return http.post(PATH, json={"devices": list(devices)},
                     headers={"Authorization": f"Bearer {token}"})


def _alice(dw: DeviceWorld) -> Principal:
    principal = dw.server.principal_for_user(dw.world.user_id)
    assert principal is not None
    return principal


def test_a_stopped_device_refuses_a_release_until_it_works_again(
        dw: DeviceWorld, http: TestClient) -> None:
    answer = _report(http, dw.world.token, {
        "device_id": dw.vault.id, "state": "stopped",
        "reasons": ["media-jam-error", "media-jam-error", "none"],
        "message": "Paper jam in tray 2\x1b[31m"})
    assert answer.status_code == 200  # type: ignore[attr-defined]
    assert answer.json() == {"accepted": 1, "refused": []}  # type: ignore[attr-defined]
    stored = dw.server.devices.device_statuses()[dw.vault.id]
    assert stored.reasons == ("media-jam-error",)
    assert stored.message == "Paper jam in tray 2[31m"  # the ESC is dropped
    assert stored.reported_at == dw.clock.now()

    outcome, = dw.server.release.release(_alice(dw), dw.vault.id, [dw.vault_job])
    assert not outcome.ok and "stopped" in outcome.message and "Paper jam" in outcome.message
    assert dw.server.jobs.get_job(dw.vault_job).state.value == "held"

    _report(http, dw.world.token, {"device_id": dw.vault.id, "state": "idle"})
    outcome, = dw.server.release.release(_alice(dw), dw.vault.id, [dw.vault_job])
    assert outcome.ok and dw.server.jobs.get_job(dw.vault_job).state.value == "releasing"


def test_an_offline_device_reported_stopped_keeps_its_jobs_held(
        dw: DeviceWorld, http: TestClient) -> None:
    _report(http, dw.world.token, {"device_id": dw.annex.id, "state": "stopped",
                                   "reasons": ["offline-report"],
                                   "message": "no answer within 30 s"})
    outcome, = dw.server.release.release(_alice(dw), dw.annex.id, [dw.annex_job])
    assert not outcome.ok and "no answer within 30 s" in outcome.message
    assert dw.server.jobs.get_job(dw.annex_job).state.value == "held"
    # vault is not concerned by annex's status
    outcome, = dw.server.release.release(_alice(dw), dw.vault.id, [dw.vault_job])
    assert outcome.ok


def test_an_agent_reports_only_the_devices_it_serves(dw: DeviceWorld,
                                                     http: TestClient) -> None:
    _other, token = make_agent(dw.server, "ps-2")
    answer = _report(http, token, {"device_id": dw.vault.id, "state": "stopped"},
                     {"device_id": "01JUNKJUNKJUNKJUNKJUNKJUNK", "state": "stopped"})
    body = answer.json()  # type: ignore[attr-defined]
    assert body["accepted"] == 0
    assert [r["reason"] for r in body["refused"]] == ["no such device served by this agent"] * 2
    assert dw.vault.id not in dw.server.devices.device_statuses()
    # a user's token is not an agent's
    user_token, _ = dw.server.accounts.create_api_token(dw.world.user_id, "t", actor="t")
    refused = _report(http, user_token, {"device_id": dw.vault.id, "state": "idle"})
    assert refused.status_code in (401, 403)  # type: ignore[attr-defined]
    assert http.post(PATH, json={"devices": []}).status_code == 401


@pytest.mark.parametrize("entry", [
    {"state": "broken"},
    {"state": "idle", "reasons": ["x"] * 33},
    {"state": "idle", "message": "m" * 1001},
    {"state": "idle", "extra": 1},
])
def test_malformed_reports_are_a_422(dw: DeviceWorld, http: TestClient,
                                     entry: dict[str, object]) -> None:
    answer = _report(http, dw.world.token, {"device_id": dw.vault.id, **entry})
    assert answer.status_code == 422  # type: ignore[attr-defined]
    assert dw.vault.id not in dw.server.devices.device_statuses()


@pytest.mark.parametrize("reason", ["Media-Jam", "media jam", "\u0665-error", "-x", "a" * 70])
def test_a_reason_that_is_no_keyword_is_refused_for_that_device_only(
        dw: DeviceWorld, http: TestClient, reason: str) -> None:
    answer = _report(http, dw.world.token,
                     {"device_id": dw.vault.id, "state": "stopped", "reasons": [reason]},
                     {"device_id": dw.annex.id, "state": "idle"})
    body = answer.json()  # type: ignore[attr-defined]
    assert body["accepted"] == 1 and body["refused"][0]["device_id"] == dw.vault.id
    assert "keyword" in body["refused"][0]["reason"]
    assert set(dw.server.devices.device_statuses()) == {dw.annex.id}


def test_too_many_reports_in_one_request_are_refused(dw: DeviceWorld,
                                                     http: TestClient) -> None:
    entry = {"device_id": dw.vault.id, "state": "idle"}
    answer = _report(http, dw.world.token, *[entry] * 501)
    assert answer.status_code == 422  # type: ignore[attr-defined]


def test_the_dashboard_shows_the_last_known_status(dw: DeviceWorld, http: TestClient) -> None:
    dw.server.accounts.create_user("root", password="root-pass-12", roles=["admin"],
                                   actor="t")
    _report(http, dw.world.token, {"device_id": dw.vault.id, "state": "stopped",
                                   "reasons": ["media-empty-error"],
                                   "message": "Tray 1 empty"})
    login = http.get("/login").text
    token = login.split('name="csrf" value="')[1].split('"')[0]
    http.post("/login", data={"username": "root", "password": "root-pass-12", "csrf": token})
    page = http.get("/").text
    assert "Tray 1 empty (media-empty-error)" in page
    assert "not reported yet" in page  # annex and hall


def test_supplies_are_stored_with_the_status(dw: DeviceWorld, http: TestClient) -> None:
    answer = _report(http, dw.world.token, {
        "device_id": dw.vault.id, "state": "idle", "supplies": [
            {"description": "Black Toner\x07", "percent": 35, "condition": "known"},
            {"description": "<b>Waste</b>", "condition": "some-remaining"}]})
    assert answer.json() == {"accepted": 1, "refused": []}  # type: ignore[attr-defined]
    stored = dw.server.devices.device_statuses()[dw.vault.id]
    assert [(s.description, s.percent, s.condition) for s in stored.supplies] == [
        ("Black Toner", 35, "known"), ("<b>Waste</b>", None, "some-remaining")]
    _report(http, dw.world.token, {"device_id": dw.vault.id, "state": "idle"})
    assert dw.server.devices.device_statuses()[dw.vault.id].supplies == ()


@pytest.mark.parametrize("supply", [
    {"percent": 101, "condition": "known"},
    {"percent": -1, "condition": "known"},
    {"percent": 10**30, "condition": "known"},
    {"percent": "\uff15", "condition": "known"},
    {"percent": "5", "condition": "known"},
    {"percent": 5.0, "condition": "known"},
    {"condition": "full"},
    {"description": "d" * 256},
    {"extra": 1},
])
def test_malformed_supplies_are_a_422(dw: DeviceWorld, http: TestClient,
                                      supply: dict[str, object]) -> None:
    answer = _report(http, dw.world.token,
                     {"device_id": dw.vault.id, "state": "idle", "supplies": [supply]})
    assert answer.status_code == 422  # type: ignore[attr-defined]
    assert dw.vault.id not in dw.server.devices.device_statuses()


@pytest.mark.parametrize("supply", [
    {"condition": "known"},  # a known level without its percent
    {"percent": 10, "condition": "unknown"},  # a percent of an unknown level
])
def test_a_supply_that_contradicts_itself_is_refused_for_that_device(
        dw: DeviceWorld, http: TestClient, supply: dict[str, object]) -> None:
    answer = _report(http, dw.world.token,
                     {"device_id": dw.vault.id, "state": "idle", "supplies": [supply]})
    body = answer.json()  # type: ignore[attr-defined]
    assert body["accepted"] == 0 and "percent" in body["refused"][0]["reason"]


def test_too_many_supplies_are_a_422(dw: DeviceWorld, http: TestClient) -> None:
    rows = [{"description": f"s{n}", "condition": "unknown"} for n in range(33)]
    answer = _report(http, dw.world.token,
                     {"device_id": dw.vault.id, "state": "idle", "supplies": rows})
    assert answer.status_code == 422  # type: ignore[attr-defined]
