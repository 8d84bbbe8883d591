"""One value <-> its value field octets, by tag (RFC 8010 section 3.9).

Collections are not handled here: they span several wire attributes (see codec/parser).
"""

from __future__ import annotations

import datetime as dt
import struct

from printwarden.ipp.errors import IppEncodeError, IppParseError
from printwarden.ipp.status import StatusCode
from printwarden.ipp.tags import CHARACTER_STRING_TAGS, ValueTag, is_out_of_band
from printwarden.ipp.values import (
    NameWithLanguage,
    OutOfBand,
    RangeOfInteger,
    Resolution,
    TextWithLanguage,
    Value,
    datetime_from_octets,
    datetime_to_octets,
)

__all__ = ["decode_value", "encode_value", "utf8"]

_INT32 = struct.Struct(">i")
_RESOLUTION = struct.Struct(">iib")
_RANGE = struct.Struct(">ii")
_TEXT_TAGS = frozenset({ValueTag.TEXT, ValueTag.NAME})
_WITH_LANGUAGE = frozenset({ValueTag.TEXT_WITH_LANGUAGE, ValueTag.NAME_WITH_LANGUAGE})


def _bad(message: str) -> IppParseError:
    return IppParseError(StatusCode.CLIENT_ERROR_BAD_REQUEST, message)


def utf8(raw: bytes, what: str) -> str:
    """``raw`` as UTF-8 text, or a bad-request ``IppParseError`` naming ``what``."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _bad(f"{what} is not valid UTF-8") from None


def _check_text(length: int, max_text: int, what: str) -> None:
    if length > max_text:
        raise IppParseError(StatusCode.CLIENT_ERROR_REQUEST_VALUE_TOO_LONG,
                            f"{what} value of {length} octets exceeds {max_text}")


def decode_value(tag: int, raw: bytes, *, max_text_length: int = 1023) -> Value:
    """Decode one value field; raises only ``IppParseError``."""
    if is_out_of_band(tag):
        return OutOfBand(tag)  # a value field here is meaningless: ignored
    if tag in (ValueTag.INTEGER, ValueTag.ENUM):
        if len(raw) != 4:
            raise _bad(f"integer/enum value of {len(raw)} octets (needs 4)")
        return int(_INT32.unpack(raw)[0])
    if tag == ValueTag.BOOLEAN:
        if raw not in (b"\x00", b"\x01"):
            raise _bad("boolean value must be one octet 0x00 or 0x01")
        return raw == b"\x01"
    if tag == ValueTag.DATE_TIME:
        try:
            return datetime_from_octets(raw)
        except (ValueError, OverflowError) as exc:
            raise _bad(f"bad dateTime value: {exc}") from None
    if tag == ValueTag.RESOLUTION:
        if len(raw) != 9:
            raise _bad(f"resolution value of {len(raw)} octets (needs 9)")
        x, y, units = _RESOLUTION.unpack(raw)
        return Resolution(x, y, units)
    if tag == ValueTag.RANGE_OF_INTEGER:
        if len(raw) != 8:
            raise _bad(f"rangeOfInteger value of {len(raw)} octets (needs 8)")
        lower, upper = _RANGE.unpack(raw)
        return RangeOfInteger(lower, upper)
    if tag in _WITH_LANGUAGE:
        return _decode_with_language(tag, raw, max_text_length)
    if tag in CHARACTER_STRING_TAGS:
        if tag in _TEXT_TAGS:
            _check_text(len(raw), max_text_length, "text/name")
        return utf8(raw, "string value")
    return bytes(raw)  # octetString and tags we do not know: verbatim


def _decode_with_language(tag: int, raw: bytes, max_text: int) -> Value:
    if len(raw) < 4:
        raise _bad("textWithLanguage/nameWithLanguage value too short")
    lang_len = int.from_bytes(raw[0:2], "big")
    text_at = 2 + lang_len + 2
    if text_at > len(raw):
        raise _bad("language length runs past the value")
    text_len = int.from_bytes(raw[text_at - 2:text_at], "big")
    if text_at + text_len != len(raw):
        raise _bad("text length does not match the value length")
    _check_text(text_len, max_text, "textWithLanguage/nameWithLanguage")
    language = utf8(raw[2:2 + lang_len], "natural language")
    string = utf8(raw[text_at:], "text")
    if tag == ValueTag.TEXT_WITH_LANGUAGE:
        return TextWithLanguage(string, language)
    return NameWithLanguage(string, language)


def _enc(message: str) -> IppEncodeError:
    return IppEncodeError(message)


def _int32(value: object, tag: int) -> bytes:
    if not isinstance(value, int):
        raise _enc(f"tag 0x{tag:02x} needs an int, not {type(value).__name__}")
    try:
        return _INT32.pack(value)
    except struct.error:
        raise _enc(f"{value} does not fit a signed 32-bit integer") from None


def encode_value(tag: int, value: Value) -> bytes:
    """The value field for ``value`` under ``tag``; raises ``IppEncodeError``."""
    if is_out_of_band(tag):
        if value != OutOfBand(tag):
            raise _enc(f"out-of-band tag 0x{tag:02x} needs OutOfBand(0x{tag:02x})")
        return b""
    if tag in (ValueTag.INTEGER, ValueTag.ENUM):
        return _int32(value, tag)
    if tag == ValueTag.BOOLEAN:
        if not isinstance(value, bool):
            raise _enc("boolean needs a bool")
        return b"\x01" if value else b"\x00"
    try:
        if tag == ValueTag.DATE_TIME and isinstance(value, dt.datetime):
            return datetime_to_octets(value)
        if tag == ValueTag.RESOLUTION and isinstance(value, Resolution):
            return _RESOLUTION.pack(value.x, value.y, value.units)
        if tag == ValueTag.RANGE_OF_INTEGER and isinstance(value, RangeOfInteger):
            return _RANGE.pack(value.lower, value.upper)
    except (ValueError, struct.error) as exc:
        raise _enc(f"cannot encode {value!r}: {exc}") from None
    if tag == ValueTag.TEXT_WITH_LANGUAGE and isinstance(value, TextWithLanguage):
        return _with_language(value.language, value.text)
    if tag == ValueTag.NAME_WITH_LANGUAGE and isinstance(value, NameWithLanguage):
        return _with_language(value.language, value.name)
    if tag in CHARACTER_STRING_TAGS and isinstance(value, str):
        return _toutf8(value)
    if tag not in _KNOWN_STRUCTURED and isinstance(value, bytes):
        return value
    raise _enc(f"tag 0x{tag:02x} cannot carry a {type(value).__name__} value")


_KNOWN_STRUCTURED = frozenset(
    {ValueTag.DATE_TIME, ValueTag.RESOLUTION, ValueTag.RANGE_OF_INTEGER,
     ValueTag.TEXT_WITH_LANGUAGE, ValueTag.NAME_WITH_LANGUAGE, ValueTag.BEG_COLLECTION,
     ValueTag.END_COLLECTION, ValueTag.MEMBER_ATTR_NAME, ValueTag.EXTENSION}
    | CHARACTER_STRING_TAGS
)


def _toutf8(value: str) -> bytes:
    try:
        return value.encode("utf-8")
    except UnicodeEncodeError:
        raise _enc("string is not encodable as UTF-8") from None


def _with_language(language: str, string: str) -> bytes:
    lang, data = _toutf8(language), _toutf8(string)
    if len(lang) > 0x7FFF or len(data) > 0x7FFF:
        raise _enc("language or text longer than 32767 octets")
    return len(lang).to_bytes(2, "big") + lang + len(data).to_bytes(2, "big") + data

