"""HTTP Basic authentication for queues with ``require_auth``, checked at the server.

    gate = AuthGate(front.app, requires_auth=..., authenticator=ServerAuthenticator(link))

``AuthGate`` wraps the IPP app: an IPP request (POST) to a queue that requires
authentication needs ``Authorization: Basic``; without it, or with credentials the server
refuses, the answer is HTTP 401 with ``WWW-Authenticate: Basic realm="printwarden"``.
A success is cached for a short time (keyed by a hash of user and password) so not every
IPP request goes to the server. The server's username is put in ``AUTHENTICATED_USER``
for the request; the front end makes it the requesting-user-name (the job owner).
"""

from __future__ import annotations

import base64
import binascii
import contextvars
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Protocol

from printwarden.agent.server_link.client import ServerLink, ServerRejected, ServerUnreachable
from printwarden.ipp.server import PRINT_PATH

__all__ = ["AUTHENTICATED_USER", "REALM", "AuthGate", "Authenticator", "ServerAuthenticator",
           "parse_basic"]

log = logging.getLogger(__name__)
REALM = "printwarden"
AUTHENTICATED_USER: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "printwarden_authenticated_user", default=None)

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]


class Authenticator(Protocol):
    async def check(self, username: str, password: str) -> str | None:
        """The canonical username, None for bad credentials; ServerUnreachable if unknown."""
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


class ServerAuthenticator:
    """Checks credentials with ``POST /api/v1/agent/authenticate``; caches successes."""

    def __init__(self, link: ServerLink, *, ttl_seconds: float = 60.0,
                 clock: Callable[[], float] = time.monotonic, max_entries: int = 1024) -> None:
        self._link = link
        self._ttl = ttl_seconds
        self._clock = clock
        self._max = max_entries
        self._cache: dict[str, tuple[float, str]] = {}

    @staticmethod
    def _key(username: str, password: str) -> str:
        return hashlib.sha256(f"{username}\0{password}".encode()).hexdigest()

    async def check(self, username: str, password: str) -> str | None:
        key = self._key(username, password)
        now = self._clock()
        cached = self._cache.get(key)
        if cached is not None and cached[0] > now:
            return cached[1]
        self._cache.pop(key, None)
        try:
            answer = await self._link.authenticate(username, password)
        except ServerRejected as exc:
            log.info("IPP authentication of %r refused: %s", username, exc)
            return None
        canonical = str(answer.get("username") or username)
        if self._ttl > 0:
            if len(self._cache) >= self._max:
                self._cache = {k: v for k, v in self._cache.items() if v[0] > now}
                if len(self._cache) >= self._max:
                    self._cache.clear()
            self._cache[key] = (now + self._ttl, canonical)
        return canonical


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", ()):
        if bytes(key).lower() == name:
            return bytes(value).decode("latin-1")
    return ""


async def _plain(send: Send, status: int, body: bytes,
                 extra: list[tuple[bytes, bytes]]) -> None:
    headers = [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode()),
               *extra]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class AuthGate:
    """ASGI wrapper asking for Basic credentials on the queues that require them."""

    def __init__(self, app: Asgi, *, requires_auth: Callable[[str], bool],
                 default_queue: Callable[[], str | None], authenticator: Authenticator) -> None:
        self._app = app
        self._requires_auth = requires_auth
        self._default_queue = default_queue
        self._authenticator = authenticator
        self._warned_plain: set[str] = set()

    def queue_of(self, path: str) -> str | None:
        path = path.rstrip("/") or "/"
        if path == PRINT_PATH:
            return self._default_queue()
        if path.startswith(PRINT_PATH + "/"):
            return path[len(PRINT_PATH) + 1:]
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST":
            await self._app(scope, receive, send)
            return
        queue = self.queue_of(str(scope.get("path", "")))
        if queue is None or not self._requires_auth(queue):
            await self._app(scope, receive, send)
            return
        credentials = parse_basic(_header(scope, b"authorization"))
        user: str | None = None
        if credentials is not None:
            try:
                user = await self._authenticator.check(*credentials)
            except ServerUnreachable as exc:
                log.warning("cannot check IPP credentials for %s: %s", queue, exc)
                await _plain(send, 503, b"the printwarden server cannot be reached\n",
                             [(b"retry-after", b"30")])
                return
        if user is None:
            await _plain(send, 401, b"authentication required\n",
                         [(b"www-authenticate", f'Basic realm="{REALM}"'.encode())])
            return
        if scope.get("scheme") != "https" and queue not in self._warned_plain:
            self._warned_plain.add(queue)
            log.warning("queue %s: Basic credentials sent over plain ipp:// (no TLS); "
                        "turn on tls", queue)
        token = AUTHENTICATED_USER.set(user)
        try:
            await self._app(scope, receive, send)
        finally:
            AUTHENTICATED_USER.reset(token)
