"""Secrets at rest: argon2id password hashes, keyed HMACs for cards and PINs, token digests."""

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

    def pin(self, pin: str) -> str:
        """HMAC-SHA256(key, "pin:" + code): a PIN never shares a digest with a card number."""
        return self.digest(f"pin:{pin}")


def new_api_token() -> str:
    """``pwu_`` followed by 32 URL-safe random characters."""
    return API_TOKEN_PREFIX + secrets.token_urlsafe(24)[:_TOKEN_CHARS]


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
