"""REST: an account's offline credit policy, set by staff only, bad values refused (4xx
with a message), each change audited."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from printwarden.container import ServerContainer
from tests.web.api.test_ledger_api import user_headers


def test_staff_open_and_change_an_accounts_offline_credit(admin_client: TestClient,
                                                          server: ServerContainer) -> None:
    opened = admin_client.post("/api/v1/accounts", json={
        "kind": "shared", "name": "Project", "offline_credit": "limit",
        "offline_limit": "5.00"})
    assert opened.status_code == 201
    body = opened.json()
    assert (body["offline_credit"], body["offline_limit"]["minor"]) == ("limit", 500)
    plain = admin_client.post("/api/v1/accounts", json={"kind": "shared", "name": "Other"})
    assert plain.json()["offline_credit"] == "balance"  # the setting's default
    path = f"/api/v1/accounts/{body['id']}"
    changed = admin_client.patch(path, json={"offline_credit": "deny"}).json()
    assert (changed["offline_credit"], changed["offline_limit"]["minor"]) == ("deny", 500)
    record = next(r for r in server.audit.recent() if r["action"] == "ledger.account.update")
    assert record["target"] == body["id"] and record["detail"]["offline_credit"] == "deny"


@pytest.mark.parametrize("patch", [
    {"offline_credit": "unlimited"},
    {"offline_limit": "-1.00"},
    {"offline_limit": "999999999999.99"},  # above the largest limit (10^12 minor units)
    {"offline_limit": "1e9"},
    {"offline_limit": "1.005"},
    {"offline_limit": "9" * 40},
])
def test_bad_policies_and_limits_are_refused_with_a_message(
        admin_client: TestClient, server: ServerContainer, patch: dict[str, str]) -> None:
    account = server.ledger.open_account("shared", "Project", actor="test")
    answer = admin_client.patch(f"/api/v1/accounts/{account.id}", json=patch)
    assert 400 <= answer.status_code < 500 and answer.json()["message"]
    assert server.ledger.get_account(account.id).offline_credit == "balance"
    created = admin_client.post("/api/v1/accounts", json={"kind": "shared", "name": "X",
                                                          **patch})
    assert 400 <= created.status_code < 500


def test_a_user_cannot_change_his_own_accounts_policy(client: TestClient,
                                                      server: ServerContainer) -> None:
    user_id, headers = user_headers(server, "dora")
    credit = server.ledger.credit_account(user_id)
    server.ledger.update_account(credit.id, offline_credit="deny", actor="test")
    answer = client.patch(f"/api/v1/accounts/{credit.id}", headers=headers,
                          json={"offline_credit": "balance"})
    assert answer.status_code == 403
    assert server.ledger.get_account(credit.id).offline_credit == "deny"
    own = client.get(f"/api/v1/accounts/{credit.id}", headers=headers).json()
    assert own["offline_credit"] == "deny"  # he may read it
