"""The held-jobs page in process: only the signed-in owner sees and releases his jobs;
forms need the session's CSRF token."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from printwarden.container import ServerContainer
from tests.jobs.world import make_world


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "the form carries a CSRF token"
    return match.group(1)


def _sign_in(client: TestClient, username: str, password: str) -> None:
    token = _csrf(client.get("/login").text)
    answer = client.post("/login", data={"username": username, "password": password,
                                         "csrf": token}, follow_redirects=False)
    assert answer.status_code == 303


def test_the_owner_releases_on_the_page_and_a_forged_form_moves_nothing(
        client: TestClient, server: ServerContainer) -> None:
    world = make_world(server)
    server.devices.create_printer("vault", actor="t", agent_id=world.agent.id,
                                  device_uri="ipp://mfp.lan/ipp/print",
                                  hold_for_release=True, owner_check="release")
    vault = server.devices.find_device_by_name("vault")
    assert vault is not None
    request = world.request("1", queue="vault")
    held = server.jobs.authorize(world.agent, request).job_id
    assert client.get("/held", follow_redirects=False).status_code == 303  # anonymous

    server.accounts.create_user("bob", password="bob-pass-12", actor="t")
    _sign_in(client, "bob", "bob-pass-12")
    assert "thesis.pdf" not in client.get("/held").text  # not bob's
    client.post("/logout", data={"csrf": _csrf(client.get("/held").text)})

    _sign_in(client, "alice", "alice-pass-1")
    page = client.get("/held", params={"device": vault.id})
    assert "thesis.pdf" in page.text and "0.15 EUR" in page.text
    forged = client.post("/held", data={"action": "release", "device_id": vault.id,
                                        "job_id": held, "csrf": "forged"})
    assert forged.status_code == 403
    assert server.jobs.get_job(held).state.value == "held"
    done = client.post("/held", data={"action": "release", "device_id": vault.id,
                                      "job_id": held, "csrf": _csrf(page.text)})
    assert done.status_code == 200
    assert "released at vault" in done.text
    assert server.jobs.get_job(held).state.value == "releasing"
    empty = client.post("/held", data={"action": "delete", "csrf": _csrf(done.text)})
    assert empty.status_code == 400 and "choose" in empty.text
