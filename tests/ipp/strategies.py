"""Hypothesis strategies for IPP values, attributes and messages (every kind of tag)."""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from printwarden.ipp import (
    Attribute,
    AttributeGroup,
    Collection,
    DelimiterTag,
    IppMessage,
    NameWithLanguage,
    OutOfBand,
    RangeOfInteger,
    Resolution,
    TextWithLanguage,
    Value,
    ValueTag,
)

INT32 = st.integers(-(2**31), 2**31 - 1)
_STRING_TAGS = [ValueTag.TEXT, ValueTag.NAME, ValueTag.KEYWORD, ValueTag.URI,
                ValueTag.URI_SCHEME, ValueTag.CHARSET, ValueTag.NATURAL_LANGUAGE,
                ValueTag.MIME_MEDIA_TYPE]
OUT_OF_BAND_TAGS = [0x10, 0x11, 0x12, 0x13, 0x15, 0x16, 0x17, 0x14, 0x1F]
UNKNOWN_TAGS = [0x20, 0x24, 0x2F, 0x38, 0x3F, 0x40, 0x43, 0x4B, 0x5F, 0x60, 0x7E, 0x80, 0xFF]
EXTENSION_TAGS = st.integers(0x100, 0x7FFFFFFF)

names = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz-0123456789"), min_size=1,
                max_size=20)
texts = st.text(max_size=40).filter(lambda s: len(s.encode("utf-8")) <= 1023)
raw = st.binary(max_size=40)

datetimes = st.builds(
    lambda d, deci, minutes: d.replace(microsecond=deci * 100_000,
                                       tzinfo=dt.timezone(dt.timedelta(minutes=minutes))),
    st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31)),
    st.integers(0, 9),
    st.integers(-(23 * 60 + 59), 23 * 60 + 59),
)


def scalar_values(tag: int) -> st.SearchStrategy[Value]:
    if tag in (ValueTag.INTEGER, ValueTag.ENUM):
        return INT32
    if tag == ValueTag.BOOLEAN:
        return st.booleans()
    if tag == ValueTag.DATE_TIME:
        return datetimes
    if tag == ValueTag.RESOLUTION:
        return st.builds(Resolution, INT32, INT32, st.integers(-128, 127))
    if tag == ValueTag.RANGE_OF_INTEGER:
        return st.builds(RangeOfInteger, INT32, INT32)
    if tag == ValueTag.TEXT_WITH_LANGUAGE:
        return st.builds(TextWithLanguage, texts, names)
    if tag == ValueTag.NAME_WITH_LANGUAGE:
        return st.builds(NameWithLanguage, texts, names)
    if tag in _STRING_TAGS:
        return texts
    if tag in OUT_OF_BAND_TAGS:
        return st.just(OutOfBand(tag))
    return raw  # octetString, unknown and extension tags


SCALAR_TAGS: list[int] = [
    ValueTag.INTEGER, ValueTag.BOOLEAN, ValueTag.ENUM, ValueTag.OCTET_STRING,
    ValueTag.DATE_TIME, ValueTag.RESOLUTION, ValueTag.RANGE_OF_INTEGER,
    ValueTag.TEXT_WITH_LANGUAGE, ValueTag.NAME_WITH_LANGUAGE, *_STRING_TAGS,
    *OUT_OF_BAND_TAGS, *UNKNOWN_TAGS,
]
scalar_tags = st.one_of(st.sampled_from(SCALAR_TAGS), EXTENSION_TAGS)


@st.composite
def tagged_value(draw: st.DrawFn, depth: int) -> tuple[int, Value]:
    if depth > 0 and draw(st.integers(0, 4)) == 0:
        return ValueTag.BEG_COLLECTION, draw(collections(depth - 1))
    tag = draw(scalar_tags)
    return tag, draw(scalar_values(tag))


@st.composite
def attributes(draw: st.DrawFn, depth: int = 3, name: str | None = None) -> Attribute:
    attr_name = name if name is not None else draw(names)
    first = draw(tagged_value(depth))
    if draw(st.booleans()):  # a 1setOf of one syntax
        more = draw(st.lists(scalar_values(first[0]), max_size=3)) if first[0] != 0x34 else []
        pairs = [first, *((first[0], v) for v in more)]
    else:  # values of mixed syntaxes
        pairs = [first, *draw(st.lists(tagged_value(depth), max_size=2))]
    return Attribute.mixed(attr_name, pairs)


@st.composite
def collections(draw: st.DrawFn, depth: int) -> Collection:
    member_names = draw(st.lists(names, max_size=3, unique=True))
    return Collection(draw(attributes(depth, n)) for n in member_names)


@st.composite
def groups(draw: st.DrawFn, depth: int = 3) -> AttributeGroup:
    tag = draw(st.sampled_from([t for t in range(1, 16) if t != DelimiterTag.END_OF_ATTRIBUTES]))
    attr_names = draw(st.lists(names, max_size=4, unique=True))
    return AttributeGroup(tag, (draw(attributes(depth, n)) for n in attr_names))


@st.composite
def messages(draw: st.DrawFn, depth: int = 3) -> IppMessage:
    return IppMessage(
        draw(st.integers(0, 0xFFFF)),
        draw(INT32),
        draw(st.lists(groups(depth), max_size=4)),
        (draw(st.integers(0, 255)), draw(st.integers(0, 255))),
    )


def deeply_nested(depth: int) -> Attribute:
    """``outer`` holding a collection holding a collection ... ``depth`` levels deep."""
    inner = Attribute("leaf", ValueTag.INTEGER, (1,))
    for level in range(depth):
        inner = Attribute(f"level-{level}", ValueTag.BEG_COLLECTION, (Collection([inner]),))
    return inner
