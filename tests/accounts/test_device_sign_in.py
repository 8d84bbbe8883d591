"""Signing in at a device: card, card + PIN, username + PIN, ID number; one answer for
every failure, throttles per user, terminal and source, and an audit line per failure."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest

from printwarden.accounts.model import User
from printwarden.accounts.service import AccountsService
from printwarden.core.clock import FixedClock
from printwarden.core.errors import (
    AuthenticationFailed,
    PinRequired,
    TooManyAttempts,
    ValidationError,
)
from printwarden.db.audit import AuditLog
from printwarden.db.engine import Database
from tests.accounts.conftest import CARD_KEY

CARD = "04A1B2C3D4"


def _failures(audit: AuditLog) -> list[dict[str, Any]]:
    return [line for line in audit.recent(1000) if line["action"] == "auth.failure"]


@pytest.fixture
def bob(accounts: AccountsService) -> User:
    bob = accounts.create_user("bob", pin="4711", actor="t")
    accounts.add_card(bob.id, CARD, actor="t")
    return bob


def test_a_card_with_its_pin_signs_its_owner_in(accounts: AccountsService, bob: User) -> None:
    assert accounts.authenticate_card_and_pin("04 a1 b2 c3 d4", "4711").id == bob.id
    assert accounts.authenticate_username_and_pin("BOB", "4711").id == bob.id
    assert accounts.authenticate_card(CARD).id == bob.id  # a card alone, where allowed


def test_every_failure_gets_the_same_answer(accounts: AccountsService, bob: User) -> None:
    nopin = accounts.create_user("nopin", actor="t")
    accounts.add_card(nopin.id, "CARD-NOPIN", actor="t")
    gone = accounts.create_user("gone", pin="4711", actor="t")
    accounts.add_card(gone.id, "CARD-GONE", actor="t")
    accounts.update_user(gone.id, active=False, actor="t")
    attempts = [
        lambda: accounts.authenticate_card_and_pin(CARD, "4712"),  # wrong PIN
        lambda: accounts.authenticate_card_and_pin("UNKNOWN", "4711"),  # nobody's card
        lambda: accounts.authenticate_card_and_pin("CARD-NOPIN", "4711"),  # no PIN set
        lambda: accounts.authenticate_card_and_pin("CARD-GONE", "4711"),  # inactive
        lambda: accounts.authenticate_username_and_pin("bob", "1111"),
        lambda: accounts.authenticate_username_and_pin("nobody", "4711"),
        lambda: accounts.authenticate_username_and_pin("gone", "4711"),
        lambda: accounts.authenticate_card("UNKNOWN"),
        lambda: accounts.authenticate_card("CARD-GONE"),
        lambda: accounts.authenticate_id_number("12345678"),
    ]
    for attempt in attempts:
        with pytest.raises(AuthenticationFailed) as failed:
            attempt()
        assert type(failed.value) is AuthenticationFailed
        assert failed.value.message == "invalid credentials"


def test_a_site_may_want_a_pin_with_every_card(db: Database, clock: FixedClock,
                                               audit: AuditLog) -> None:
    strict = AccountsService(db, clock, audit, CARD_KEY, card_alone_allowed=False)
    bob = strict.create_user("bob", pin="4711", actor="t")
    strict.add_card(bob.id, CARD, actor="t")
    for card in (CARD, "NOBODY-HAS-THIS"):  # the same answer whether the card is known
        with pytest.raises(PinRequired, match="PIN is required"):
            strict.authenticate_card(card, terminal="t1", source="10.0.0.5")
    assert strict.authenticate_card_and_pin(CARD, "4711").id == bob.id
    assert _failures(audit) == []  # asking for the PIN is no failure


ARABIC_4711 = "\u0664\u0667\u0661\u0661"
FULLWIDTH_4711 = "\uff14\uff17\uff11\uff11"
MATH_BOLD_4711 = "\U0001d7d2\U0001d7d5\U0001d7cf\U0001d7cf"
ARABIC_5 = "\u0665"
FULLWIDTH_5 = "\uff15"
MATH_BOLD_5 = "\U0001d7d3"
BAD_PINS = [ARABIC_4711, FULLWIDTH_4711, MATH_BOLD_4711, "47 11", "+4711", "-4711", "47.1",
            "471", "123456789", "4" * 100_000, "", "4711\x00", "4711\n1"]
BAD_ID_NUMBERS = [ARABIC_5 * 8, FULLWIDTH_5 * 8, MATH_BOLD_5 * 8, "1234" + FULLWIDTH_5 * 4,
                  "1234 5678", "+12345678", "-12345678", "1234567", "1e10", "1" * 19,
                  "9" * 1_000_000, "", "0x1234567", "1234\n5678"]


@pytest.mark.parametrize("pin", BAD_PINS)
def test_a_pin_is_ascii_digits_only(accounts: AccountsService, bob: User, audit: AuditLog,
                                    pin: str) -> None:
    with pytest.raises(ValidationError, match="4 to 8 digits"):
        accounts.authenticate_card_and_pin(CARD, pin, terminal="t1", source="s")
    with pytest.raises(ValidationError, match="4 to 8 digits"):
        accounts.authenticate_username_and_pin("bob", pin, terminal="t1", source="s")
    with pytest.raises(ValidationError):
        accounts.set_pin(bob.id, pin or "x", actor="t")
    assert _failures(audit) == []


@pytest.mark.parametrize("number", BAD_ID_NUMBERS)
def test_an_id_number_is_ascii_digits_only(accounts: AccountsService, bob: User,
                                           audit: AuditLog, number: str) -> None:
    accounts.set_id_number(bob.id, "12345678", actor="t")
    with pytest.raises(ValidationError, match="ID number"):
        accounts.authenticate_id_number(number, terminal="t1", source="s")
    with pytest.raises(ValidationError, match="ID number"):
        accounts.set_id_number(bob.id, number, actor="t")
    assert _failures(audit) == []
    assert accounts.authenticate_id_number(" 12345678 ").id == bob.id


def test_an_id_number_guess_loop_is_slowed_and_audited(accounts: AccountsService,
                                                       bob: User, audit: AuditLog,
                                                       clock: FixedClock) -> None:
    number = accounts.generate_id_number(bob.id, actor="t")
    refused: list[TooManyAttempts] = []
    for guess in range(10_000_000, 10_000_050):
        try:
            accounts.authenticate_id_number(str(guess), terminal="lobby-1", source="10.6.6.6")
        except TooManyAttempts as exc:
            refused.append(exc)
        except AuthenticationFailed:
            pass
    assert len(refused) == 30  # 20 failures a minute at one terminal, then it waits
    assert "try again in" in refused[0].message and refused[0].retry_after >= 1
    with pytest.raises(TooManyAttempts):  # the right number too, while the terminal waits
        accounts.authenticate_id_number(number, terminal="lobby-1", source="10.6.6.6")
    lines = _failures(audit)
    assert len(lines) == 20
    assert {line["detail"]["method"] for line in lines} == {"id-number"}
    assert {line["detail"]["terminal"] for line in lines} == {"lobby-1"}
    assert {line["detail"]["source"] for line in lines} == {"10.6.6.6"}
    assert lines[0]["detail"]["retry_after"] >= 1  # the newest says how long it waits
    assert all(line["target"] == "" for line in lines)
    assert "1000000" not in repr(lines) and number not in repr(lines)
    # another terminal from another address is not concerned
    assert accounts.authenticate_id_number(number, terminal="lobby-2",
                                           source="10.1.1.1").id == bob.id
    clock.advance(timedelta(seconds=refused[-1].retry_after + 1))
    assert accounts.authenticate_id_number(number, terminal="lobby-1",
                                           source="10.6.6.6").id == bob.id


def test_a_stolen_card_gets_five_pin_guesses_whatever_terminal_it_tries(
        accounts: AccountsService, bob: User, audit: AuditLog, clock: FixedClock) -> None:
    carol = accounts.create_user("carol", pin="4711", actor="t")
    for guess in range(5):
        with pytest.raises(AuthenticationFailed, match="invalid credentials"):
            accounts.authenticate_card_and_pin(CARD, f"{1000 + guess}",
                                               terminal=f"t{guess}", source=f"10.0.0.{guess}")
    for attempt in (  # the user's PIN waits, whatever the terminal, source or method
            lambda: accounts.authenticate_card_and_pin(CARD, "4711", terminal="t9",
                                                       source="10.9.9.9"),
            lambda: accounts.authenticate_username_and_pin("bob", "4711", terminal="t8",
                                                           source="10.8.8.8")):
        with pytest.raises(TooManyAttempts):
            attempt()
    # another user's PIN is not concerned
    assert accounts.authenticate_username_and_pin("carol", "4711", terminal="t9",
                                                  source="10.9.9.9").id == carol.id
    lines = _failures(audit)
    assert len(lines) == 5 and all(line["target"] == bob.id for line in lines)
    assert {line["detail"]["method"] for line in lines} == {"card+pin"}
    card_prefix = lines[0]["detail"]["card"]
    assert len(card_prefix) == 12 and CARD not in repr(lines) and "1003" not in repr(lines)
    # then each further failure doubles the wait, and failures are remembered for a day
    clock.advance(timedelta(minutes=30))
    waits = []
    for guess in range(8):
        with pytest.raises(AuthenticationFailed, match="invalid credentials"):
            accounts.authenticate_card_and_pin(CARD, f"{3000 + guess}")
        with pytest.raises(TooManyAttempts) as waiting:
            accounts.authenticate_card_and_pin(CARD, "4711")
        waits.append(waiting.value.retry_after)
        clock.advance(timedelta(seconds=waiting.value.retry_after))
    assert waits == sorted(waits) and waits[0] == 2 and waits[-1] >= 256
    clock.advance(timedelta(hours=2))
    with pytest.raises(AuthenticationFailed, match="invalid credentials"):
        accounts.authenticate_card_and_pin(CARD, "3999")
    with pytest.raises(TooManyAttempts) as waiting:
        accounts.authenticate_card_and_pin(CARD, "4711")
    assert waiting.value.retry_after >= 512
    clock.advance(timedelta(seconds=waiting.value.retry_after))
    assert accounts.authenticate_card_and_pin(CARD, "4711").id == bob.id


def test_an_unknown_card_or_name_is_throttled_like_a_known_one(
        accounts: AccountsService, bob: User, audit: AuditLog) -> None:
    def refused_after(attempt: Any) -> int:
        for tries in range(1, 20):
            try:
                attempt(f"{2000 + tries}")
            except TooManyAttempts:
                return tries
            except AuthenticationFailed:
                pass
        raise AssertionError("never slowed")

    known = refused_after(lambda pin: accounts.authenticate_card_and_pin(
        CARD, pin, terminal="a", source="1"))
    unknown = refused_after(lambda pin: accounts.authenticate_card_and_pin(
        "NOBODYS", pin, terminal="b", source="2"))
    named = refused_after(lambda pin: accounts.authenticate_username_and_pin(
        "bob", pin, terminal="c", source="3"))
    nobody = refused_after(lambda pin: accounts.authenticate_username_and_pin(
        "nobody", pin, terminal="d", source="4"))
    assert unknown == nobody == 6  # five failures a PIN, then it waits
    assert known == 6 and named == 1  # bob's PIN was already waiting (per user)
    usernames = {line["detail"].get("username") for line in _failures(audit)}
    assert usernames == {None, "nobody"}  # card attempts name no one; bob's was refused


def test_what_is_typed_as_a_name_is_audited_only_when_it_can_be_a_name(
        accounts: AccountsService, audit: AuditLog) -> None:
    with pytest.raises(AuthenticationFailed):
        accounts.authenticate_username_and_pin("my secret pass phrase", "1234")
    with pytest.raises(AuthenticationFailed):
        accounts.authenticate_password("also secret!", "x" * 9)
    assert "secret" not in repr(_failures(audit))
    assert [line["detail"]["username"] for line in _failures(audit)] == [
        "(not a username)"] * 2


def test_password_failures_are_audited_and_slowed_per_terminal(
        accounts: AccountsService, audit: AuditLog) -> None:
    for name in ("ann", "ben", "cy"):
        accounts.create_user(name, password="correct horse", actor="t")
    refused = 0
    for attempt in range(30):  # each from its own address: only the terminal is shared
        try:
            accounts.authenticate_password(("ann", "ben", "cy")[attempt % 3], "guess-guess",
                                           terminal="kiosk", source=f"10.0.{attempt}.1")
        except TooManyAttempts:
            refused += 1
        except AuthenticationFailed:
            pass
    assert refused == 10
    lines = _failures(audit)
    assert len(lines) == 20 and {line["detail"]["method"] for line in lines} == {"password"}
    assert "guess-guess" not in repr(lines) and "correct horse" not in repr(lines)


def test_a_right_pin_takes_its_attempt_back(accounts: AccountsService, bob: User) -> None:
    for _ in range(30):  # successes never use up the allowance of a terminal or a user
        assert accounts.authenticate_card_and_pin(CARD, "4711", terminal="t",
                                                  source="s").id == bob.id
    for _ in range(5):
        with pytest.raises(AuthenticationFailed, match="invalid credentials"):
            accounts.authenticate_card_and_pin(CARD, "0000", terminal="t", source="s")


def test_concurrent_guesses_cannot_pass_more_than_the_allowance(
        accounts: AccountsService, bob: User, audit: AuditLog) -> None:
    accounts.set_id_number(bob.id, "87654321", actor="t")
    start = threading.Barrier(40)
    outcomes: list[str] = []
    lock = threading.Lock()

    def guess(n: int) -> None:
        start.wait()
        try:
            accounts.authenticate_id_number(f"{11_000_000 + n}", terminal="lobby",
                                            source="10.6.6.6")
            outcome = "in"
        except TooManyAttempts:
            outcome = "slowed"
        except AuthenticationFailed:
            outcome = "failed"
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("failed") == 20 and outcomes.count("slowed") == 20
    assert len(_failures(audit)) == 20
