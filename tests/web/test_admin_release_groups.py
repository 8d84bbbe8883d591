"""The admin release group page: list groups with their devices, create one, add and
remove devices; refusals are shown on the page; non-admins are refused."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.web.admin_support import sign_in
from tests.web.device_pages_world import DeviceWorld

PATH = "/admin/release-groups"


@pytest.fixture
def http(device_client: TestClient) -> TestClient:
    return device_client


def test_an_admin_creates_a_group_and_adds_and_removes_devices(dw: DeviceWorld,
                                                               http: TestClient) -> None:
    csrf = sign_in(http, dw)
    page = http.get(PATH)
    assert page.status_code == 200 and 'data-group="vault"' in page.text
    created = http.post(PATH, data={"name": "floor-2", "description": "Second floor",
                                    "csrf": csrf}, follow_redirects=False)
    assert created.status_code == 303
    group = dw.server.devices.find_release_group_by_name("floor-2")
    assert group is not None and group.description == "Second floor"
    for device in (dw.vault, dw.annex):
        assert http.post(f"{PATH}/{group.id}/add", data={"device_id": device.id,
                                                        "csrf": csrf}).status_code == 200
    assert set(dw.server.devices.get_release_group(group.id).device_ids) == {
        dw.vault.id, dw.annex.id}
    http.post(f"{PATH}/{group.id}/remove", data={"device_id": dw.annex.id, "csrf": csrf})
    assert dw.server.devices.get_release_group(group.id).device_ids == (dw.vault.id,)
    listed = http.get(PATH).text
    row = listed.split('data-group="floor-2"')[1].split("</tr>")[0]
    assert "vault" in row and 'data-testid="remove-vault"' in row
    assert 'data-testid="remove-annex"' not in row


@pytest.mark.parametrize(("path", "data", "status", "words"), [
    ("", {"name": ""}, 422, "name"),
    ("", {"name": "vault"}, 409, "exists"),
    ("/{group}/add", {"device_id": "01NOSUCHDEVICE000000000000"}, 404, "device"),
    ("/{group}/remove", {"device_id": "{annex}"}, 404, "not in release group"),
    ("/{group}/explode", {"device_id": "{annex}"}, 400, "choose a device"),
    ("/01NOSUCHGROUP0000000000000/add", {"device_id": "{annex}"}, 404, "release group"),
])
def test_refusals_are_shown_on_the_page(dw: DeviceWorld, http: TestClient, path: str,
                                        data: dict[str, str], status: int,
                                        words: str) -> None:
    csrf = sign_in(http, dw)
    group = dw.server.devices.find_release_group_by_name("vault")
    assert group is not None
    filled = {k: v.replace("{annex}", dw.annex.id) for k, v in data.items()}
    answer = http.post(PATH + path.replace("{group}", group.id), data={**filled,
                                                                     "csrf": csrf})
    assert answer.status_code == status
    assert 'data-testid="error"' in answer.text and words in answer.text.lower()
    assert "Traceback" not in answer.text
    assert dw.server.devices.get_release_group(group.id).device_ids == (dw.vault.id,)


def test_a_script_in_a_group_name_is_escaped(dw: DeviceWorld, http: TestClient) -> None:
    csrf = sign_in(http, dw)
    evil = "<img src=x onerror=alert(1)>"
    http.post(PATH, data={"name": "g1", "description": evil, "csrf": csrf})
    page = http.get(PATH).text
    assert evil not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_only_admins_see_or_change_groups(dw: DeviceWorld, http: TestClient) -> None:
    assert http.get(PATH, follow_redirects=False).status_code == 303
    csrf = sign_in(http, dw, "olga", roles=("operator",))
    assert http.get(PATH).status_code == 403
    assert http.post(PATH, data={"name": "mine", "csrf": csrf}).status_code == 403
    assert dw.server.devices.find_release_group_by_name("mine") is None


def test_a_forged_form_changes_nothing(dw: DeviceWorld, http: TestClient) -> None:
    sign_in(http, dw)
    assert http.post(PATH, data={"name": "forged", "csrf": "x"}).status_code == 403
    assert dw.server.devices.find_release_group_by_name("forged") is None
