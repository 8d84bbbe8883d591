"""Incremental, sans-I/O IPP message parser (RFC 8010 section 3).

Feed it bytes as they arrive; it reports ``complete`` once the end-of-attributes tag has
been read, with the message and the leftover bytes (the start of the document data), so
a server can stream the document to disk without holding it in memory::

    parser = IppParser()
    while not parser.feed(await reader.read(65536)):
        ...
    message, document_start = parser.message, parser.leftover

Only ``IppParseError`` escapes, whatever the input.
"""

from __future__ import annotations

from typing import NamedTuple

from printwarden.ipp.builder import MessageBuilder
from printwarden.ipp.errors import IppParseError
from printwarden.ipp.limits import ParserLimits
from printwarden.ipp.message import IppMessage
from printwarden.ipp.status import StatusCode
from printwarden.ipp.tags import EXTENSION_TAG
from printwarden.ipp.value_codec import utf8

__all__ = ["HEADER_SIZE", "IppParser", "MessageHeader", "MessageReader", "ParserLimits"]

HEADER_SIZE = 8
Buffer = bytes | bytearray | memoryview


class MessageHeader(NamedTuple):
    version: tuple[int, int]
    operation_or_status: int
    request_id: int


def _bad(message: str) -> IppParseError:
    return IppParseError(StatusCode.CLIENT_ERROR_BAD_REQUEST, message)


class MessageReader:
    """Header and token reading over any buffer, starting at a position."""

    def __init__(self, limits: ParserLimits | None) -> None:
        self.limits = limits or ParserLimits()
        self.header: MessageHeader | None = None
        self.builder = MessageBuilder(self.limits)
        self.consumed = 0

    def _budget(self, needed: int) -> None:
        if self.consumed + needed > self.limits.max_message_size:
            raise IppParseError(StatusCode.CLIENT_ERROR_REQUEST_ENTITY_TOO_LARGE,
                                f"IPP attributes exceed {self.limits.max_message_size} octets")

    def parse(self, buf: Buffer, pos: int) -> int:
        """Consume complete items from ``buf[pos:]``; returns the new position."""
        if self.header is None:
            if len(buf) - pos < HEADER_SIZE:
                return pos
            self._budget(HEADER_SIZE)
            self.header = MessageHeader(
                (buf[pos], buf[pos + 1]),
                int.from_bytes(buf[pos + 2:pos + 4], "big"),
                int.from_bytes(buf[pos + 4:pos + 8], "big", signed=True),
            )
            pos += HEADER_SIZE
            self.consumed += HEADER_SIZE
        while not self.builder.done:
            used = self._token(buf, pos)
            if not used:
                break
            pos += used
            self.consumed += used
        return pos

    def _token(self, buf: Buffer, pos: int) -> int:
        avail = len(buf) - pos
        if avail < 1:
            return 0
        tag = buf[pos]
        if tag <= 0x0F:
            self._budget(1)
            self.builder.delimiter(tag)
            return 1
        if avail < 3:
            return 0
        name_len = int.from_bytes(buf[pos + 1:pos + 3], "big")
        if name_len > 0x7FFF:
            raise _bad("negative name-length")
        size = 3 + name_len + 2
        self._budget(size)
        if avail < size:
            return 0
        value_len = int.from_bytes(buf[pos + size - 2:pos + size], "big")
        if value_len > 0x7FFF:
            raise _bad("negative value-length")
        if value_len > self.limits.max_value_length:
            raise IppParseError(StatusCode.CLIENT_ERROR_REQUEST_VALUE_TOO_LONG,
                                f"value of {value_len} octets")
        self._budget(size + value_len)
        if avail < size + value_len:
            return 0
        name = utf8(bytes(buf[pos + 3:pos + 3 + name_len]), "attribute name")
        raw = bytes(buf[pos + size:pos + size + value_len])
        if tag == EXTENSION_TAG:
            if len(raw) < 4:
                raise _bad("extension tag without its 4-octet tag")
            tag, raw = int.from_bytes(raw[:4], "big"), raw[4:]
            if not 0xFF < tag <= 0x7FFFFFFF:
                raise _bad(f"invalid extension tag 0x{tag:08x}")
        self.builder.value(tag, name, raw)
        return size + value_len

    def message(self) -> IppMessage:
        assert self.header is not None and self.builder.done
        version, code, request_id = self.header
        return IppMessage(code, request_id, self.builder.groups, version)


class IppParser:
    """Feed chunks until ``feed`` returns True; then read ``message`` and ``leftover``."""

    def __init__(self, limits: ParserLimits | None = None) -> None:
        self._core = MessageReader(limits)
        self._buffer = bytearray()
        self._message: IppMessage | None = None
        self._leftover = b""
        self._error: IppParseError | None = None

    @property
    def complete(self) -> bool:
        return self._message is not None

    @property
    def header(self) -> MessageHeader | None:
        """Version, operation/status and request-id once the first 8 octets arrived."""
        return self._core.header

    @property
    def consumed(self) -> int:
        """Octets of the IPP message read so far (header and attributes)."""
        return self._core.consumed

    @property
    def message(self) -> IppMessage:
        if self._message is None:
            raise RuntimeError("the IPP message is not complete yet")
        return self._message

    @property
    def leftover(self) -> bytes:
        """Bytes fed after the end-of-attributes tag: the start of the document data."""
        return self._leftover

    def feed(self, chunk: Buffer) -> bool:
        if self._error is not None:
            raise self._error
        if self._message is not None:
            raise RuntimeError("the IPP message is complete; read the document elsewhere")
        self._buffer += chunk
        try:
            pos = self._core.parse(self._buffer, 0)
        except IppParseError as exc:
            self._error = exc
            raise
        if self._core.builder.done:
            self._message = self._core.message()
            self._leftover = bytes(self._buffer[pos:])
            self._buffer = bytearray()
            return True
        del self._buffer[:pos]
        return False

    def close(self) -> IppMessage:
        """End of input: the message, or ``IppParseError`` if it is truncated."""
        if self._error is not None:
            raise self._error
        if self._message is None:
            raise _bad("truncated IPP message (no end-of-attributes tag)")
        return self._message
