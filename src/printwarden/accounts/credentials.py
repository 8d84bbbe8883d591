"""Secrets at rest: argon2id password hashes, keyed HMACs for cards, PINs and ID numbers,
token digests.

Every keyed digest is HMAC-SHA256 under the server's card key (``secrets.json``, outside
the database), each kind of secret with its own prefix so that no two kinds ever share a
digest: a card number as is, ``id:NUMBER`` for an ID number, ``pin:USER_ID:PIN`` for a PIN
(bound to its user, so two users with the same PIN have different digests), and
``pin:CODE`` for a print code written before 0008 (then unique, it needed no user).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from printwarden.core.errors import ConfigurationError

API_TOKEN_PREFIX = "pwu_"
_TOKEN_CHARS = 32

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
#: A real hash checked when the username is unknown, so both paths cost the same.
_DUMMY_HASH = _hasher.hash("printwarden-dummy-password")
_verifications = 0
_verifications_lock = threading.Lock()


def password_verifications() -> int:
    """How many argon2 verifications this process ran (a sign-in for an unknown name runs
    one too, so that its answer costs what a wrong password costs)."""
    return _verifications


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; always spends one argon2 verification."""
    global _verifications
    with _verifications_lock:
        _verifications += 1
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


class KeyedHasher:
    """HMAC-SHA256 under the server's card key: equal inputs give equal, unguessable digests."""

    def __init__(self, key: bytes) -> None:
        if not key:
            raise ConfigurationError("the card HMAC key is empty")
        self._key = key

    def digest(self, value: str) -> str:
        return hmac.new(self._key, value.encode(), hashlib.sha256).hexdigest()

    def card(self, normalised_number: str) -> str:
        """HMAC-SHA256(key, normalised card number)."""
        return self.digest(normalised_number)

    def user_pin(self, user_id: str, pin: str) -> str:
        """HMAC-SHA256(key, "pin:" + user id + ":" + PIN)."""
        return self.digest(f"pin:{user_id}:{pin}")

    def legacy_print_code(self, code: str) -> str:
        """HMAC-SHA256(key, "pin:" + code): how print codes were stored before 0008."""
        return self.digest(f"pin:{code}")

    def id_number(self, number: str) -> str:
        """HMAC-SHA256(key, "id:" + number)."""
        return self.digest(f"id:{number}")


def digests_match(stored: str | None, computed: str) -> bool:
    """Constant-time comparison of a stored digest (None never matches)."""
    return stored is not None and hmac.compare_digest(stored, computed)


def new_id_number(length: int) -> str:
    """A uniformly random ``length``-digit number; leading zeros are part of it."""
    return f"{secrets.randbelow(10 ** length):0{length}d}"


def new_api_token() -> str:
    """``pwu_`` followed by 32 URL-safe random characters."""
    return API_TOKEN_PREFIX + secrets.token_urlsafe(24)[:_TOKEN_CHARS]


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
