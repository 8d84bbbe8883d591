"""HTTP Basic authentication for queues whose owner check is ``authenticate``.

    gate = AuthGate(front.app, requires_auth=..., authenticator=ServerAuthenticator(link))

``AuthGate`` wraps the IPP app. On a queue that requires authentication, every operation
that makes, changes or ends a job (Print-Job, Create-Job, Send-Document, Validate-Job,
Cancel-Job, Hold-Job, Release-Job, ...) needs ``Authorization: Basic``; without it, or
with credentials the server refuses, the answer is HTTP 401 with
``WWW-Authenticate: Basic realm="printwarden"`` (the challenge CUPS and other clients
answer by asking for a password) and an IPP body, ``client-error-not-authorized`` with a
``status-message`` saying why: ``requesting-user-name`` is a claim, never proof.
Get-Printer-Attributes, Get-Jobs and Get-Job-Attributes stay open (capability discovery
by IPP Everywhere clients); credentials sent with them are checked and used.

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
from printwarden.ipp.attributes import AttributeGroup, charset, natural_language, text
from printwarden.ipp.codec import encode
from printwarden.ipp.message import IppMessage
from printwarden.ipp.operations import Operation
from printwarden.ipp.server import PRINT_PATH
from printwarden.ipp.status import StatusCode
from printwarden.ipp.tags import DelimiterTag

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


#: Operations a queue that requires authentication answers without credentials: they read
#: capabilities or (privacy-filtered) job status and create nothing.
OPEN_OPERATIONS = frozenset({Operation.GET_PRINTER_ATTRIBUTES, Operation.GET_JOBS,
                             Operation.GET_JOB_ATTRIBUTES})
_HEADER_OCTETS = 8


async def _peek_header(receive: Receive) -> tuple[bytes, list[MutableMapping[str, Any]]]:
    """The first 8 octets of the request body (version, operation, request id) and the
    messages read to get them, so the app can be given the body whole."""
    head = b""
    seen: list[MutableMapping[str, Any]] = []
    while len(head) < _HEADER_OCTETS:
        message = await receive()
        seen.append(message)
        if message["type"] != "http.request":
            break
        head += bytes(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return head, seen


def _replaying(seen: list[MutableMapping[str, Any]], receive: Receive) -> Receive:
    pending = list(seen)

    async def replay() -> MutableMapping[str, Any]:
        return pending.pop(0) if pending else await receive()
    return replay


def refusal_body(head: bytes, message: str) -> bytes:
    """An IPP response to the request starting with ``head``: not-authorized, ``message``."""
    version = (head[0], head[1]) if len(head) >= 2 and head[0] in (1, 2) else (1, 1)
    request_id = int.from_bytes(head[4:8], "big") if len(head) >= 8 else 1
    operation = AttributeGroup(DelimiterTag.OPERATION, (
        charset("attributes-charset", "utf-8"),
        natural_language("attributes-natural-language", "en"),
        text("status-message", message[:255])))
    return encode(IppMessage(StatusCode.CLIENT_ERROR_NOT_AUTHORIZED, request_id or 1,
                             [operation], version))


async def _refuse(send: Send, body: bytes) -> None:
    headers = [(b"content-type", b"application/ipp"),
               (b"content-length", str(len(body)).encode()),
               (b"www-authenticate", f'Basic realm="{REALM}"'.encode())]
    await send({"type": "http.response.start", "status": 401, "headers": headers})
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
        head, seen = await _peek_header(receive)
        receive = _replaying(seen, receive)
        operation = int.from_bytes(head[2:4], "big") if len(head) >= 4 else -1
        credentials = parse_basic(_header(scope, b"authorization"))
        if credentials is None and operation in OPEN_OPERATIONS:
            await self._app(scope, receive, send)
            return
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
            why = (f"queue {queue} prints only for authenticated users: "
                   + ("the user name or password is wrong" if credentials is not None else
                      "requesting-user-name is not proof of who prints; send the "
                      "printwarden user name and password (HTTP Basic, over ipps)"))
            await _refuse(send, refusal_body(head, why))
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
