from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from printwarden.accounts.model import (
    card_hint,
    normalise_card,
    normalise_roles,
    username_key,
    validate_password,
    validate_pin,
    validate_username,
)
from printwarden.core.errors import ValidationError


@pytest.mark.parametrize("name", ["a", "alice", "a.b_c-d@example.org", "X" * 64, "007"])
def test_usernames_of_allowed_characters_and_length_are_accepted(name: str) -> None:
    assert validate_username(name) == name


@pytest.mark.parametrize("name", ["", "   ", "x" * 65, "with space", "semi;colon", "é", "a/b"])
def test_usernames_with_other_characters_or_lengths_are_rejected(name: str) -> None:
    with pytest.raises(ValidationError):
        validate_username(name)


def test_username_surrounding_blanks_are_stripped() -> None:
    assert validate_username("  bob ") == "bob"


@given(st.from_regex(r"[A-Za-z0-9._@-]{1,64}", fullmatch=True))
def test_username_keys_ignore_case(name: str) -> None:
    assert username_key(name.upper()) == username_key(name.lower()) == username_key(name)


def test_every_user_holds_the_user_role() -> None:
    assert normalise_roles(["admin"]) == {"admin", "user"}
    assert normalise_roles([]) == {"user"}


def test_unknown_roles_are_rejected_with_their_name() -> None:
    with pytest.raises(ValidationError, match="wizard"):
        normalise_roles(["user", "wizard"])


def test_passwords_shorter_than_eight_characters_are_rejected() -> None:
    with pytest.raises(ValidationError, match="at least 8"):
        validate_password("short12")
    validate_password("long-enough")


@pytest.mark.parametrize("pin", ["1234", "12345678"])
def test_pins_of_four_to_eight_digits_are_accepted(pin: str) -> None:
    assert validate_pin(pin) == pin


@pytest.mark.parametrize("pin", ["123", "123456789", "12a4", "", "12 34"])
def test_other_pins_are_rejected(pin: str) -> None:
    with pytest.raises(ValidationError):
        validate_pin(pin)


def test_card_numbers_are_normalised_without_blanks_in_upper_case() -> None:
    assert normalise_card(" ab 12\tcd ") == "AB12CD"
    assert card_hint("AB12CD") == "12CD"


def test_an_empty_card_number_is_rejected() -> None:
    with pytest.raises(ValidationError):
        normalise_card("   ")
