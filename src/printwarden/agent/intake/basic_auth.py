"""HTTP Basic authentication in front of the queues (``AuthGate``, an ASGI wrapper).

    gate = AuthGate(front.app, requires_auth=..., authenticator=ServerAuthenticator(link))

Credentials sent with any request to a queue (IPP or its status page) are checked at the
server; wrong ones are answered HTTP 401 with ``WWW-Authenticate: Basic
realm="printwarden"`` (the challenge CUPS and other clients answer by asking for a
password) and, for IPP, a body ``client-error-not-authorized`` whose ``status-message``
says why. Without credentials:

- on a queue that requires authentication, every operation that makes, changes or ends
  a job or a subscription gets that challenge: ``requesting-user-name`` is a claim, never
  proof. Reading stays open (``OPEN_OPERATIONS``: capabilities for IPP Everywhere
  clients, privacy-filtered job, document and subscription status);
- on every queue, the operator operations (``OPERATOR_OPERATIONS``: pause, purge, ...)
  get the challenge: only an authenticated operator may do them.

The server's user (and roles) are put in ``AUTHENTICATED_USER`` / ``AUTHENTICATED_ROLES``
for the request; the front end makes the user the owner and an operator an operator.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from printwarden.agent.intake.credentials import (
    AUTHENTICATED_ROLES,
    AUTHENTICATED_USER,
    AuthenticatedUser,
    Authenticator,
    ServerAuthenticator,
    parse_basic,
)
from printwarden.agent.server_link.client import ServerUnreachable
from printwarden.ipp.attributes import AttributeGroup, charset, natural_language, text
from printwarden.ipp.codec import encode
from printwarden.ipp.message import IppMessage
from printwarden.ipp.operations import Operation
from printwarden.ipp.printer.printer import OPERATOR_OPERATIONS
from printwarden.ipp.server import PRINT_PATH
from printwarden.ipp.status import StatusCode
from printwarden.ipp.tags import DelimiterTag

__all__ = ["AUTHENTICATED_ROLES", "AUTHENTICATED_USER", "OPEN_OPERATIONS", "REALM", "AuthGate",
           "Authenticator", "ServerAuthenticator", "parse_basic"]

log = logging.getLogger(__name__)
REALM = "printwarden"

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Operations a queue that requires authentication answers without credentials: they read
#: capabilities or (privacy-filtered) status and create nothing.
OPEN_OPERATIONS = frozenset({
    Operation.GET_PRINTER_ATTRIBUTES, Operation.GET_JOBS, Operation.GET_JOB_ATTRIBUTES,
    Operation.GET_DOCUMENTS, Operation.GET_DOCUMENT_ATTRIBUTES,
    Operation.GET_SUBSCRIPTION_ATTRIBUTES, Operation.GET_SUBSCRIPTIONS,
})
_HEADER_OCTETS = 8


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


async def _challenge(send: Send, body: bytes, content_type: bytes) -> None:
    headers = [(b"content-type", content_type),
               (b"content-length", str(len(body)).encode()),
               (b"www-authenticate", f'Basic realm="{REALM}"'.encode())]
    await send({"type": "http.response.start", "status": 401, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class AuthGate:
    """ASGI wrapper that checks Basic credentials and asks for them where needed."""

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

    def _why(self, queue: str, operation: int, credentials: tuple[str, str] | None) -> str:
        if credentials is not None:
            return "the user name or password is wrong"
        if operation in OPERATOR_OPERATIONS:
            return (f"{Operation(operation).keyword} is for operators: send the user name "
                    "and password of a printwarden operator (HTTP Basic, over ipps)")
        return (f"queue {queue} prints only for authenticated users: requesting-user-name "
                "is not proof of who prints; send the printwarden user name and password "
                "(HTTP Basic, over ipps)")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope.get("method")
        queue = self.queue_of(str(scope.get("path", ""))) if scope["type"] == "http" else None
        if queue is None or method not in ("GET", "POST"):
            await self._app(scope, receive, send)
            return
        credentials = parse_basic(_header(scope, b"authorization"))
        head, operation = b"", -1
        if method == "POST":
            head, seen = await _peek_header(receive)
            receive = _replaying(seen, receive)
            operation = int.from_bytes(head[2:4], "big") if len(head) >= 4 else -1
        user: AuthenticatedUser | None = None
        if credentials is not None:
            try:
                client = scope.get("client") or ("", 0)
                user = await self._authenticator.check(*credentials, client=str(client[0]))
            except ServerUnreachable as exc:
                log.warning("cannot check IPP credentials for %s: %s", queue, exc)
                await _plain(send, 503, b"the printwarden server cannot be reached\n",
                             [(b"retry-after", b"30")])
                return
        needed = credentials is not None or operation in OPERATOR_OPERATIONS or (
            method == "POST" and self._requires_auth(queue) and operation not in OPEN_OPERATIONS)
        if user is None and needed:
            why = self._why(queue, operation, credentials)
            if method == "GET":
                await _challenge(send, f"{why}\n".encode(), b"text/plain")
            else:
                await _challenge(send, refusal_body(head, why), b"application/ipp")
            return
        if user is not None and scope.get("scheme") != "https" and queue not in self._warned_plain:
            self._warned_plain.add(queue)
            log.warning("queue %s: Basic credentials sent over plain ipp:// (no TLS); "
                        "turn on tls", queue)
        user_token = AUTHENTICATED_USER.set(user.username if user else None)
        roles_token = AUTHENTICATED_ROLES.set(user.roles if user else frozenset())
        try:
            await self._app(scope, receive, send)
        finally:
            AUTHENTICATED_ROLES.reset(roles_token)
            AUTHENTICATED_USER.reset(user_token)
