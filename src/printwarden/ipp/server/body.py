"""The HTTP request body as an ASGI app receives it, chunk by chunk."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from typing import Any

__all__ = ["ClientDisconnected", "Receive", "RequestBody"]

Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]


class ClientDisconnected(Exception):
    """The client went away before the whole body arrived."""


class RequestBody:
    """``async for chunk in body`` yields the body's chunks; ``received`` counts octets."""

    def __init__(self, receive: Receive) -> None:
        self._receive = receive
        self.complete = False
        self.received = 0

    async def next_chunk(self) -> bytes | None:
        """The next non-empty chunk, or ``None`` at the end of the body."""
        while not self.complete:
            message = await self._receive()
            if message["type"] == "http.disconnect":
                self.complete = True
                raise ClientDisconnected("client disconnected")
            chunk = bytes(message.get("body", b""))
            self.complete = not message.get("more_body", False)
            if chunk:
                self.received += len(chunk)
                return chunk
        return None

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._chunks()

    async def _chunks(self) -> AsyncIterator[bytes]:
        while (chunk := await self.next_chunk()) is not None:
            yield chunk

    async def drain(self, limit: int) -> bool:
        """Discard up to ``limit`` more octets; True if the body ended within it."""
        drained = 0
        try:
            while drained <= limit:
                chunk = await self.next_chunk()
                if chunk is None:
                    return True
                drained += len(chunk)
        except ClientDisconnected:
            return False
        return False
