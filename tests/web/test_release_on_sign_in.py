"""A device with ``release_on_sign_in`` releases a person's held jobs there when he signs
in at it: at the kiosk and at a terminal, never from the phone page (reachable from
anywhere), never jobs of another release group, never at a stopped device, and a device
without the setting releases nothing by itself."""

from __future__ import annotations

from fastapi.testclient import TestClient

from printwarden.container import ServerContainer
from printwarden.devices.device_status_ops import StatusInput
from tests.release.terminal_world import CARD, PIN, make_terminal_world
from tests.web.device_pages_world import ALICE_CARD, DeviceWorld, csrf_of


def _kiosk_sign_in(client: TestClient, device: str) -> object:
    token = csrf_of(client.get(f"/kiosk/{device}").text)
    return client.post(f"/kiosk/{device}/sign-in",
                       data={"csrf": token, "method": "card", "card": ALICE_CARD},
                       follow_redirects=False)


def _state(server: ServerContainer, job_id: str) -> str:
    return server.jobs.get_job(job_id).state.value


def _release_events(dw: DeviceWorld) -> list[object]:
    return [e.payload["job_id"] for e in dw.server.devices.events_after(dw.world.agent.id, None)
            if e.kind == "release"]


def test_a_kiosk_sign_in_releases_the_jobs_of_this_device_only(
        dw: DeviceWorld, device_client: TestClient) -> None:
    dw.server.devices.update_device(dw.vault.id, {"release_on_sign_in": True}, actor="t")
    answer = _kiosk_sign_in(device_client, "vault")
    assert answer.status_code == 200  # type: ignore[attr-defined]
    assert "released at vault" in answer.text  # type: ignore[attr-defined]
    job = dw.server.jobs.get_job(dw.vault_job)
    assert job.state.value == "releasing" and job.device_id == dw.vault.id
    # the annex job belongs to another release group: untouched
    assert _state(dw.server, dw.annex_job) == "held"
    assert _release_events(dw) == [dw.vault_job]
    # signing in again releases nothing twice
    device_client.post("/kiosk/vault/sign-out", data={
        "csrf": csrf_of(device_client.get("/kiosk/vault").text)})
    again = _kiosk_sign_in(device_client, "vault")
    assert again.status_code == 303  # type: ignore[attr-defined]
    assert _release_events(dw) == [dw.vault_job]


def test_a_device_without_the_setting_releases_nothing_by_itself(
        dw: DeviceWorld, device_client: TestClient) -> None:
    assert dw.vault.release_on_sign_in is False  # the default
    answer = _kiosk_sign_in(device_client, "vault")
    assert answer.status_code == 303  # type: ignore[attr-defined]
    assert _state(dw.server, dw.vault_job) == "held" and _release_events(dw) == []


def test_a_stopped_device_keeps_the_jobs_held_and_says_why(
        dw: DeviceWorld, device_client: TestClient) -> None:
    dw.server.devices.update_device(dw.vault.id, {"release_on_sign_in": True}, actor="t")
    dw.server.devices.report_device_statuses(dw.world.agent.id, [StatusInput(
        dw.vault.id, "stopped", ("media-jam",), "paper jam in tray 2")])
    answer = _kiosk_sign_in(device_client, "vault")
    assert answer.status_code == 200  # type: ignore[attr-defined]
    assert "stays held" in answer.text  # type: ignore[attr-defined]
    assert "Hello" in answer.text  # type: ignore[attr-defined]  # still signed in
    assert _state(dw.server, dw.vault_job) == "held" and _release_events(dw) == []


def test_the_phone_page_never_releases_by_itself(
        dw: DeviceWorld, device_client: TestClient) -> None:
    dw.server.devices.update_device(dw.vault.id, {"release_on_sign_in": True}, actor="t")
    token = csrf_of(device_client.get("/m/vault").text)
    device_client.post("/m/vault/sign-in", data={
        "csrf": token, "username": "alice", "password": "alice-pass-1"})
    assert _state(dw.server, dw.vault_job) == "held" and _release_events(dw) == []


def test_a_terminal_sign_in_answers_what_it_released(server: ServerContainer,
                                                    client: TestClient) -> None:
    tw = make_terminal_world(server)
    job = tw.hold("1")
    server.devices.update_device(tw.vault.id, {"release_on_sign_in": True}, actor="t")
    headers = tw.enrol(tw.vault.id)
    opened = client.post("/api/v1/terminal/sessions", headers=headers,
                         json={"method": "card_pin", "card": CARD, "pin": PIN})
    assert opened.status_code == 201, opened.text
    assert [(o["job_id"], o["ok"]) for o in opened.json()["released"]] == [(job, True)]
    assert server.jobs.get_job(job).state.value == "releasing"
    session = opened.json()["session_id"]
    shown = client.get(f"/api/v1/terminal/sessions/{session}", headers=headers)
    assert shown.json()["released"] == []  # only the sign-in answer says it
