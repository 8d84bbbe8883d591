"""The admin rules pages: list in order, move with arrows, create and edit with field
errors (CEL position, unknown queue, non-ASCII digits), delete, dry run; admins only."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.web.admin_support import sign_in
from tests.web.device_pages_world import DeviceWorld

PATH = "/admin/rules"


@pytest.fixture
def http(device_client: TestClient) -> TestClient:
    return device_client


def form(csrf: str, **values: str) -> dict[str, str]:
    return {"csrf": csrf, "name": "big colour", "scope_kind": "all", "enabled": "on",
            "color": "yes", "pages_min": "51",
            "actions": '[{"type": "grayscale"}, {"type": "duplex"}]', **values}


def test_an_admin_creates_orders_edits_tests_and_deletes_rules(dw: DeviceWorld,
                                                               http: TestClient) -> None:
    csrf = sign_in(http, dw)
    assert "No rules" in http.get(PATH).text
    created = http.post(f"{PATH}/new", data=form(csrf), follow_redirects=False)
    assert created.status_code == 303, created.text
    http.post(f"{PATH}/new", data=form(csrf, name="weekend", color="", pages_min="",
                                       actions='[{"type": "deny", "message": "closed"}]'),
              follow_redirects=False)
    http.post(f"{PATH}/new", data={**form(csrf, name="weekend2"), "weekdays": ["sat", "sun"]})
    rules = dw.server.rules.list_rules()
    assert [r.name for r in rules] == ["big colour", "weekend", "weekend2"]
    assert rules[2].conditions.weekdays == ("sat", "sun")
    http.post(f"{PATH}/{rules[1].id}/move", data={"csrf": csrf, "direction": "up"})
    http.post(f"{PATH}/{rules[2].id}/move", data={"csrf": csrf, "direction": "down"})  # last
    assert [r.name for r in dw.server.rules.list_rules()] == ["weekend", "big colour",
                                                              "weekend2"]
    edit = http.get(f"{PATH}/{rules[0].id}")
    assert edit.status_code == 200 and 'value="51"' in edit.text
    http.post(f"{PATH}/{rules[1].id}/delete", data={"csrf": csrf})
    assert [r.name for r in dw.server.rules.list_rules()] == ["big colour", "weekend2"]
    run = http.post(f"{PATH}/dry-run", data={"csrf": csrf, "queue": "vault",
                                             "username": "alice", "pages": "60",
                                             "color_pages": "60"})
    assert run.status_code == 200
    assert 'data-testid="dry-run-fired">big colour' in run.text
    assert "grayscale, duplex" in run.text
    assert dw.server.jobs.list_jobs()[1] == 2  # only the world's two held jobs exist


@pytest.mark.parametrize(("values", "field_name", "words"), [
    ({"cel": "job.pages >"}, "cel", "syntax error at line 1, column"),
    ({"cel": "jb.pages > 1"}, "cel", "no such member"),
    ({"pages_min": "\u0665\u0661"}, "pages_min", "ASCII digits"),
    ({"pages_min": "9" * 40}, "pages_min", "ASCII digits"),
    ({"actions": '[{"type": "redirect", "queue": "nowhere"}]'}, "actions", "no queue"),
    ({"actions": "[{not json"}, "actions", "not JSON"),
    ({"name": ""}, "name", "give the rule a name"),
    ({"scope_kind": "queue", "scope_value": ""}, "scope_value", "name the queue"),
    ({"time_from": "25:99"}, "time_from", "HH:MM"),
])
def test_a_refused_rule_shows_the_field_and_keeps_what_was_typed(
        dw: DeviceWorld, http: TestClient, values: dict[str, str], field_name: str,
        words: str) -> None:
    csrf = sign_in(http, dw)
    answer = http.post(f"{PATH}/new", data=form(csrf, **values))
    assert answer.status_code == 422, answer.text
    error = answer.text.split(f'data-testid="error-{field_name}"')[1].split("</span>")[0]
    assert words in error
    if "cel" in values:
        assert values["cel"].replace(">", "&gt;") in answer.text  # kept as typed
    assert dw.server.rules.list_rules() == []


def test_non_admins_are_refused_and_strangers_sent_to_sign_in(dw: DeviceWorld,
                                                              http: TestClient) -> None:
    stranger = http.get(PATH, follow_redirects=False)
    assert stranger.status_code == 303 and stranger.headers["location"] == "/login"
    csrf = sign_in(http, dw, "carol", roles=("user",))
    assert http.get(PATH).status_code == 403
    assert http.post(f"{PATH}/new", data=form(csrf)).status_code == 403
    assert dw.server.rules.list_rules() == []


def test_forms_without_the_csrf_token_are_refused(dw: DeviceWorld, http: TestClient) -> None:
    sign_in(http, dw)
    assert http.post(f"{PATH}/new", data=form("forged")).status_code in (400, 403)
    assert dw.server.rules.list_rules() == []
