"""REST: accounts, balances, entries, top-ups, adjustments, transfers."""

from __future__ import annotations

from fastapi.testclient import TestClient

from printwarden.container import ServerContainer
from printwarden.core.money import Money

UNKNOWN = "01HZZZZZZZZZZZZZZZZZZZZZZZ"


def user_headers(server: ServerContainer, username: str) -> tuple[str, dict[str, str]]:
    user = server.accounts.create_user(username, actor="test")
    token, _ = server.accounts.create_api_token(user.id, "t", actor="test")
    return user.id, {"Authorization": f"Bearer {token}"}


def test_an_admin_tops_up_a_credit_account_once_per_key(admin_client: TestClient,
                                                         server: ServerContainer) -> None:
    user = server.accounts.create_user("ann", actor="test")
    credit = server.ledger.credit_account(user.id)
    path = f"/api/v1/accounts/{credit.id}/top-up"
    first = admin_client.post(path, json={"amount": "12.50", "note": "cash"},
                              headers={"Idempotency-Key": "till-1"})
    assert first.status_code == 201
    assert first.json()["amount"] == {"minor": 1250, "currency": "EUR", "display": "12.50 EUR"}
    again = admin_client.post(path, json={"amount": "12.50", "note": "cash",
                                          "idempotency_key": "till-1"})
    assert again.json()["id"] == first.json()["id"]
    account = admin_client.get(f"/api/v1/accounts/{credit.id}").json()
    assert account["balance"]["display"] == "12.50 EUR"
    assert account["available"]["minor"] == 1250


def test_posting_without_a_key_or_with_a_bad_amount_is_refused(admin_client: TestClient,
                                                               server: ServerContainer) -> None:
    credit = server.ledger.credit_account(server.accounts.create_user("bo", actor="t").id)
    path = f"/api/v1/accounts/{credit.id}/top-up"
    missing = admin_client.post(path, json={"amount": "1.00"})
    assert missing.status_code == 422 and "idempotency key" in missing.json()["message"]
    bad = admin_client.post(path, json={"amount": "ten", "idempotency_key": "k"})
    assert bad.status_code == 422 and bad.json()["fields"][0]["field"] == "body.amount"
    too_precise = admin_client.post(path, json={"amount": "1.005", "idempotency_key": "k"})
    assert too_precise.status_code == 422
    assert admin_client.post(f"/api/v1/accounts/{UNKNOWN}/top-up",
                             json={"amount": "1", "idempotency_key": "k"}).status_code == 404


def test_adjustments_are_signed_and_cannot_break_the_overdraft(admin_client: TestClient,
                                                               server: ServerContainer) -> None:
    credit = server.ledger.credit_account(server.accounts.create_user("cy", actor="t").id)
    patched = admin_client.patch(f"/api/v1/accounts/{credit.id}", json={"overdraft": "2.00"})
    assert patched.json()["overdraft"]["minor"] == 200
    path = f"/api/v1/accounts/{credit.id}/adjustments"
    assert admin_client.post(path, json={"amount": "-1.50", "idempotency_key": "a"}
                             ).json()["balance_after"]["minor"] == -150
    refused = admin_client.post(path, json={"amount": "-1.00", "idempotency_key": "b"})
    assert refused.status_code == 402
    assert refused.json()["available_minor"] == 50


def test_a_transfer_and_the_entry_listings(admin_client: TestClient,
                                           server: ServerContainer) -> None:
    user = server.accounts.create_user("dee", actor="t")
    credit, personal = server.ledger.credit_account(user.id), server.ledger.personal_account(
        user.id)
    server.ledger.post_entry(credit.id, Money(1000), "top-up", idempotency_key="t",
                             actor="t")
    body = {"from_account_id": credit.id, "to_account_id": personal.id, "amount": "3.00",
            "idempotency_key": "move"}
    moved = admin_client.post("/api/v1/transfers", json=body)
    assert moved.status_code == 201
    assert moved.json()["debit"]["balance_after"]["minor"] == 700
    entries = admin_client.get(f"/api/v1/accounts/{credit.id}/entries").json()
    assert [e["kind"] for e in entries["items"]] == ["transfer", "top-up"]
    filtered = admin_client.get("/api/v1/ledger/entries",
                                params={"kind": "transfer", "limit": 1}).json()
    assert filtered["total"] == 2 and len(filtered["items"]) == 1
    assert admin_client.get("/api/v1/ledger/entries",
                            params={"kind": "gift"}).status_code == 422


def test_opening_a_shared_account_with_members_and_listing_by_kind(
        admin_client: TestClient, server: ServerContainer) -> None:
    ed = server.accounts.create_user("ed", actor="t")
    created = admin_client.post("/api/v1/accounts", json={
        "kind": "shared", "name": "Apollo", "limited": False, "members": [ed.id]})
    assert created.status_code == 201 and created.json()["members"] == [ed.id]
    assert created.json()["available"] is None
    listing = admin_client.get("/api/v1/accounts", params={"kind": "shared"}).json()
    assert [a["name"] for a in listing["items"]] == ["Apollo"]
    duplicate = admin_client.post("/api/v1/accounts", json={
        "kind": "credit", "name": "x", "owner_user_id": ed.id})
    assert duplicate.status_code == 201
    again = admin_client.post("/api/v1/accounts", json={
        "kind": "credit", "name": "y", "owner_user_id": ed.id})
    assert again.status_code == 409
    balances = admin_client.get(f"/api/v1/users/{ed.id}/accounts").json()
    assert sorted(a["kind"] for a in balances) == ["credit", "shared"]


def test_a_plain_user_reads_his_own_accounts_only(admin_client: TestClient,
                                                  server: ServerContainer) -> None:
    fay, headers = user_headers(server, "fay")
    other = server.ledger.credit_account(server.accounts.create_user("gus", actor="t").id)
    mine = server.ledger.credit_account(fay)
    client = admin_client
    assert client.get(f"/api/v1/users/{fay}/accounts", headers=headers).status_code == 200
    assert client.get(f"/api/v1/accounts/{mine.id}/entries", headers=headers).status_code == 200
    assert client.get(f"/api/v1/accounts/{other.id}", headers=headers).status_code == 403
    listing = client.get("/api/v1/accounts", headers=headers).json()
    assert [a["id"] for a in listing["items"]] == [mine.id]
    assert client.post(f"/api/v1/accounts/{mine.id}/top-up", headers=headers,
                       json={"amount": "5", "idempotency_key": "k"}).status_code == 403


def test_without_a_token_the_ledger_api_answers_401(client: TestClient) -> None:
    assert client.get("/api/v1/accounts").status_code == 401
    assert client.get("/api/v1/ledger/entries").status_code == 401
