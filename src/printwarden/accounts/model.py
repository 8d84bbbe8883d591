"""Pure model of identities: users, cards, groups, API tokens and the rules on their input."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from printwarden.core.errors import ConflictError, ValidationError

USER_ROLES = frozenset({"admin", "operator", "user"})
USERNAME_PATTERN = re.compile(r"[A-Za-z0-9._@-]{1,64}")
#: A PIN goes with a card or a username. ``[0-9]`` is ASCII only (``\d`` would take
#: Arabic-Indic or fullwidth digits too).
PIN_PATTERN = re.compile(r"[0-9]{4,8}")
DIGITS = re.compile(r"[0-9]+")
#: An ID number identifies its user alone: long, and sparse (``ID_NUMBER_DENSITY``).
MIN_ID_NUMBER_LENGTH = 8
MAX_ID_NUMBER_LENGTH = 18
#: Fewer than one number in this many of a length's space is ever assigned, so that a
#: guess hits someone with a chance below 1/ID_NUMBER_DENSITY.
ID_NUMBER_DENSITY = 10_000
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024
MAX_CARD_LENGTH = 128
MAX_GROUP_NAME = 100
MAX_TOKEN_NAME = 100
#: Column sizes of the profile fields (accounts/tables.py): longer is a 422, not a 500.
PROFILE_LIMITS = {"full_name": 200, "email": 254, "department": 200}


@dataclass(frozen=True)
class User:
    id: str
    username: str
    full_name: str
    email: str
    department: str
    roles: frozenset[str]
    active: bool
    created_at: datetime
    has_password: bool = False
    has_pin: bool = False
    has_id_number: bool = False


@dataclass(frozen=True)
class Card:
    id: str
    user_id: str
    last4: str
    created_at: datetime


@dataclass(frozen=True)
class Group:
    id: str
    name: str
    description: str
    created_at: datetime


@dataclass(frozen=True)
class ApiToken:
    id: str
    user_id: str
    name: str
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


@dataclass
class ImportReport:
    """What a CSV import did; ``errors`` holds ``(line number, message)`` for rejected lines."""

    created: int = 0
    updated: int = 0
    skipped: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    #: ``(line number, username, ID number)`` of each number the import generated: the
    #: only time these numbers exist in clear.
    id_numbers: list[tuple[int, str, str]] = field(default_factory=list)

    @property
    def failed(self) -> int:
        """Lines refused (each has an entry in ``errors``)."""
        return len(self.errors)

    def summary(self) -> str:
        return (f"created {self.created}, updated {self.updated}, skipped {self.skipped}, "
                f"failed {self.failed}")


def validate_username(username: str) -> str:
    """The username stripped of surrounding blanks, or ValidationError."""
    name = username.strip()
    if not USERNAME_PATTERN.fullmatch(name):
        raise ValidationError(
            "username must be 1-64 characters of letters, digits and . _ @ -"
        )
    return name


def validate_profile(**fields: str | None) -> None:
    """``full_name``, ``email`` and ``department`` fit their columns."""
    for name, value in fields.items():
        limit = PROFILE_LIMITS[name]
        if value is not None and len(value.strip()) > limit:
            raise ValidationError(f"{name.replace('_', ' ')} is longer than {limit} characters")


def username_key(username: str) -> str:
    """The case-insensitive form usernames are unique by."""
    return username.strip().lower()


def normalise_roles(roles: Iterable[str]) -> frozenset[str]:
    """Known roles only; every user holds at least ``user``."""
    wanted = {role.strip().lower() for role in roles if role.strip()}
    unknown = wanted - USER_ROLES
    if unknown:
        raise ValidationError(
            f"unknown role(s) {', '.join(sorted(unknown))}; use admin, operator or user"
        )
    return frozenset(wanted | {"user"})


def validate_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationError(f"password must be at most {MAX_PASSWORD_LENGTH} characters")


def validate_pin(pin: str) -> str:
    """The PIN stripped of surrounding blanks: 4 to 8 ASCII digits, or ValidationError."""
    code = pin.strip()
    if len(code) > 64 or not PIN_PATTERN.fullmatch(code):
        raise ValidationError("a PIN must be 4 to 8 digits (ASCII 0-9)")
    return code


def validate_id_number(number: str, *, min_length: int = MIN_ID_NUMBER_LENGTH) -> str:
    """The ID number stripped of surrounding blanks: ``min_length`` to
    ``MAX_ID_NUMBER_LENGTH`` ASCII digits (leading zeros count), or ValidationError."""
    code = number.strip()
    wrong_length = ValidationError(f"an ID number must be {min_length} to "
                                   f"{MAX_ID_NUMBER_LENGTH} digits long")
    if len(code) > MAX_ID_NUMBER_LENGTH:
        raise wrong_length
    if not DIGITS.fullmatch(code):
        raise ValidationError("an ID number is made of ASCII digits 0-9 only")
    if len(code) < min_length:
        raise wrong_length
    return code


def id_numbers_allowed(length: int) -> int:
    """How many numbers of ``length`` digits may be assigned: the most N with
    N * ID_NUMBER_DENSITY < 10 ** length."""
    return int((10 ** length - 1) // ID_NUMBER_DENSITY)


def check_id_number_room(assigned: int, length: int, *, adding: int = 1) -> None:
    """Refuse (ConflictError) to assign ``adding`` more numbers of ``length`` digits when
    ``assigned`` (every user's ID number, whatever its length) are already out: the
    count is over all lengths, so each length's space stays sparse whatever was set."""
    limit = id_numbers_allowed(length)
    if assigned + adding > limit:
        raise ConflictError(
            f"cannot assign {adding} more ID number(s): {assigned} are assigned and "
            f"{length}-digit numbers allow at most {limit} (fewer than 1 in "
            f"{ID_NUMBER_DENSITY:,} of the space, so that guesses stay hopeless); raise "
            f"the setting id_number_length to {length + 1} or more")


def normalise_card(number: str) -> str:
    """Card numbers compare without blanks and case: ``" ab 12 "`` == ``"AB12"``.

    Only printable ASCII is a card number: a reader sends ASCII, and other scripts' digits
    or letters (fullwidth digits, or a sharp s that ``upper()`` turns into ``"SS"``) would
    be a second spelling of someone else's card.
    """
    if len(number) > 4 * MAX_CARD_LENGTH:
        raise ValidationError(f"card number is longer than {MAX_CARD_LENGTH} characters")
    card = "".join(number.split())
    if not (card.isascii() and card.isprintable()):
        raise ValidationError("a card number is made of ASCII letters and digits 0-9 only")
    card = card.upper()
    if not card:
        raise ValidationError("card number is empty")
    if len(card) > MAX_CARD_LENGTH:
        raise ValidationError(f"card number is longer than {MAX_CARD_LENGTH} characters")
    return card


def card_hint(normalised: str) -> str:
    """The last four characters, shown to people to tell cards apart."""
    return normalised[-4:]


def validate_group_name(name: str) -> str:
    cleaned = name.strip()
    if not cleaned or len(cleaned) > MAX_GROUP_NAME:
        raise ValidationError(f"group name must be 1-{MAX_GROUP_NAME} characters")
    return cleaned


def group_key(name: str) -> str:
    return name.strip().lower()


def validate_token_name(name: str) -> str:
    cleaned = name.strip()
    if not cleaned or len(cleaned) > MAX_TOKEN_NAME:
        raise ValidationError(f"token name must be 1-{MAX_TOKEN_NAME} characters")
    return cleaned
