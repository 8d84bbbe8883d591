"""REST: price lists, quotes and the charge policy."""

from __future__ import annotations

from fastapi.testclient import TestClient

from printwarden.container import ServerContainer

A4 = "iso_a4_210x297mm"
STANDARD = {
    "name": "Standard", "kind": "print", "per_job_fee": "0.10", "default": True,
    "rules": [{"color": "mono", "per_page": "0.05"}, {"color": "color", "per_page": "0.20"},
              {"media": "iso_a3_297x420mm", "color": "mono", "per_page": "0.10"}],
}


def test_an_admin_creates_a_price_list_and_quotes_a_job(admin_client: TestClient,
                                                        server: ServerContainer) -> None:
    created = admin_client.post("/api/v1/price-lists", json=STANDARD)
    assert created.status_code == 201
    price_list = created.json()
    assert price_list["rules"][0]["per_page"]["minor"] == 5 and price_list["default"] is True
    quote = admin_client.post(f"/api/v1/price-lists/{price_list['id']}/quote", json={
        "media": A4, "pages": 10, "color_pages": 2, "copies": 2}).json()
    assert quote["total"] == {"minor": 8 * 2 * 5 + 2 * 2 * 20 + 10, "currency": "EUR",
                              "display": "1.70 EUR"}
    assert [line["quantity"] for line in quote["lines"]] == [16, 4, 1]
    assert server.ledger.default_price_list("print") is not None


def test_price_lists_are_replaced_listed_and_names_are_unique(admin_client: TestClient) -> None:
    first = admin_client.post("/api/v1/price-lists", json=STANDARD).json()
    assert admin_client.post("/api/v1/price-lists", json=STANDARD).status_code == 409
    copies = admin_client.post("/api/v1/price-lists", json={
        "name": "Copies", "kind": "copy", "default": True,
        "rules": [{"per_page": "0.04"}]}).json()
    replaced = admin_client.put(f"/api/v1/price-lists/{first['id']}", json={
        **STANDARD, "per_job_fee": "0", "rules": []})
    assert replaced.status_code == 200 and replaced.json()["rules"] == []
    names = [p["name"] for p in admin_client.get("/api/v1/price-lists").json()]
    assert names == ["Copies", "Standard"]
    assert admin_client.get(f"/api/v1/price-lists/{copies['id']}").json()["kind"] == "copy"
    assert admin_client.get("/api/v1/price-lists/01HZZZZZZZZZZZZZZZZZZZZZZZ").status_code \
        == 404


def test_bad_price_lists_and_job_specs_answer_422(admin_client: TestClient) -> None:
    bad_rule = admin_client.post("/api/v1/price-lists", json={
        "name": "x", "rules": [{"color": "sepia"}]})
    assert bad_rule.status_code == 422
    assert bad_rule.json()["fields"][0]["field"] == "body.rules.0.color"
    created = admin_client.post("/api/v1/price-lists", json=STANDARD).json()
    impossible = admin_client.post(f"/api/v1/price-lists/{created['id']}/quote",
                                   json={"media": A4, "pages": 1, "color_pages": 2})
    assert impossible.status_code == 422


def test_the_charge_policy_is_read_and_replaced(admin_client: TestClient) -> None:
    policy = admin_client.get("/api/v1/charge-policy").json()
    assert policy == {"order": ["personal", "group", "shared", "credit"], "version": 0}
    changed = admin_client.put("/api/v1/charge-policy", json={"order": ["credit", "personal"]})
    assert changed.json() == {"order": ["credit", "personal"], "version": 1}
    assert admin_client.put("/api/v1/charge-policy",
                            json={"order": ["credit", "wallet"]}).status_code == 422
    assert admin_client.put("/api/v1/charge-policy",
                            json={"order": ["credit", "credit"]}).status_code == 422
