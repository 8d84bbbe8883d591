"""Money that enters over REST and the CLI: ASCII digits only, a maximum per top-up, and
idempotency keys that answer 409 when reused for another request."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from printwarden.container import ServerContainer
from printwarden.core.money import Money
from printwarden.db.engine import Database
from tests.support.processes import run_cli

ARABIC_1234 = "\u0661\u0662\u0663\u0664"
FULLWIDTH_1234 = "\uff11\uff12\uff13\uff14"
#: Other scripts' digits: Arabic-Indic, fullwidth, mathematical bold.
FOREIGN_AMOUNTS = ["\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669\u0660\u0661\u0662",
                   "\u0665", "\uff15", "\U0001d7d3", "1\u066b5", "1e3", "NaN", "Infinity", " 5"]


def _accounts(server: ServerContainer, name: str) -> tuple[str, str]:
    user = server.accounts.create_user(name, actor="t")
    return server.ledger.credit_account(user.id).id, server.ledger.personal_account(user.id).id


@pytest.mark.parametrize("amount", FOREIGN_AMOUNTS)
def test_amounts_in_other_scripts_digits_are_refused_everywhere(
        admin_client: TestClient, server: ServerContainer, amount: str) -> None:
    credit, personal = _accounts(server, "ann")
    posts = [
        (f"/api/v1/accounts/{credit}/top-up", {"amount": amount, "idempotency_key": "a"}),
        (f"/api/v1/accounts/{credit}/adjustments", {"amount": amount, "idempotency_key": "b"}),
        ("/api/v1/transfers", {"amount": amount, "idempotency_key": "c",
                               "from_account_id": credit, "to_account_id": personal}),
        ("/api/v1/accounts", {"kind": "shared", "name": "p", "overdraft": amount}),
    ]
    for path, body in posts:
        answer = admin_client.post(path, json=body)
        assert answer.status_code == 422, (path, answer.text)
    patched = admin_client.patch(f"/api/v1/accounts/{credit}", json={"overdraft": amount})
    assert patched.status_code == 422
    assert server.ledger.get_account(credit).balance_minor == 0
    assert server.ledger.list_entries()[1] == 0


def test_money_parse_accepts_only_ascii_decimals() -> None:
    assert Money.parse("12.50").minor == 1250
    assert Money.parse("-3").minor == -300
    for text in FOREIGN_AMOUNTS[:-1]:
        with pytest.raises(Exception, match="not an amount"):
            Money.parse(text)


def test_a_top_up_above_the_maximum_answers_422(db: Database, tmp_path: Path) -> None:
    from printwarden.core.settings import load_server_settings
    from printwarden.server.bootstrap import build_server
    from printwarden.web.app import create_app

    settings = load_server_settings(tmp_path / "d", database_url=db.url,
                                    max_top_up_minor=50_000)
    server = build_server(settings, db=db, migrate=False)
    admin = server.accounts.create_user("root", roles=("admin",), actor="t")
    token, _ = server.accounts.create_api_token(admin.id, "t", actor="t")
    credit, _ = _accounts(server, "bob")
    with TestClient(create_app(server)) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        path = f"/api/v1/accounts/{credit}/top-up"
        big = client.post(path, json={"amount": "500.01", "idempotency_key": "x"})
        assert big.status_code == 422
        assert "at most 500.00 EUR" in big.json()["message"]
        assert client.post(path, json={"amount": "500.00", "idempotency_key": "y"}
                           ).status_code == 201
    assert server.ledger.get_account(credit).balance_minor == 50_000


def test_a_reused_key_with_another_body_answers_409_on_every_money_route(
        admin_client: TestClient, server: ServerContainer) -> None:
    credit, personal = _accounts(server, "cy")
    other, _ = _accounts(server, "dee")
    top_up = f"/api/v1/accounts/{credit}/top-up"
    first = admin_client.post(top_up, json={"amount": "10.00"},
                              headers={"Idempotency-Key": "till-7"})
    assert first.status_code == 201
    same = admin_client.post(top_up, json={"amount": "10.00", "idempotency_key": "till-7"})
    assert same.status_code == 201 and same.json()["id"] == first.json()["id"]
    reuses = [
        (top_up, {"amount": "20.00"}),                                   # another amount
        (f"/api/v1/accounts/{other}/top-up", {"amount": "10.00"}),      # another account
        (f"/api/v1/accounts/{credit}/adjustments", {"amount": "10.00"}),  # another operation
        ("/api/v1/transfers", {"amount": "10.00", "from_account_id": credit,
                               "to_account_id": personal}),
    ]
    for path, body in reuses:
        answer = admin_client.post(path, json=body, headers={"Idempotency-Key": "till-7"})
        assert answer.status_code == 409, (path, answer.text)
        assert answer.json()["error"] == "conflict"
        assert "already used for a top-up of 10.00 EUR" in answer.json()["message"]
    assert server.ledger.get_account(credit).balance_minor == 1000
    assert server.ledger.get_account(other).balance_minor == 0
    assert server.ledger.get_account(personal).balance_minor == 0

    move = {"amount": "4.00", "from_account_id": credit, "to_account_id": personal,
            "idempotency_key": "move-1"}
    moved = admin_client.post("/api/v1/transfers", json=move)
    assert moved.status_code == 201
    assert admin_client.post("/api/v1/transfers", json=move).json() == moved.json()
    backwards = {**move, "from_account_id": personal, "to_account_id": credit}
    assert admin_client.post("/api/v1/transfers", json=backwards).status_code == 409
    adjust = f"/api/v1/accounts/{credit}/adjustments"
    assert admin_client.post(adjust, json={"amount": "-1.00", "idempotency_key": "adj"}
                             ).status_code == 201
    assert admin_client.post(adjust, json={"amount": "-2.00", "idempotency_key": "adj"}
                             ).status_code == 409
    assert server.ledger.get_account(credit).balance_minor == 500


def test_the_cli_refuses_other_scripts_digits(server: ServerContainer) -> None:
    server.accounts.create_user("eve", actor="t")
    data_dir = server.settings.data_dir
    env = {"PRINTWARDEN_DATABASE_URL": server.db.url}
    for amount in ("\u0665", "\uff15", "1e3"):
        done = run_cli("admin", "credit", "add", "eve", amount, "--data-dir", str(data_dir),
                       env=env)
        assert done.returncode == 2, done.stderr
        assert "not an amount" in done.stderr
    pin = run_cli("admin", "user", "add", "fay", "--pin", ARABIC_1234, "--data-dir",
                  str(data_dir), env=env)
    assert pin.returncode == 2 and "4 to 8 digits" in pin.stderr
    card = run_cli("admin", "user", "add", "gus", "--card", FULLWIDTH_1234, "--data-dir",
                   str(data_dir), env=env)
    assert card.returncode == 2 and "ASCII" in card.stderr
    assert server.ledger.list_entries()[1] == 0


def test_pins_and_cards_in_other_scripts_are_refused_over_rest(
        admin_client: TestClient, server: ServerContainer) -> None:
    user = server.accounts.create_user("hal", actor="t")
    assert admin_client.put(f"/api/v1/users/{user.id}/pin", json={"pin": ARABIC_1234}
                            ).status_code == 422
    assert admin_client.post("/api/v1/users", json={"username": "ida",
                                                    "pin": FULLWIDTH_1234}).status_code == 422
    for number in (FULLWIDTH_1234, ARABIC_1234, "\u00dftra\u00dfe"):
        answer = admin_client.post(f"/api/v1/users/{user.id}/cards", json={"number": number})
        assert answer.status_code == 422, number
    csv_text = f"username,pin,card\njon,{ARABIC_1234},\nkim,,{FULLWIDTH_1234}\nlea,1234,A1\n"
    report = admin_client.post("/api/v1/users/import", content=csv_text,
                               headers={"Content-Type": "text/csv"}).json()
    assert report["created"] == 1 and [e["line"] for e in report["errors"]] == [2, 3]
