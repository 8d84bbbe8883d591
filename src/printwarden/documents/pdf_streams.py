"""Decoded bytes of a PDF stream without caching them on the object."""

from __future__ import annotations

from pypdf.filters import decode_stream_data
from pypdf.generic import StreamObject


def stream_bytes(stream: StreamObject) -> bytes:
    """Apply the stream's filters; unfiltered streams are returned as stored."""
    if stream.get("/Filter") is None:
        return bytes(stream.get_data())
    return bytes(decode_stream_data(stream))
