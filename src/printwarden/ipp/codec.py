"""``encode(message) -> bytes`` and ``decode(data) -> (message, document_offset)``."""

from __future__ import annotations

import struct

from printwarden.ipp.attributes import Attribute
from printwarden.ipp.errors import IppEncodeError, IppParseError
from printwarden.ipp.limits import ParserLimits
from printwarden.ipp.message import IppMessage
from printwarden.ipp.parser import Buffer, MessageReader
from printwarden.ipp.status import StatusCode
from printwarden.ipp.tags import (
    EXTENSION_TAG,
    MAX_EXTENSION_TAG,
    DelimiterTag,
    ValueTag,
    is_delimiter,
)
from printwarden.ipp.value_codec import encode_value
from printwarden.ipp.values import Collection, Value

__all__ = ["decode", "encode"]

_HEADER = struct.Struct(">BBHi")


def decode(data: Buffer, *, limits: ParserLimits | None = None) -> tuple[IppMessage, int]:
    """Decode a whole message; returns it and the offset where document data starts."""
    if isinstance(data, memoryview):
        data = data.cast("B") if data.format != "B" else data
    core = MessageReader(limits)
    offset = core.parse(data, 0)
    if not core.builder.done:
        raise IppParseError(StatusCode.CLIENT_ERROR_BAD_REQUEST,
                            "truncated IPP message (no end-of-attributes tag)")
    return core.message(), offset


def encode(message: IppMessage) -> bytes:
    """The wire form of ``message``; raises ``IppEncodeError`` if it cannot be encoded."""
    out = bytearray()
    try:
        out += _HEADER.pack(*message.version, message.operation_or_status, message.request_id)
    except (struct.error, TypeError) as exc:
        raise IppEncodeError(f"bad message header: {exc}") from None
    for group in message.groups:
        if not is_delimiter(group.tag) or group.tag in (0, DelimiterTag.END_OF_ATTRIBUTES):
            raise IppEncodeError(f"0x{group.tag:02x} is not a group tag")
        out.append(group.tag)
        for attribute in group.values():
            _attribute(out, attribute, in_collection=False)
    out.append(DelimiterTag.END_OF_ATTRIBUTES)
    return bytes(out)


def _attribute(out: bytearray, attribute: Attribute, *, in_collection: bool) -> None:
    if not attribute.name:
        raise IppEncodeError("attribute without a name")
    for index, (tag, value) in enumerate(attribute.tagged_values()):
        name = "" if index or in_collection else attribute.name
        _value(out, tag, name, value)


def _value(out: bytearray, tag: int, name: str, value: Value) -> None:
    if tag == ValueTag.BEG_COLLECTION:
        if not isinstance(value, Collection):
            raise IppEncodeError(f"begCollection needs a Collection, not {type(value).__name__}")
        _field(out, tag, name, b"")
        for member in value.values():
            _field(out, ValueTag.MEMBER_ATTR_NAME, "", member.name.encode("utf-8"))
            _attribute(out, member, in_collection=True)
        _field(out, ValueTag.END_COLLECTION, "", b"")
    elif tag in (ValueTag.END_COLLECTION, ValueTag.MEMBER_ATTR_NAME, EXTENSION_TAG):
        raise IppEncodeError(f"tag 0x{tag:02x} is structural, not an attribute tag")
    elif is_delimiter(tag) or not 0 <= tag <= MAX_EXTENSION_TAG:
        raise IppEncodeError(f"0x{tag:x} is not a value tag")
    elif tag > 0xFF:
        if not isinstance(value, bytes):
            raise IppEncodeError("extension tags carry bytes values")
        _field(out, EXTENSION_TAG, name, tag.to_bytes(4, "big") + value)
    else:
        _field(out, tag, name, encode_value(tag, value))


def _field(out: bytearray, tag: int, name: str, raw: bytes) -> None:
    try:
        encoded_name = name.encode("utf-8")
    except UnicodeEncodeError:
        raise IppEncodeError("attribute name is not encodable as UTF-8") from None
    if len(encoded_name) > 0x7FFF or len(raw) > 0x7FFF:
        raise IppEncodeError(f"name or value of {name!r} longer than 32767 octets")
    out.append(tag)
    out += len(encoded_name).to_bytes(2, "big") + encoded_name
    out += len(raw).to_bytes(2, "big") + raw
