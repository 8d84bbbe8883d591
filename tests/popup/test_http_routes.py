"""The pop-up's plain HTTP routes (for a web page or a script) and its sign-in."""

from __future__ import annotations

import httpx

from tests.popup.world import PopupWorld


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_sign_in_makes_a_token_named_for_the_desktop_account(popup: PopupWorld) -> None:
    user_id, _ = popup.new_user(password="correct horse 1")
    username = popup.server.accounts.get_user(user_id).username
    popup.notice(user_id, "earlier")
    answer = httpx.post(popup.url + "/api/v1/popup/sign-in", json={
        "login": username, "password": "correct horse 1", "os_user": "alice\n\x1b[2J",
        "host": "lab-pc 7"})
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["user_id"] == user_id and body["token"].startswith("pwu_")
    assert body["token_name"] == "popup: alice__[2J@lab-pc_7"  # controls never stored
    assert body["notice_cursor"] == popup.server.notices.last_id(user_id) > 0
    me = httpx.get(popup.url + "/api/v1/popup/questions", headers=_bearer(body["token"]))
    assert me.status_code == 200 and me.json() == []
    names = [t.name for t in popup.server.accounts.list_api_tokens(user_id)]
    assert "popup: alice__[2J@lab-pc_7" in names


def test_a_bad_sign_in_is_a_clear_4xx(popup: PopupWorld) -> None:
    user_id, _ = popup.new_user(password="correct horse 1")
    username = popup.server.accounts.get_user(user_id).username
    url = popup.url + "/api/v1/popup/sign-in"
    wrong = httpx.post(url, json={"login": username, "password": "nope", "os_user": "a"})
    assert wrong.status_code == 401 and "Traceback" not in wrong.text
    for body in ({"login": username, "password": "x" * 5000, "os_user": "a"},
                 {"login": username, "password": "correct horse 1", "os_user": "a" * 65},
                 {"login": username, "password": "correct horse 1", "os_user": ""},
                 {"login": "\u0665" * 300, "password": "p", "os_user": "a"},
                 {"login": username}):
        refused = httpx.post(url, json=body)
        assert refused.status_code == 422, (body, refused.text)
    assert popup.server.accounts.list_api_tokens(user_id) == [
        t for t in popup.server.accounts.list_api_tokens(user_id) if t.name == "test"]


def test_questions_are_listed_and_answered_over_http(popup: PopupWorld) -> None:
    user_id, token = popup.new_user()
    _, other = popup.new_user()
    question = popup.ask(user_id)
    base = popup.url + "/api/v1/popup/questions"
    listed = httpx.get(base, headers=_bearer(token)).json()
    assert [q["id"] for q in listed] == [question.id] and listed[0]["state"] == "open"
    assert httpx.get(base, headers=_bearer(other)).json() == []
    assert httpx.get(base).status_code == 401
    url = f"{base}/{question.id}/answer"
    assert httpx.post(url, json={"choice": "print"}, headers=_bearer(other)).status_code == 403
    not_offered = httpx.post(url, json={"choice": "burn"}, headers=_bearer(token))
    assert not_offered.status_code == 422 and "print, cancel" in not_offered.json()["message"]
    done = httpx.post(url, json={"choice": "print"}, headers=_bearer(token))
    assert done.status_code == 200 and done.json()["answer"] == "print"
    replay = httpx.post(url, json={"choice": "print"}, headers=_bearer(token))
    assert replay.status_code == 409
    assert httpx.post(f"{base}/{'x' * 5000}/answer", json={"choice": "print"},
                      headers=_bearer(token)).status_code == 404
    assert httpx.get(base, headers=_bearer(token)).json() == []


def test_notices_page_by_cursor_over_http(popup: PopupWorld) -> None:
    user_id, token = popup.new_user()
    ids = [popup.notice(user_id, f"notice {n}") for n in range(3)]
    url = popup.url + "/api/v1/popup/notices"
    page = httpx.get(url, params={"after": ids[0]}, headers=_bearer(token)).json()
    assert [n["id"] for n in page["items"]] == ids[1:] and page["cursor"] == ids[2]
    empty = httpx.get(url, params={"after": ids[2]}, headers=_bearer(token)).json()
    assert empty == {"items": [], "cursor": ids[2]}
    for bad in ("\u0665", "\uff15", "-1", str(2**63), "1.5"):
        assert httpx.get(url, params={"after": bad},
                         headers=_bearer(token)).status_code == 422, bad
