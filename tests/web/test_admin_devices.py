"""The admin device pages: the list shows status, reasons, supplies and SNMP on/off;
create and edit a device with its SNMP settings and pricing group; bad input is a field
message (never a stack trace), a name is escaped, non-admins are refused."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from printwarden.devices.device_status_model import SupplyLevel
from printwarden.devices.device_status_ops import StatusInput
from tests.web.admin_support import sign_in
from tests.web.device_pages_world import DeviceWorld


@pytest.fixture
def http(device_client: TestClient) -> TestClient:
    return device_client


def _form(csrf: str, **fields: str) -> dict[str, str]:
    base = {"csrf": csrf, "name": "lobby", "device_uri": "ipp://lobby.lan/ipp/print",
            "snmp_port": "161", "color_capable": "on", "enabled": "on"}
    base.update(fields)
    return {k: v for k, v in base.items() if v is not None}


def test_the_list_shows_status_reasons_supplies_and_snmp(dw: DeviceWorld,
                                                         http: TestClient) -> None:
    sign_in(http, dw)
    dw.server.devices.update_device(dw.vault.id, {"snmp_enabled": True, "snmp_port": 1161},
                                    actor="t")
    dw.server.devices.report_device_statuses(dw.world.agent.id, [StatusInput(
        dw.vault.id, "stopped", ("media-jam-error",), "paper jam",
        (SupplyLevel("Black Toner", 40, "known"),
         SupplyLevel("Waste", None, "some-remaining")))])
    page = http.get("/admin/devices")
    assert page.status_code == 200
    row = re.search(r'data-device="vault">(.*?)</tr>', page.text, re.S)
    assert row is not None
    cells = row.group(1)
    assert "stopped" in cells and "media-jam-error" in cells
    assert "Black Toner 40 %" in cells and "Waste (some remaining)" in cells
    assert "on (port 1161)" in cells
    annex = re.search(r'data-device="annex">(.*?)</tr>', page.text, re.S)
    assert annex is not None and "not reported yet" in annex.group(1)
    assert ">off<" in annex.group(1)
    assert "Supplies: Black Toner 40 %" in http.get("/").text  # the dashboard too


def test_an_admin_creates_a_device_with_snmp_and_a_pricing_group(dw: DeviceWorld,
                                                                 http: TestClient) -> None:
    csrf = sign_in(http, dw)
    group = dw.server.devices.create_group("colour-fleet", actor="t")
    form = http.get("/admin/devices/new")
    assert form.status_code == 200 and 'name="snmp_community"' in form.text
    answer = http.post("/admin/devices/new", data=_form(
        csrf, agent_id=dw.world.agent.id, group_id=group.id, snmp_enabled="on",
        snmp_port="1161", snmp_community="s3cret", location="Lobby",
        snmp_profile="hp-laserjet-colour",
        media_supported="iso_a4_210x297mm, na_letter_8.5x11in"), follow_redirects=False)
    assert answer.status_code == 303
    device = dw.server.devices.find_device_by_name("lobby")
    assert device is not None
    assert answer.headers["location"] == f"/admin/devices/{device.id}?saved=1"
    assert (device.snmp_enabled, device.snmp_port, device.snmp_community) == (
        True, 1161, "s3cret")
    assert device.snmp_profile == "hp-laserjet-colour"
    assert (device.group_id, device.agent_id, device.location) == (
        group.id, dw.world.agent.id, "Lobby")
    assert device.media_supported == ("iso_a4_210x297mm", "na_letter_8.5x11in")
    assert device.color_capable and not device.duplex_capable
    edit = http.get(answer.headers["location"])
    assert "Saved." in edit.text and "s3cret" not in edit.text  # never shown back
    assert "leave blank to keep it" in edit.text


def test_an_edit_keeps_the_community_when_left_blank_and_turns_snmp_off(
        dw: DeviceWorld, http: TestClient) -> None:
    csrf = sign_in(http, dw)
    dw.server.devices.update_device(dw.vault.id, {"snmp_enabled": True,
                                                  "snmp_community": "keep-me"}, actor="t")
    answer = http.post(f"/admin/devices/{dw.vault.id}", data=_form(
        csrf, name="vault", device_uri=dw.vault.device_uri, snmp_port="162",
        agent_id=dw.world.agent.id, location="Basement"), follow_redirects=False)
    assert answer.status_code == 303
    device = dw.server.devices.get_device(dw.vault.id)
    assert (device.snmp_enabled, device.snmp_port, device.snmp_community) == (
        False, 162, "keep-me")
    assert device.location == "Basement"
    assert device.agent_id == dw.world.agent.id


@pytest.mark.parametrize(("fields", "field", "words"), [
    ({"snmp_port": "\u0661\u0666\u0661"}, "snmp_port", "ASCII digits"),
    ({"snmp_port": "\uff11\uff16\uff11"}, "snmp_port", "ASCII digits"),
    ({"snmp_port": "9" * 40}, "snmp_port", "ASCII digits"),
    ({"snmp_port": "99999999"}, "snmp_port", "from 1 to 65535"),
    ({"snmp_port": "0"}, "snmp_port", "from 1 to 65535"),
    ({"snmp_port": "-5"}, "snmp_port", "ASCII digits"),
    ({"snmp_community": "has space"}, "snmp_community", "community"),
    ({"device_uri": "gopher://x"}, "device_uri", "device URI"),
    ({"media_supported": "A4"}, "media_supported", "media size"),
    ({"name": "bad name!"}, "name", "invalid device name"),
    ({"name": ""}, "name", "needs a name"),
    ({"name": "vault"}, "name", "already exists"),
    ({"agent_id": "01NOSUCHAGENT0000000000000"}, "agent_id", "agent"),
    ({"snmp_profile": "<b>xerox</b>"}, "snmp_profile", "unknown snmp profile"),
])
def test_bad_input_is_a_message_on_its_field_and_the_typed_values_stay(
        dw: DeviceWorld, http: TestClient, fields: dict[str, str], field: str,
        words: str) -> None:
    csrf = sign_in(http, dw)
    answer = http.post("/admin/devices/new", data=_form(csrf, location="typed here",
                                                        **fields))
    assert 400 <= answer.status_code < 500
    assert "Traceback" not in answer.text
    error = re.search(rf'data-testid="error-{field}" role="alert">([^<]*)<', answer.text)
    assert error is not None, answer.text
    assert words.lower() in error.group(1).lower()
    assert 'value="typed here"' in answer.text
    names = [d.name for d in dw.server.devices.list_devices()]
    assert names.count("vault") == 1 and "lobby" not in names


def test_a_script_in_a_device_name_or_location_is_escaped(dw: DeviceWorld,
                                                          http: TestClient) -> None:
    csrf = sign_in(http, dw)
    evil = "<script>alert(1)</script>"
    answer = http.post("/admin/devices/new", data=_form(csrf, name=evil))
    assert answer.status_code == 422 and evil not in answer.text
    assert "&lt;script&gt;" in answer.text  # echoed, escaped
    http.post(f"/admin/devices/{dw.vault.id}", data=_form(
        csrf, name="vault", device_uri=dw.vault.device_uri, location=evil))
    page = http.get("/admin/devices").text + http.get(f"/admin/devices/{dw.vault.id}").text
    assert evil not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_only_admins_see_or_change_devices(dw: DeviceWorld, http: TestClient) -> None:
    assert http.get("/admin/devices", follow_redirects=False).headers["location"] == "/login"
    csrf = sign_in(http, dw, "olga", roles=("operator",))
    for path in ("/admin/devices", "/admin/devices/new", f"/admin/devices/{dw.vault.id}"):
        assert http.get(path).status_code == 403
    answer = http.post(f"/admin/devices/{dw.vault.id}", data=_form(csrf, name="renamed"))
    assert answer.status_code == 403
    assert dw.server.devices.get_device(dw.vault.id).name == "vault"


def test_a_forged_form_without_the_csrf_token_changes_nothing(dw: DeviceWorld,
                                                              http: TestClient) -> None:
    sign_in(http, dw)
    answer = http.post("/admin/devices/new", data=_form("forged"))
    assert answer.status_code == 403
    assert dw.server.devices.find_device_by_name("lobby") is None


def test_an_unknown_device_is_a_404(dw: DeviceWorld, http: TestClient) -> None:
    csrf = sign_in(http, dw)
    assert http.get("/admin/devices/01NOSUCHDEVICE000000000000").status_code == 404
    assert http.post("/admin/devices/" + "x" * 300, data=_form(csrf)).status_code == 404
    assert http.get("/admin/devices/qr-codes").status_code == 200  # not a device id


def test_two_admins_creating_the_same_device_at_once_get_one_device_and_a_message(
        dw: DeviceWorld, device_client: TestClient) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from tests.web.device_pages_world import app_client

    other_clients = app_client(dw.server)
    other = next(other_clients)
    try:
        tokens = [sign_in(device_client, dw, "root"), sign_in(other, dw, "root2")]
        with ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(
                lambda pair: pair[0].post("/admin/devices/new", data=_form(pair[1]),
                                          follow_redirects=False),
                zip((device_client, other), tokens, strict=True)))
    finally:
        other_clients.close()
    statuses = sorted(a.status_code for a in answers)
    assert statuses[0] == 303 and statuses[1] in (409, 422)
    assert "already exists" in max(answers, key=lambda a: a.status_code).text
    assert [d.name for d in dw.server.devices.list_devices()].count("lobby") == 1
