"""The admin terminal page: an enrolment code is shown once, in the answer to the form
that made it, and enrols the device's terminal; a terminal is revoked; bad lifetimes are
messages; non-admins are refused."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from printwarden.core.errors import AuthenticationFailed
from tests.web.admin_support import sign_in
from tests.web.device_pages_world import DeviceWorld

PATH = "/admin/terminals"


@pytest.fixture
def http(device_client: TestClient) -> TestClient:
    return device_client


def _code_of(html: str) -> str:
    match = re.search(r'data-testid="new-code">([^<]+)<', html)
    assert match, "the answer shows the new code"
    return match.group(1)


def test_a_code_is_shown_once_enrols_the_terminal_and_the_terminal_is_revoked(
        dw: DeviceWorld, http: TestClient) -> None:
    csrf = sign_in(http, dw)
    made = http.post(f"{PATH}/codes", data={"device_id": dw.vault.id, "ttl_hours": "2",
                                            "csrf": csrf})
    assert made.status_code == 201 and made.headers["cache-control"] == "no-store"
    code = _code_of(made.text)
    listed = http.get(PATH).text
    assert code not in listed and 'data-testid="new-code"' not in listed  # once only
    assert "vault" in listed.split('data-testid="codes"')[1]

    terminal, token = dw.server.terminals.register(code, hostname="kiosk-1", version="1")
    assert terminal.device_id == dw.vault.id
    listed = http.get(PATH).text
    assert "kiosk-1" in listed and f'data-testid="revoke-{terminal.id}"' in listed
    revoked = http.post(f"{PATH}/{terminal.id}/revoke", data={"csrf": csrf})
    assert revoked.status_code == 200 and "revoked" in revoked.text
    assert not dw.server.terminals.get_terminal(terminal.id).active
    with pytest.raises(AuthenticationFailed):
        dw.server.terminals.principal_for_token(token)


@pytest.mark.parametrize(("data", "status", "words"), [
    ({"ttl_hours": "\u0662\u0664"}, 400, "ascii digits"),
    ({"ttl_hours": "\uff12\uff14"}, 400, "ascii digits"),
    ({"ttl_hours": "0"}, 400, "from 1 to 720"),
    ({"ttl_hours": "99999999999"}, 400, "from 1 to 720"),
    ({"ttl_hours": "9" * 100}, 400, "ascii digits"),
    ({"device_id": ""}, 400, "choose a device"),
    ({"device_id": "01NOSUCHDEVICE000000000000"}, 404, "device"),
])
def test_bad_code_requests_are_messages_on_the_page(dw: DeviceWorld, http: TestClient,
                                                    data: dict[str, str], status: int,
                                                    words: str) -> None:
    csrf = sign_in(http, dw)
    answer = http.post(f"{PATH}/codes", data={"device_id": dw.vault.id, "ttl_hours": "24",
                                              "csrf": csrf, **data})
    assert answer.status_code == status
    assert 'data-testid="error"' in answer.text and words in answer.text.lower()
    assert dw.server.terminals.list_codes() == []


def test_revoking_an_unknown_terminal_is_a_404_on_the_page(dw: DeviceWorld,
                                                          http: TestClient) -> None:
    csrf = sign_in(http, dw)
    answer = http.post(f"{PATH}/01NOSUCHTERMINAL0000000000/revoke", data={"csrf": csrf})
    assert answer.status_code == 404 and 'data-testid="error"' in answer.text


def test_only_admins_enrol_or_revoke(dw: DeviceWorld, http: TestClient) -> None:
    assert http.get(PATH, follow_redirects=False).status_code == 303
    csrf = sign_in(http, dw, "olga", roles=("operator",))
    assert http.get(PATH).status_code == 403
    answer = http.post(f"{PATH}/codes", data={"device_id": dw.vault.id, "csrf": csrf})
    assert answer.status_code == 403 and "new-code" not in answer.text
    assert dw.server.terminals.list_codes() == []


def test_a_forged_form_makes_no_code(dw: DeviceWorld, http: TestClient) -> None:
    sign_in(http, dw)
    answer = http.post(f"{PATH}/codes", data={"device_id": dw.vault.id, "csrf": "x"})
    assert answer.status_code == 403
    assert dw.server.terminals.list_codes() == []
