"""The me page's forms: a user sets or removes his PIN and makes his ID number, shown once."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from printwarden.container import ServerContainer


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "the form carries a CSRF token"
    return match.group(1)


def _signed_in(client: TestClient, server: ServerContainer) -> str:
    server.accounts.create_user("bea", password="bea-pass-12", actor="t")
    token = _csrf(client.get("/login").text)
    client.post("/login", data={"username": "bea", "password": "bea-pass-12", "csrf": token})
    page = client.get("/")
    assert 'data-testid="pin-form"' in page.text and 'data-testid="id-number-form"' in page.text
    return _csrf(page.text)


def test_a_user_sets_his_pin_on_the_me_page(client: TestClient,
                                            server: ServerContainer) -> None:
    csrf = _signed_in(client, server)
    forged = client.post("/me/pin", data={"pin": "2580", "current_password": "bea-pass-12",
                                          "csrf": "forged"})
    assert forged.status_code == 403
    wrong = client.post("/me/pin", data={"pin": "2580", "current_password": "nope-nope",
                                         "csrf": csrf})
    assert wrong.status_code == 401 and 'role="alert"' in wrong.text
    arabic = client.post("/me/pin", data={"pin": "\u0662\u0665\u0668\u0660",
                                          "current_password": "bea-pass-12", "csrf": csrf})
    assert arabic.status_code == 422 and "4 to 8 digits" in arabic.text
    done = client.post("/me/pin", data={"pin": "2580", "current_password": "bea-pass-12",
                                        "csrf": csrf})
    assert done.status_code == 200 and "Your PIN was set." in done.text
    assert re.search(r'data-testid="has-pin">set<', done.text)
    assert server.accounts.authenticate_username_and_pin("bea", "2580").username == "bea"
    removed = client.post("/me/pin", data={"action": "clear", "current_password": "bea-pass-12",
                                           "csrf": csrf})
    assert "Your PIN was removed." in removed.text
    assert not server.accounts.get_user_by_username("bea").has_pin


def test_a_new_id_number_is_shown_once(client: TestClient, server: ServerContainer) -> None:
    csrf = _signed_in(client, server)
    made = client.post("/me/id-number", data={"current_password": "bea-pass-12", "csrf": csrf})
    assert made.status_code == 200 and made.headers["Cache-Control"] == "no-store"
    found = re.search(r'data-testid="new-id-number">.*?<strong class="n">(\d+)</strong>',
                      made.text, re.S)
    assert found, made.text
    number = found.group(1)
    assert server.accounts.authenticate_id_number(number).username == "bea"
    later = client.get("/")
    assert number not in later.text and re.search(r'data-testid="has-id-number">set<',
                                                  later.text)
