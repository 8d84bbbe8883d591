"""Each value syntax against octets computed by hand from RFC 8010 section 3.9."""

from __future__ import annotations

import datetime as dt

import pytest

from printwarden.ipp import (
    Collection,
    IppEncodeError,
    IppParseError,
    NameWithLanguage,
    OutOfBand,
    RangeOfInteger,
    Resolution,
    ResolutionUnits,
    StatusCode,
    TextWithLanguage,
    Value,
    ValueTag,
)
from printwarden.ipp.value_codec import decode_value, encode_value
from printwarden.ipp.values import datetime_from_octets, datetime_to_octets

EST = dt.timezone(dt.timedelta(hours=-5))
IST = dt.timezone(dt.timedelta(hours=5, minutes=30))

VECTORS: list[tuple[int, Value, str]] = [
    (ValueTag.INTEGER, 0, "00000000"),
    (ValueTag.INTEGER, 1, "00000001"),
    (ValueTag.INTEGER, -1, "ffffffff"),
    (ValueTag.INTEGER, 2**31 - 1, "7fffffff"),
    (ValueTag.INTEGER, -(2**31), "80000000"),
    (ValueTag.ENUM, 3, "00000003"),
    (ValueTag.ENUM, 0x0B, "0000000b"),
    (ValueTag.BOOLEAN, True, "01"),
    (ValueTag.BOOLEAN, False, "00"),
    # year 2024 = 0x07e8, Jan 2, 03:04:05.6, '-' 5 hours 0 minutes
    (ValueTag.DATE_TIME, dt.datetime(2024, 1, 2, 3, 4, 5, 600_000, tzinfo=EST),
     "07e8 01 02 03 04 05 06 2d 05 00"),
    (ValueTag.DATE_TIME, dt.datetime(1999, 12, 31, 23, 59, 59, tzinfo=IST),
     "07cf 0c 1f 17 3b 3b 00 2b 05 1e"),
    (ValueTag.DATE_TIME, dt.datetime(2000, 2, 29, 0, 0, 0, tzinfo=dt.UTC),
     "07d0 02 1d 00 00 00 00 2b 00 00"),
    # 600 = 0x258, 300 = 0x12c, units 3 = dots per inch
    (ValueTag.RESOLUTION, Resolution(600, 300), "00000258 0000012c 03"),
    (ValueTag.RESOLUTION, Resolution(118, 118, ResolutionUnits.DOTS_PER_CM),
     "00000076 00000076 04"),
    (ValueTag.RANGE_OF_INTEGER, RangeOfInteger(1, 100), "00000001 00000064"),
    (ValueTag.RANGE_OF_INTEGER, RangeOfInteger(-5, 2**31 - 1), "fffffffb 7fffffff"),
    (ValueTag.TEXT_WITH_LANGUAGE, TextWithLanguage("hello", "en"), "0002 656e 0005 68656c6c6f"),
    (ValueTag.NAME_WITH_LANGUAGE, NameWithLanguage("Ärger", "de-ch"),
     "0005 64652d6368 0006 c384 7267 6572"),
    (ValueTag.TEXT_WITH_LANGUAGE, TextWithLanguage("", "en"), "0002 656e 0000"),
    (ValueTag.TEXT, "Çà", "c387 c3a0"),
    (ValueTag.NAME, "job", "6a6f62"),
    (ValueTag.KEYWORD, "none", "6e6f6e65"),
    (ValueTag.URI, "ipp://h/p", "6970703a2f2f682f70"),
    (ValueTag.URI_SCHEME, "ipps", "69707073"),
    (ValueTag.CHARSET, "utf-8", "7574662d38"),
    (ValueTag.NATURAL_LANGUAGE, "en-us", "656e2d7573"),
    (ValueTag.MIME_MEDIA_TYPE, "application/pdf", "6170706c69636174696f6e2f706466"),
    (ValueTag.OCTET_STRING, b"\x00\xff", "00ff"),
    (ValueTag.TEXT, "", ""),
    (ValueTag.UNSUPPORTED, OutOfBand(ValueTag.UNSUPPORTED), ""),
    (ValueTag.UNKNOWN, OutOfBand(ValueTag.UNKNOWN), ""),
    (ValueTag.NO_VALUE, OutOfBand(ValueTag.NO_VALUE), ""),
    (ValueTag.NOT_SETTABLE, OutOfBand(ValueTag.NOT_SETTABLE), ""),
    (ValueTag.DELETE_ATTRIBUTE, OutOfBand(ValueTag.DELETE_ATTRIBUTE), ""),
    (ValueTag.ADMIN_DEFINE, OutOfBand(ValueTag.ADMIN_DEFINE), ""),
    # tags we do not know keep their octets verbatim
    (0x24, b"\x01\x02\x03", "010203"),
    (0x40, b"raw", "726177"),
    (0x4B, b"", ""),
]


@pytest.mark.parametrize(("tag", "value", "octets"), VECTORS)
def test_values_encode_to_the_octets_of_the_rfc(tag: int, value: Value, octets: str) -> None:
    assert encode_value(tag, value) == bytes.fromhex(octets)


@pytest.mark.parametrize(("tag", "value", "octets"), VECTORS)
def test_octets_decode_to_the_typed_value(tag: int, value: Value, octets: str) -> None:
    decoded = decode_value(tag, bytes.fromhex(octets))
    assert decoded == value
    assert type(decoded) is type(value) or isinstance(value, int)


def test_a_datetime_keeps_its_utc_offset_and_drops_sub_decisecond_digits() -> None:
    moment = dt.datetime(2024, 6, 1, 12, 0, 0, 987_654, tzinfo=IST)
    back = datetime_from_octets(datetime_to_octets(moment))
    assert back.utcoffset() == dt.timedelta(hours=5, minutes=30)
    assert back == moment.replace(microsecond=900_000)


def test_a_naive_datetime_is_refused_by_the_encoder() -> None:
    with pytest.raises(IppEncodeError) as caught:
        encode_value(ValueTag.DATE_TIME, dt.datetime(2024, 1, 1))
    assert caught.value.status == StatusCode.SERVER_ERROR_INTERNAL_ERROR


@pytest.mark.parametrize(("tag", "octets"), [
    (ValueTag.INTEGER, "000001"),
    (ValueTag.ENUM, "0000000001"),
    (ValueTag.BOOLEAN, "02"),
    (ValueTag.BOOLEAN, ""),
    (ValueTag.DATE_TIME, "07e8 0d 01 00 00 00 00 2b 00 00"),  # month 13
    (ValueTag.DATE_TIME, "07e8 01 01 00 00 00 00 3d 00 00"),  # direction '='
    (ValueTag.DATE_TIME, "0000 01 01 00 00 00 00 2b 00 00"),  # year 0
    (ValueTag.DATE_TIME, "07e8 01 01 00 00 00"),
    (ValueTag.RESOLUTION, "00000258 0000012c"),
    (ValueTag.RANGE_OF_INTEGER, "00000001"),
    (ValueTag.TEXT_WITH_LANGUAGE, "0002 656e 0009 68656c6c6f"),  # text length too big
    (ValueTag.TEXT_WITH_LANGUAGE, "0009 656e"),                  # language runs past
    (ValueTag.NAME_WITH_LANGUAGE, "0002 656e 0001 41 42"),      # trailing octet
    (ValueTag.TEXT, "ff fe"),                                    # not UTF-8
    (ValueTag.KEYWORD, "c3"),
])
def test_malformed_values_raise_a_bad_request_parse_error(tag: int, octets: str) -> None:
    with pytest.raises(IppParseError) as caught:
        decode_value(tag, bytes.fromhex(octets))
    assert caught.value.status == StatusCode.CLIENT_ERROR_BAD_REQUEST


@pytest.mark.parametrize(("tag", "value"), [
    (ValueTag.INTEGER, 2**31),
    (ValueTag.INTEGER, "1"),
    (ValueTag.BOOLEAN, 1),
    (ValueTag.RESOLUTION, Resolution(1, 1, 300)),
    (ValueTag.RANGE_OF_INTEGER, (1, 2)),
    (ValueTag.KEYWORD, b"bytes"),
    (ValueTag.TEXT, "\ud800"),
    (ValueTag.NO_VALUE, OutOfBand(ValueTag.UNKNOWN)),
    (ValueTag.DATE_TIME, b"\x00" * 11),
    (ValueTag.OCTET_STRING, Collection()),
])
def test_a_value_that_does_not_fit_its_tag_is_an_encode_error(tag: int, value: Value) -> None:
    with pytest.raises(IppEncodeError):
        encode_value(tag, value)


def test_out_of_band_values_ignore_stray_value_octets() -> None:
    assert decode_value(ValueTag.NO_VALUE, b"junk") == OutOfBand(ValueTag.NO_VALUE)
    assert repr(OutOfBand(ValueTag.NO_VALUE)) == "OutOfBand(NO_VALUE)"


def test_text_longer_than_the_limit_is_request_value_too_long() -> None:
    assert decode_value(ValueTag.TEXT, b"a" * 1023) == "a" * 1023
    for tag, octets in [(ValueTag.TEXT, b"a" * 1024), (ValueTag.NAME, b"a" * 1024),
                        (ValueTag.TEXT_WITH_LANGUAGE, b"\x00\x02en\x04\x00" + b"a" * 1024)]:
        with pytest.raises(IppParseError) as caught:
            decode_value(tag, octets)
        assert caught.value.status == StatusCode.CLIENT_ERROR_REQUEST_VALUE_TOO_LONG
    assert decode_value(ValueTag.TEXT, b"a" * 2000, max_text_length=4000) == "a" * 2000
