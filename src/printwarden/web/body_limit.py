"""A cap on request bodies, enforced before any route parses them.

An ASGI middleware: a ``Content-Length`` over the limit is answered 413 without reading a
byte; a chunked body is counted as it streams and refused (413) the moment it passes the
limit (the app sees the client go away), so no route ever holds more than ``limit``
bytes of one request in memory. Each path prefix may have its own limit (the CSV import
takes more than a JSON call).
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodySizeLimit:
    def __init__(self, app: ASGIApp, *, limit: int,
                 per_path: Mapping[str, int] | None = None) -> None:
        self._app = app
        self._limit = limit
        self._per_path = dict(per_path or {})

    def limit_for(self, path: str) -> int:
        for prefix, limit in self._per_path.items():
            if path == prefix or path.startswith(prefix + "/"):
                return limit
        return self._limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        limit = self.limit_for(str(scope.get("path", "")))
        declared = _content_length(scope)
        if declared is None:
            await _refuse(send, 400, "bad_request", "invalid Content-Length header")
            return
        if declared > limit:
            await _refuse(send, 413, "too_large", _too_large(limit))
            return
        seen = 0
        too_large = started = False

        async def counted_receive() -> Message:
            # Past the limit the app is told the client left (it stops reading and drops
            # what it has); this middleware answers the 413 in its place.
            nonlocal seen, too_large
            if too_large:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    too_large = True
                    return {"type": "http.disconnect"}
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            if too_large and not started:
                return  # the app's answer to a "disconnect": the 413 below replaces it
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self._app(scope, counted_receive, tracked_send)
        except Exception:
            if not too_large:
                raise
        if too_large and not started:
            await _refuse(send, 413, "too_large", _too_large(limit))


def _too_large(limit: int) -> str:
    return f"the request body is larger than {limit} bytes"


def _content_length(scope: Scope) -> int | None:
    """The declared length, 0 when none; None when the header is not a plain number."""
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            if not (text.isascii() and text.isdigit()) or len(text) > 18:
                return None
            return int(text)
    return 0


async def _refuse(send: Send, status: int, code: str, message: str) -> None:
    body = json.dumps({"error": code, "message": message}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
