"""The document data after the attributes: size limit and gzip decompression, streaming."""

from __future__ import annotations

import zlib
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator

from printwarden.ipp.errors import IppError
from printwarden.ipp.status import StatusCode

__all__ = ["document_stream"]

_OUTPUT_STEP = 1 << 16


def _too_large(limit: int) -> IppError:
    return IppError(StatusCode.CLIENT_ERROR_REQUEST_ENTITY_TOO_LARGE,
                    f"document larger than {limit} octets")


async def _limited(first: bytes, rest: AsyncIterable[bytes], limit: int) -> AsyncIterator[bytes]:
    total = 0
    if first:
        total = len(first)
        if total > limit:
            raise _too_large(limit)
        yield first
    async for chunk in rest:
        total += len(chunk)
        if total > limit:
            raise _too_large(limit)
        yield chunk


async def _gunzip(wire: AsyncIterator[bytes], limit: int) -> AsyncIterator[bytes]:
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    total = 0
    try:
        async for chunk in wire:
            data = inflater.decompress(chunk, _OUTPUT_STEP)
            while True:
                total += len(data)
                if total > limit:
                    raise _too_large(limit)
                if data:
                    yield data
                if not inflater.unconsumed_tail:
                    break
                data = inflater.decompress(inflater.unconsumed_tail, _OUTPUT_STEP)
    except zlib.error as exc:
        raise IppError(StatusCode.CLIENT_ERROR_COMPRESSION_ERROR, f"bad gzip data: {exc}") from None
    if not inflater.eof:
        raise IppError(StatusCode.CLIENT_ERROR_COMPRESSION_ERROR, "truncated gzip data")


async def document_stream(first: bytes, rest: AsyncIterable[bytes], *, compression: str,
                          max_octets: int) -> AsyncGenerator[bytes, None]:
    """``first`` (the parser's leftover) then ``rest``, decompressed if ``compression`` is
    gzip; more than ``max_octets`` (on the wire or decompressed) raises IppError."""
    wire = _limited(first, rest, max_octets)
    source = _gunzip(wire, max_octets) if compression == "gzip" else wire
    async for chunk in source:
        yield chunk
