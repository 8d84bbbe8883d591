"""An unknown card at the kiosk: a clear message (the same as at a terminal), and where
the site allows it, self-registration by login + password: throttled and audited like
any sign-in, never moving a card someone else holds."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from printwarden.db.engine import Database
from tests.web.device_pages_world import (
    ALICE_CARD,
    DeviceWorld,
    app_client,
    build_device_world,
    csrf_of,
)

NEW_CARD = "0499887766"


def _cards(dw: DeviceWorld, user_id: str) -> list[str]:
    return [card.last4 for card in dw.server.accounts.list_cards(user_id)]


def _post(client: TestClient, **fields: str) -> object:
    token = csrf_of(client.get("/kiosk/vault").text)
    return client.post("/kiosk/vault/sign-in", data={"csrf": token, **fields},
                       follow_redirects=False)


def test_an_unknown_card_is_told_to_ask_an_administrator(db: Database,
                                                         tmp_path: Path) -> None:
    dw = build_device_world(db, tmp_path)
    for kiosk in app_client(dw.server):
        answer = _post(kiosk, method="card", card=NEW_CARD)
        assert answer.status_code == 401  # type: ignore[attr-defined]
        assert "this card is not known: ask your administrator" in answer.text  # type: ignore[attr-defined]
        assert 'data-testid="register-card"' not in answer.text  # type: ignore[attr-defined]
        # and registration is refused when the site does not allow it, whatever is posted
        forced = _post(kiosk, method="register-card", card=NEW_CARD, username="alice",
                       password="alice-pass-1")
        assert forced.status_code == 403  # type: ignore[attr-defined]
        assert "7766" not in _cards(dw, dw.world.user_id)


def test_self_registration_binds_the_card_to_who_proves_it_and_signs_him_in(
        db: Database, tmp_path: Path) -> None:
    dw = build_device_world(db, tmp_path, terminal_card_self_registration=True)
    for kiosk in app_client(dw.server):
        unknown = _post(kiosk, method="card", card=f" {NEW_CARD} ")
        assert unknown.status_code == 401  # type: ignore[attr-defined]
        text = unknown.text  # type: ignore[attr-defined]
        assert "sign in with your username and password to register it" in text
        assert 'data-testid="register-card"' in text and f'value="{NEW_CARD}"' in text
        wrong = _post(kiosk, method="register-card", card=NEW_CARD, username="alice",
                      password="not-her-password")
        assert wrong.status_code == 401  # type: ignore[attr-defined]
        assert "7766" not in _cards(dw, dw.world.user_id)
        done = _post(kiosk, method="register-card", card=NEW_CARD, username="alice",
                     password="alice-pass-1")
        assert done.status_code == 303  # type: ignore[attr-defined]
        assert "Hello" in kiosk.get("/kiosk/vault").text
        assert "7766" in _cards(dw, dw.world.user_id)
        audit = [row for row in dw.server.audit.recent(50)
                 if row["action"] == "card.self_register"]
        assert audit and audit[0]["detail"]["terminal"] == f"kiosk:{dw.vault.id}"


def test_a_card_someone_holds_is_never_moved_by_self_registration(
        db: Database, tmp_path: Path) -> None:
    dw = build_device_world(db, tmp_path, terminal_card_self_registration=True)
    bob = dw.server.accounts.create_user("bob", password="bob-pass-123", actor="t")
    for kiosk in app_client(dw.server):
        stolen = _post(kiosk, method="register-card", card=ALICE_CARD, username="bob",
                       password="bob-pass-123")
        assert stolen.status_code == 409  # type: ignore[attr-defined]
        assert _cards(dw, bob.id) == [] and ALICE_CARD[-4:] in _cards(dw, dw.world.user_id)
        assert 'data-testid="signed-in"' not in kiosk.get("/kiosk/vault").text
