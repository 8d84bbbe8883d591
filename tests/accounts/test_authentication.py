from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from printwarden.accounts.credentials import password_verifications
from printwarden.accounts.service import AccountsService
from printwarden.accounts.tables import api_tokens, cards
from printwarden.core.clock import FixedClock
from printwarden.core.errors import (
    AuthenticationFailed,
    ConflictError,
    NotFoundError,
    TooManyAttempts,
)
from printwarden.db.audit import AuditLog
from printwarden.db.engine import Database


def test_a_user_signs_in_with_the_right_password_only(accounts: AccountsService) -> None:
    bob = accounts.create_user("bob", password="correct horse", actor="t")
    assert accounts.authenticate_password("BOB", "correct horse").id == bob.id
    with pytest.raises(AuthenticationFailed, match="invalid credentials"):
        accounts.authenticate_password("bob", "wrong horse")
    with pytest.raises(AuthenticationFailed, match="invalid credentials"):
        accounts.authenticate_password("nobody", "correct horse")


def test_inactive_users_and_users_without_password_cannot_sign_in(
        accounts: AccountsService) -> None:
    bob = accounts.create_user("bob", password="correct horse", actor="t")
    accounts.create_user("dir", actor="t")
    accounts.update_user(bob.id, active=False, actor="t")
    with pytest.raises(AuthenticationFailed):
        accounts.authenticate_password("bob", "correct horse")
    with pytest.raises(AuthenticationFailed):
        accounts.authenticate_password("dir", "")


def test_guesses_slow_their_source_down_but_never_lock_the_owner_out(
        accounts: AccountsService, clock: FixedClock) -> None:
    accounts.create_user("bob", password="correct horse", actor="t")
    for _ in range(10):  # the allowance of a minute
        with pytest.raises(AuthenticationFailed, match="invalid credentials"):
            accounts.authenticate_password("bob", "guess", source="10.6.6.6")
    with pytest.raises(TooManyAttempts) as slowed:
        accounts.authenticate_password("bob", "guess", source="10.6.6.6")
    assert slowed.value.retry_after >= 1
    # the owner, from his own machine, is let in at once: nothing is locked
    assert accounts.authenticate_password("bob", "correct horse",
                                          source="10.1.1.1").username == "bob"
    clock.advance(timedelta(seconds=61))
    assert accounts.authenticate_password("bob", "correct horse",
                                          source="10.6.6.6").username == "bob"


def test_the_delays_grow_while_the_guessing_goes_on(accounts: AccountsService,
                                                     clock: FixedClock) -> None:
    accounts.create_user("bob", password="correct horse", actor="t")
    waits = []
    for _ in range(16):
        try:
            accounts.authenticate_password("bob", "guess", source="10.6.6.6")
        except TooManyAttempts as exc:
            waits.append(exc.retry_after)
            clock.advance(timedelta(seconds=exc.retry_after))
            with pytest.raises(AuthenticationFailed):
                accounts.authenticate_password("bob", "guess", source="10.6.6.6")
        except AuthenticationFailed:
            pass
    assert len(waits) >= 5
    assert waits[-1] > waits[-2] > waits[-3]  # each further failure waits longer


def test_guesses_spread_over_many_names_are_slowed_per_source(
        accounts: AccountsService) -> None:
    for name in ("ann", "bob", "cy"):
        accounts.create_user(name, password="correct horse", actor="t")
    refused = 0
    for attempt in range(30):
        try:
            accounts.authenticate_password(("ann", "bob", "cy")[attempt % 3], "guess",
                                           source="10.6.6.6")
        except TooManyAttempts:
            refused += 1
        except AuthenticationFailed:
            pass
    assert refused == 10  # 20 failures a minute from one source, then it waits
    assert accounts.authenticate_password("ann", "correct horse",
                                          source="10.1.1.1").username == "ann"


def test_an_unknown_name_costs_the_same_argon2_verification_as_a_wrong_password(
        accounts: AccountsService) -> None:
    accounts.create_user("bob", password="correct horse", actor="t")
    accounts.create_user("dir", actor="t")  # no password
    for username in ("bob", "nobody-by-that-name", "dir"):
        before = password_verifications()
        with pytest.raises(AuthenticationFailed, match="invalid credentials"):
            accounts.authenticate_password(username, "wrong horse", source="s")
        assert password_verifications() == before + 1, username


def test_the_per_minute_allowance_is_a_setting(db: Database, clock: FixedClock,
                                                audit: AuditLog) -> None:
    strict = AccountsService(db, clock, audit, b"k", login_per_minute=3)
    strict.create_user("bob", password="correct horse", actor="t")
    for _ in range(3):
        with pytest.raises(AuthenticationFailed, match="invalid credentials"):
            strict.authenticate_password("bob", "guess", source="s")
    with pytest.raises(TooManyAttempts):
        strict.authenticate_password("bob", "guess", source="s")


def test_cards_are_stored_hashed_and_found_by_any_spelling(accounts: AccountsService,
                                                            db: Database) -> None:
    bob = accounts.create_user("bob", actor="t")
    card = accounts.add_card(bob.id, "04 a1 b2 c3 d4", actor="t")
    assert card.last4 == "C3D4"
    rows = db.read(lambda c: c.execute(sa.select(cards)).all())
    assert len(rows) == 1
    stored = repr(tuple(rows[0]))
    assert "04A1B2C3D4" not in stored and "04 a1 b2 c3 d4" not in stored
    assert accounts.authenticate_card("04A1B2C3D4").id == bob.id
    assert accounts.list_cards(bob.id) == [card]


def test_a_card_belongs_to_one_user(accounts: AccountsService) -> None:
    bob = accounts.create_user("bob", actor="t")
    carol = accounts.create_user("carol", actor="t")
    accounts.add_card(bob.id, "1234", actor="t")
    with pytest.raises(ConflictError, match="another user"):
        accounts.add_card(carol.id, " 1234 ", actor="t")


def test_a_removed_card_no_longer_signs_in(accounts: AccountsService) -> None:
    bob = accounts.create_user("bob", actor="t")
    card = accounts.add_card(bob.id, "1234", actor="t")
    accounts.remove_card(card.id, actor="t")
    with pytest.raises(AuthenticationFailed):
        accounts.authenticate_card("1234")
    with pytest.raises(NotFoundError):
        accounts.remove_card(card.id, actor="t")


def test_a_token_resolves_to_its_users_principal_until_revoked(
        accounts: AccountsService, db: Database, clock: FixedClock) -> None:
    bob = accounts.create_user("bob", roles=("operator",), actor="t")
    plain, token = accounts.create_api_token(bob.id, "laptop", actor="t")
    assert plain.startswith("pwu_") and len(plain) == 36
    stored = db.read(lambda c: c.execute(sa.select(api_tokens.c.token_hash)).scalar_one())
    assert plain not in stored
    principal = accounts.principal_for_token(plain)
    assert (principal.kind, principal.id) == ("user", bob.id)
    assert principal.roles == {"operator", "user"}
    assert accounts.list_api_tokens(bob.id)[0].last_used_at == clock.now()
    accounts.revoke_api_token(token.id, actor="t")
    with pytest.raises(AuthenticationFailed):
        accounts.principal_for_token(plain)


def test_a_token_of_an_inactive_user_is_refused(accounts: AccountsService) -> None:
    bob = accounts.create_user("bob", actor="t")
    plain, _ = accounts.create_api_token(bob.id, "laptop", actor="t")
    accounts.update_user(bob.id, active=False, actor="t")
    with pytest.raises(AuthenticationFailed):
        accounts.principal_for_token(plain)
    assert accounts.principal_for_user(bob.id) is None


def test_unknown_tokens_are_refused(accounts: AccountsService) -> None:
    for token in ("pwu_" + "x" * 32, "nonsense", ""):
        with pytest.raises(AuthenticationFailed):
            accounts.principal_for_token(token)
