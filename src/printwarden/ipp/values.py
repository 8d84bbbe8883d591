"""Typed attribute values and the RFC 2579 DateAndTime conversion.

Which Python type a value has follows its tag:

    integer, enum             int (signed 32-bit)
    boolean                   bool
    text, name, keyword, uri, uriScheme, charset, naturalLanguage, mimeMediaType
                              str
    octetString, unknown tags bytes (kept verbatim, so unknown tags round-trip)
    dateTime                  datetime.datetime with a timezone
    resolution                Resolution
    rangeOfInteger            RangeOfInteger
    textWithLanguage          TextWithLanguage
    nameWithLanguage          NameWithLanguage
    begCollection             Collection (member name -> Attribute)
    out-of-band 0x10-0x1F     OutOfBand
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING, TypeAlias

from printwarden.ipp.tags import ValueTag

if TYPE_CHECKING:
    from printwarden.ipp.attributes import Attribute

__all__ = [
    "Collection",
    "NameWithLanguage",
    "OutOfBand",
    "RangeOfInteger",
    "Resolution",
    "ResolutionUnits",
    "TextWithLanguage",
    "Value",
    "datetime_from_octets",
    "datetime_to_octets",
]


class ResolutionUnits(IntEnum):
    DOTS_PER_INCH = 3
    DOTS_PER_CM = 4


@dataclass(frozen=True, slots=True)
class Resolution:
    x: int
    y: int
    units: int = ResolutionUnits.DOTS_PER_INCH


@dataclass(frozen=True, slots=True)
class RangeOfInteger:
    lower: int
    upper: int


@dataclass(frozen=True, slots=True)
class TextWithLanguage:
    text: str
    language: str


@dataclass(frozen=True, slots=True)
class NameWithLanguage:
    name: str
    language: str


@dataclass(frozen=True, slots=True)
class OutOfBand:
    """An out-of-band value (unsupported, unknown, no-value, ...): the tag is the value."""

    tag: int

    def __repr__(self) -> str:
        try:
            return f"OutOfBand({ValueTag(self.tag).name})"
        except ValueError:
            return f"OutOfBand(0x{self.tag:02x})"


class Collection(Mapping[str, "Attribute"]):
    """An ordered collection value: member attribute name -> member ``Attribute``."""

    __slots__ = ("_members",)

    def __init__(self, members: Iterable[Attribute] = ()) -> None:
        self._members: dict[str, Attribute] = {}
        for member in members:
            if member.name in self._members:
                raise ValueError(f"duplicate collection member {member.name!r}")
            self._members[member.name] = member

    def __getitem__(self, name: str) -> Attribute:
        return self._members[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._members)

    def __len__(self) -> int:
        return len(self._members)

    def __repr__(self) -> str:
        return f"Collection({list(self._members.values())!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Collection):
            return NotImplemented
        return list(self._members.items()) == list(other._members.items())

    __hash__ = None  # type: ignore[assignment]


Value: TypeAlias = (
    bool | int | str | bytes | dt.datetime | Resolution | RangeOfInteger | TextWithLanguage
    | NameWithLanguage | OutOfBand | Collection
)


def datetime_to_octets(value: dt.datetime) -> bytes:
    """RFC 2579 DateAndTime, 11 octets; deci-seconds keep the first digit of microseconds."""
    offset = value.utcoffset()
    if offset is None:
        raise ValueError("dateTime values need a timezone (naive datetime given)")
    minutes_total = int(offset.total_seconds()) // 60
    if minutes_total * 60 != int(offset.total_seconds()):
        raise ValueError("dateTime UTC offsets are whole minutes")
    sign = b"+" if minutes_total >= 0 else b"-"
    hours, minutes = divmod(abs(minutes_total), 60)
    return (
        value.year.to_bytes(2, "big")
        + bytes((value.month, value.day, value.hour, value.minute, value.second,
                 value.microsecond // 100_000))
        + sign
        + bytes((hours, minutes))
    )


def datetime_from_octets(raw: bytes) -> dt.datetime:
    """Inverse of :func:`datetime_to_octets`; ``ValueError`` for anything malformed."""
    if len(raw) != 11:
        raise ValueError(f"dateTime is 11 octets, not {len(raw)}")
    year = int.from_bytes(raw[0:2], "big")
    month, day, hour, minute, second, deci = raw[2:8]
    sign, off_hours, off_minutes = raw[8], raw[9], raw[10]
    if sign not in b"+-" or deci > 9 or off_hours > 23 or off_minutes > 59:
        raise ValueError("malformed dateTime")
    offset = dt.timedelta(hours=off_hours, minutes=off_minutes)
    tz = dt.timezone(-offset if sign == ord("-") else offset)
    return dt.datetime(year, month, day, hour, minute, second, deci * 100_000, tzinfo=tz)
