"""Who an IPP request comes from, as the server established it.

    user = await ServerAuthenticator(link).check("alice", "secret")
    #  -> AuthenticatedUser("alice", frozenset({"user", "operator"})) | None

``POST /api/v1/agent/authenticate`` checks the password and answers the canonical
username and the user's roles. A success is cached for a short time (keyed by a hash of
user and password, at most ``max_entries`` of them) so not every request goes to the
server. For one request, ``AUTHENTICATED_USER`` holds the username and
``AUTHENTICATED_ROLES`` the roles; the IPP front end makes the user the job owner and
an ``operator`` or ``admin`` an IPP operator.
"""

from __future__ import annotations

import base64
import binascii
import contextvars
import hashlib
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from printwarden.agent.server_link.client import ServerLink, ServerRejected

__all__ = ["AUTHENTICATED_ROLES", "AUTHENTICATED_USER", "OPERATOR_ROLES", "AuthenticatedUser",
           "Authenticator", "ServerAuthenticator", "parse_basic"]

log = logging.getLogger(__name__)
AUTHENTICATED_USER: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "printwarden_authenticated_user", default=None)
AUTHENTICATED_ROLES: contextvars.ContextVar[frozenset[str]] = contextvars.ContextVar(
    "printwarden_authenticated_roles", default=frozenset())
#: printwarden roles that make an authenticated user an IPP operator of the queues.
OPERATOR_ROLES = frozenset({"operator", "admin"})


@dataclass(frozen=True, slots=True)
class AuthenticatedUser:
    username: str
    roles: frozenset[str] = frozenset()

    @property
    def is_operator(self) -> bool:
        return bool(self.roles & OPERATOR_ROLES)


class Authenticator(Protocol):
    async def check(self, username: str, password: str,
                    client: str = "") -> AuthenticatedUser | None:
        """The user, None for bad credentials; ServerUnreachable if nobody can tell."""
        ...


def parse_basic(header: str) -> tuple[str, str] | None:
    """(user, password) of an ``Authorization: Basic`` header value, else None."""
    scheme, _, encoded = header.strip().partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    if not sep or not user:
        return None
    return user, password


def _roles(value: object) -> frozenset[str]:
    if not isinstance(value, Iterable) or isinstance(value, str | bytes):
        return frozenset()
    return frozenset(str(role) for role in value if isinstance(role, str))


class ServerAuthenticator:
    """Checks credentials with ``POST /api/v1/agent/authenticate``; caches successes."""

    def __init__(self, link: ServerLink, *, ttl_seconds: float = 60.0,
                 clock: Callable[[], float] = time.monotonic, max_entries: int = 1024) -> None:
        self._link = link
        self._ttl = ttl_seconds
        self._clock = clock
        self._max = max_entries
        self._cache: dict[str, tuple[float, AuthenticatedUser]] = {}

    @staticmethod
    def _key(username: str, password: str) -> str:
        return hashlib.sha256(f"{username}\0{password}".encode()).hexdigest()

    async def check(self, username: str, password: str,
                    client: str = "") -> AuthenticatedUser | None:
        """The server's user for these credentials, else None. ``client`` (the IPP
        client's address) lets the server throttle guesses per client, not per agent."""
        key = self._key(username, password)
        now = self._clock()
        cached = self._cache.get(key)
        if cached is not None and cached[0] > now:
            return cached[1]
        self._cache.pop(key, None)
        try:
            answer = await self._link.authenticate(username, password, client_address=client)
        except ServerRejected as exc:
            log.info("IPP authentication of %r refused: %s", username, exc)
            return None
        user = AuthenticatedUser(str(answer.get("username") or username),
                                 _roles(answer.get("roles")))
        if self._ttl > 0:
            if len(self._cache) >= self._max:
                self._cache = {k: v for k, v in self._cache.items() if v[0] > now}
                if len(self._cache) >= self._max:
                    self._cache.clear()
            self._cache[key] = (now + self._ttl, user)
        return user
