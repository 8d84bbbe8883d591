"""Attributes and attribute groups.

An ``Attribute`` has a name, a tag and one or more values (several values make a
1setOf). Values of one attribute may carry different tags on the wire (``job-sheets``
is ``keyword | name``); ``value_tags`` then holds one tag per value and ``tag`` is the
first of them. Build attributes with :func:`attr` (tag inferred from the Python type)
or the typed helpers (:func:`keyword`, :func:`text`, :func:`uri`, ...).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, MutableMapping
from dataclasses import dataclass, field

from printwarden.ipp.tags import DelimiterTag, ValueTag, is_out_of_band
from printwarden.ipp.values import (
    Collection,
    NameWithLanguage,
    OutOfBand,
    RangeOfInteger,
    Resolution,
    TextWithLanguage,
    Value,
)

__all__ = [
    "Attribute",
    "AttributeGroup",
    "attr",
    "boolean",
    "charset",
    "collection",
    "enum",
    "integer",
    "keyword",
    "mime_media_type",
    "name",
    "natural_language",
    "octet_string",
    "out_of_band",
    "tag_for",
    "text",
    "uri",
]


def _tag_name(tag: int) -> str:
    try:
        return f"ValueTag.{ValueTag(tag).name}"
    except ValueError:
        return f"0x{tag:02x}"


@dataclass(frozen=True, slots=True, repr=False)
class Attribute:
    name: str
    tag: int
    values: tuple[Value, ...]
    value_tags: tuple[int, ...] = field(default=())
    """One tag per value when they differ; empty when every value has ``tag``."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", tuple(self.values))  # a list given by mistake
        if not self.values:
            raise ValueError(f"attribute {self.name!r} has no value")
        if self.value_tags:
            if len(self.value_tags) != len(self.values):
                raise ValueError("value_tags needs one tag per value")
            if self.value_tags[0] != self.tag:
                raise ValueError("value_tags[0] must equal tag")
            if all(t == self.tag for t in self.value_tags):
                object.__setattr__(self, "value_tags", ())

    def __repr__(self) -> str:
        listed = ", ".join(_tag_name(t) for t in self.value_tags)
        tags = f", value_tags=({listed})" if self.value_tags else ""
        return f"Attribute({self.name!r}, {_tag_name(self.tag)}, {self.values!r}{tags})"

    @property
    def value(self) -> Value:
        """The first (often the only) value."""
        return self.values[0]

    def tag_of(self, index: int) -> int:
        return self.value_tags[index] if self.value_tags else self.tag

    def tagged_values(self) -> Iterator[tuple[int, Value]]:
        for index, value in enumerate(self.values):
            yield self.tag_of(index), value

    @classmethod
    def mixed(cls, name: str, tagged: Iterable[tuple[int, Value]]) -> Attribute:
        """An attribute whose values carry their own tags: ``[(tag, value), ...]``."""
        pairs = list(tagged)
        if not pairs:
            raise ValueError(f"attribute {name!r} has no value")
        tags = tuple(t for t, _ in pairs)
        return cls(name, tags[0], tuple(v for _, v in pairs), tags)


class AttributeGroup(MutableMapping[str, Attribute]):
    """An attribute group: a delimiter tag and attributes in wire order, by name."""

    __slots__ = ("_attributes", "tag")

    def __init__(self, tag: int, attributes: Iterable[Attribute] = ()) -> None:
        self.tag = tag
        self._attributes: dict[str, Attribute] = {}
        for attribute in attributes:
            self.add(attribute)

    def add(self, attribute: Attribute) -> None:
        """Append ``attribute``; a group holds each name once."""
        if attribute.name in self._attributes:
            raise ValueError(f"attribute {attribute.name!r} is already in the group")
        self._attributes[attribute.name] = attribute

    def __getitem__(self, name: str) -> Attribute:
        return self._attributes[name]

    def __setitem__(self, name: str, attribute: Attribute) -> None:
        if attribute.name != name:
            raise ValueError(f"key {name!r} differs from attribute name {attribute.name!r}")
        self._attributes[name] = attribute

    def __delitem__(self, name: str) -> None:
        del self._attributes[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._attributes)

    def __len__(self) -> int:
        return len(self._attributes)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, AttributeGroup):
            return NotImplemented
        return self.tag == other.tag and list(self.values()) == list(other.values())

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        try:
            tag = DelimiterTag(self.tag).name
        except ValueError:
            tag = f"0x{self.tag:02x}"
        return f"AttributeGroup({tag}, {list(self._attributes.values())!r})"


def tag_for(value: Value) -> int:
    """The default tag for a Python value (``str`` -> text; pass a tag for keywords)."""
    if isinstance(value, bool):
        return ValueTag.BOOLEAN
    if isinstance(value, int):
        return ValueTag.INTEGER
    if isinstance(value, str):
        return ValueTag.TEXT
    if isinstance(value, bytes):
        return ValueTag.OCTET_STRING
    if isinstance(value, dt.datetime):
        return ValueTag.DATE_TIME
    if isinstance(value, OutOfBand):
        return value.tag
    by_type: dict[type, int] = {
        Resolution: ValueTag.RESOLUTION,
        RangeOfInteger: ValueTag.RANGE_OF_INTEGER,
        TextWithLanguage: ValueTag.TEXT_WITH_LANGUAGE,
        NameWithLanguage: ValueTag.NAME_WITH_LANGUAGE,
        Collection: ValueTag.BEG_COLLECTION,
    }
    try:
        return by_type[type(value)]
    except KeyError:
        raise TypeError(f"no IPP tag for a {type(value).__name__}") from None


def attr(attr_name: str, *values: Value, tag: int | None = None) -> Attribute:
    """``attr("copies", 2)``; the tag comes from the first value unless given."""
    if not values:
        raise ValueError(f"attribute {attr_name!r} has no value")
    return Attribute(attr_name, tag_for(values[0]) if tag is None else tag, values)


def keyword(attr_name: str, *values: str) -> Attribute:
    return Attribute(attr_name, ValueTag.KEYWORD, values)


def text(attr_name: str, *values: str) -> Attribute:
    return Attribute(attr_name, ValueTag.TEXT, values)


def name(attr_name: str, *values: str) -> Attribute:
    return Attribute(attr_name, ValueTag.NAME, values)


def uri(attr_name: str, *values: str) -> Attribute:
    return Attribute(attr_name, ValueTag.URI, values)


def charset(attr_name: str, *values: str) -> Attribute:
    return Attribute(attr_name, ValueTag.CHARSET, values)


def natural_language(attr_name: str, *values: str) -> Attribute:
    return Attribute(attr_name, ValueTag.NATURAL_LANGUAGE, values)


def mime_media_type(attr_name: str, *values: str) -> Attribute:
    return Attribute(attr_name, ValueTag.MIME_MEDIA_TYPE, values)


def octet_string(attr_name: str, *values: bytes) -> Attribute:
    return Attribute(attr_name, ValueTag.OCTET_STRING, values)


def integer(attr_name: str, *values: int) -> Attribute:
    return Attribute(attr_name, ValueTag.INTEGER, values)


def enum(attr_name: str, *values: int) -> Attribute:
    return Attribute(attr_name, ValueTag.ENUM, tuple(int(v) for v in values))


def boolean(attr_name: str, *values: bool) -> Attribute:
    return Attribute(attr_name, ValueTag.BOOLEAN, values)


def collection(attr_name: str, *values: Iterable[Attribute]) -> Attribute:
    """``collection("media-col", [integer("x-dimension", 21000), ...])``."""
    return Attribute(attr_name, ValueTag.BEG_COLLECTION, tuple(Collection(v) for v in values))


def out_of_band(attr_name: str, tag: int) -> Attribute:
    if not is_out_of_band(tag):
        raise ValueError(f"0x{tag:02x} is not an out-of-band tag")
    return Attribute(attr_name, tag, (OutOfBand(tag),))
