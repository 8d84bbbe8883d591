"""Tags of the IPP wire format (RFC 8010 section 3.5).

A tag of 0x00-0x0F is a *delimiter*: it starts an attribute group or ends the attributes.
Any other tag is a *value tag*: it says how the value that follows is encoded. Tags are
kept as plain ``int`` on attributes so that tags this module does not know survive a
round trip; the enums below only name the known ones.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = [
    "CHARACTER_STRING_TAGS",
    "EXTENSION_TAG",
    "MAX_EXTENSION_TAG",
    "OUT_OF_BAND_TAGS",
    "DelimiterTag",
    "ValueTag",
    "is_delimiter",
    "is_out_of_band",
]


class DelimiterTag(IntEnum):
    """Begin-attribute-group tags and the end-of-attributes tag."""

    OPERATION = 0x01
    JOB = 0x02
    END_OF_ATTRIBUTES = 0x03
    PRINTER = 0x04
    UNSUPPORTED = 0x05
    SUBSCRIPTION = 0x06
    EVENT_NOTIFICATION = 0x07
    RESOURCE = 0x08
    DOCUMENT = 0x09
    SYSTEM = 0x0A


class ValueTag(IntEnum):
    """Value tags registered with IANA (RFC 8010 section 3.5.2 and PWG extensions)."""

    # out-of-band values: no value octets
    UNSUPPORTED = 0x10
    DEFAULT = 0x11
    UNKNOWN = 0x12
    NO_VALUE = 0x13
    NOT_SETTABLE = 0x15
    DELETE_ATTRIBUTE = 0x16
    ADMIN_DEFINE = 0x17
    # integer types
    INTEGER = 0x21
    BOOLEAN = 0x22
    ENUM = 0x23
    # octet-string types
    OCTET_STRING = 0x30
    DATE_TIME = 0x31
    RESOLUTION = 0x32
    RANGE_OF_INTEGER = 0x33
    BEG_COLLECTION = 0x34
    TEXT_WITH_LANGUAGE = 0x35
    NAME_WITH_LANGUAGE = 0x36
    END_COLLECTION = 0x37
    # character-string types
    TEXT = 0x41
    NAME = 0x42
    KEYWORD = 0x44
    URI = 0x45
    URI_SCHEME = 0x46
    CHARSET = 0x47
    NATURAL_LANGUAGE = 0x48
    MIME_MEDIA_TYPE = 0x49
    MEMBER_ATTR_NAME = 0x4A
    # the real tag follows as a 4-octet integer at the start of the value field
    EXTENSION = 0x7F


EXTENSION_TAG = 0x7F
"""Tags above 0xFF travel as 0x7F with the real tag in the first 4 octets of the value."""

MAX_EXTENSION_TAG = 0x7FFFFFFF

OUT_OF_BAND_TAGS = range(0x10, 0x20)
"""RFC 8010: 0x10-0x1F are out-of-band values; their value field is empty."""

CHARACTER_STRING_TAGS = frozenset(
    {
        ValueTag.TEXT,
        ValueTag.NAME,
        ValueTag.KEYWORD,
        ValueTag.URI,
        ValueTag.URI_SCHEME,
        ValueTag.CHARSET,
        ValueTag.NATURAL_LANGUAGE,
        ValueTag.MIME_MEDIA_TYPE,
        ValueTag.MEMBER_ATTR_NAME,
    }
)
"""Tags whose value is a string (decoded to ``str``, UTF-8 on the wire)."""


def is_delimiter(tag: int) -> bool:
    return 0x00 <= tag <= 0x0F


def is_out_of_band(tag: int) -> bool:
    return tag in OUT_OF_BAND_TAGS
