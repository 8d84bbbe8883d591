"""Terminals over REST, on SQLite and PostgreSQL: an admin makes a one-time code for a
device, a terminal exchanges it once for a token bound to that device; re-enrolment
rotates the token; revocation ends it; a terminal token opens no admin route."""

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
from printwarden.devices.device_model import Device
from printwarden.server.bootstrap import build_server
from printwarden.web.app import create_app


@pytest.fixture
def device(server: ServerContainer) -> Device:
    return server.devices.create_device("mfp-1", actor="test",
                                        device_uri="ipp://mfp1.lan/ipp/print")


def _code(admin_client: TestClient, device_id: str, **extra: object) -> str:
    made = admin_client.post("/api/v1/terminals/enrolment-codes",
                             json={"device_id": device_id, **extra})
    assert made.status_code == 201, made.text
    return str(made.json()["code"])


def _register(client: TestClient, code: str) -> dict[str, object]:
    answer = client.post("/api/v1/terminal/register",
                         json={"code": code, "hostname": "kiosk-1", "version": "1"},
                         headers={"Authorization": ""})
    assert answer.status_code == 201, answer.text
    body: dict[str, object] = answer.json()
    return body


def _hello(client: TestClient, token: object) -> int:
    return client.get("/api/v1/terminal/hello",
                      headers={"Authorization": f"Bearer {token}"}).status_code


def test_a_code_enrols_a_terminal_of_its_device_once(
        admin_client: TestClient, device: Device, server: ServerContainer) -> None:
    code = _code(admin_client, device.id)
    enrolled = _register(admin_client, code)
    token = enrolled["token"]
    assert str(token).startswith("pwt_")
    assert enrolled["device"] == {"id": device.id, "name": "mfp-1", "location": "",
                                  "color_capable": True, "duplex_capable": True}
    hello = admin_client.get("/api/v1/terminal/hello",
                             headers={"Authorization": f"Bearer {token}"})
    assert hello.status_code == 200 and hello.json()["device"]["id"] == device.id
    # the code is spent: a replay is refused with a message, lower case works the same
    for replay in (code, code.lower().replace("-", " ")):
        again = admin_client.post("/api/v1/terminal/register", json={"code": replay},
                                  headers={"Authorization": ""})
        assert again.status_code == 401, again.text
        assert "already used" in again.json()["message"]
    listed = admin_client.get("/api/v1/terminals").json()
    assert [(t["device_id"], t["status"]) for t in listed["items"]] == [(device.id, "active")]
    codes = admin_client.get("/api/v1/terminals/enrolment-codes").json()["items"]
    assert codes[0]["used_by_terminal_id"] == enrolled["terminal_id"]
    assert "code" not in codes[0]
    # only hashes are stored
    assert server.terminals.get_terminal(str(enrolled["terminal_id"])).device_id == device.id
    actions = [entry["action"] for entry in server.audit.recent(50)]
    assert {"terminal.code.create", "terminal.register"} <= set(actions)


def test_re_enrolment_rotates_the_token_and_revocation_ends_it(
        admin_client: TestClient, device: Device) -> None:
    first = _register(admin_client, _code(admin_client, device.id))
    second = _register(admin_client, _code(admin_client, device.id))
    assert second["terminal_id"] == first["terminal_id"]  # one terminal per device
    assert _hello(admin_client, first["token"]) == 401
    assert _hello(admin_client, second["token"]) == 200
    revoked = admin_client.post(f"/api/v1/terminals/{second['terminal_id']}/revoke")
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    assert _hello(admin_client, second["token"]) == 401
    third = _register(admin_client, _code(admin_client, device.id))
    assert _hello(admin_client, third["token"]) == 200


def test_a_terminal_token_opens_no_admin_or_user_route(
        admin_client: TestClient, device: Device) -> None:
    token = _register(admin_client, _code(admin_client, device.id))["token"]
    as_terminal = {"Authorization": f"Bearer {token}"}
    for path in ("/api/v1/terminals", "/api/v1/users", "/api/v1/release/held-jobs",
                 "/api/v1/agent/config"):
        answer = admin_client.get(path, headers=as_terminal)
        assert answer.status_code == 403, (path, answer.text)
        assert set(answer.json()) >= {"error", "message"}
    made = admin_client.post("/api/v1/terminals/enrolment-codes", headers=as_terminal,
                             json={"device_id": device.id})
    assert made.status_code == 403


def test_hostile_code_requests_get_a_4xx_with_a_message(
        admin_client: TestClient, device: Device) -> None:
    for body in ({"device_id": "no-such-device"}, {"device_id": device.id, "ttl_hours": 0},
                 {"device_id": device.id, "ttl_hours": 10**30}, {"device_id": "x" * 27},
                 {"device_id": device.id, "extra": 1}, {}):
        answer = admin_client.post("/api/v1/terminals/enrolment-codes", json=body)
        assert 400 <= answer.status_code < 500, (body, answer.text)
        assert answer.json()["message"], body
    arabic_five, fullwidth = "\u0665" * 4, "\uff21\uff22\uff23\uff24"
    for code in ("", arabic_five + "-" + arabic_five, fullwidth + "-" + fullwidth,
                 "x" * 41, "A" * 40):
        answer = admin_client.post("/api/v1/terminal/register", json={"code": code},
                                   headers={"Authorization": ""})
        assert answer.status_code in (401, 422, 429), (code, answer.text)
        assert answer.json()["message"]
    assert admin_client.get("/api/v1/terminal/hello",
                            headers={"Authorization": "Bearer pwt_forged"}).status_code == 401
    anonymous = admin_client.get("/api/v1/terminals", headers={"Authorization": ""})
    assert anonymous.status_code == 401


def test_concurrent_exchanges_of_one_code_enrol_once(
        admin_client: TestClient, device: Device) -> None:
    code = _code(admin_client, device.id)

    def exchange(_: int) -> int:
        return admin_client.post("/api/v1/terminal/register", json={"code": code},
                                 headers={"Authorization": ""}).status_code

    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = sorted(pool.map(exchange, range(4)))
    assert statuses.count(201) == 1, statuses
    assert admin_client.get("/api/v1/terminals").json()["total"] == 1


def test_an_expired_code_is_refused(db: Database, tmp_path: Path) -> None:
    clock = FixedClock(datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
    settings = load_server_settings(tmp_path / "data", database_url=db.url)
    server = build_server(settings, db=db, clock=clock, migrate=False)
    device = server.devices.create_device("mfp-2", actor="test")
    code, _ = server.terminals.create_code(device.id, actor="test", ttl=timedelta(hours=1))
    clock.advance(timedelta(hours=1))
    with TestClient(create_app(server)) as client:
        answer = client.post("/api/v1/terminal/register", json={"code": code})
        assert answer.status_code == 401 and "expired" in answer.json()["message"]
        assert client.get("/api/v1/terminals", headers={
            "Authorization": "Bearer pwt_x"}).status_code == 401


def test_a_terminal_token_is_redacted_from_logs() -> None:
    from printwarden.core.logging import redact

    assert redact("Authorization: Bearer pwt_AbCdEf123456_-x") == \
        "Authorization: Bearer pwt_[redacted]"
