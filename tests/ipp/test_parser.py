"""The incremental parser: any chunking, leftover document data, and the limits."""

from __future__ import annotations

import pytest

from printwarden.ipp import (
    AttributeGroup,
    DelimiterTag,
    IppMessage,
    IppParseError,
    IppParser,
    MessageHeader,
    ParserLimits,
    StatusCode,
    decode,
    encode,
    octet_string,
    text,
)
from tests.ipp.strategies import deeply_nested
from tests.ipp.test_codec import MEDIA_COL, PRINT_JOB, h, media_col_message, print_job_message


def test_fed_one_byte_at_a_time_the_parser_finds_the_message_and_the_document() -> None:
    data = PRINT_JOB + b"%!PS document"
    parser = IppParser()
    results = [parser.feed(data[i:i + 1]) for i in range(len(PRINT_JOB))]
    assert results == [False] * (len(PRINT_JOB) - 1) + [True]
    assert parser.complete
    assert parser.message == print_job_message()
    assert parser.leftover == b""
    assert parser.consumed == len(PRINT_JOB)


def test_the_document_bytes_in_the_last_chunk_are_the_leftover() -> None:
    parser = IppParser()
    assert not parser.feed(MEDIA_COL[:50])
    assert parser.feed(memoryview(MEDIA_COL[50:] + b"DOC"))
    assert parser.message == media_col_message()
    assert parser.leftover == b"DOC"


def test_the_header_is_known_after_eight_octets() -> None:
    parser = IppParser()
    parser.feed(PRINT_JOB[:7])
    assert parser.header is None
    parser.feed(PRINT_JOB[7:9])
    assert parser.header == MessageHeader((1, 1), 2, 1)


def test_feeding_a_complete_parser_is_a_programming_error() -> None:
    parser = IppParser()
    parser.feed(PRINT_JOB)
    with pytest.raises(RuntimeError):
        parser.feed(b"more")


def test_the_message_is_unavailable_until_complete_and_close_reports_truncation() -> None:
    parser = IppParser()
    parser.feed(PRINT_JOB[:-1])
    with pytest.raises(RuntimeError):
        _ = parser.message
    with pytest.raises(IppParseError) as caught:
        parser.close()
    assert caught.value.status == StatusCode.CLIENT_ERROR_BAD_REQUEST


def test_an_error_sticks_to_the_parser() -> None:
    parser = IppParser()
    with pytest.raises(IppParseError) as first:
        parser.feed(h("0200 000b 00000001 00"))
    with pytest.raises(IppParseError) as second:
        parser.feed(b"\x00")
    assert second.value is first.value


def _message_of_size(target: int) -> bytes:
    """A valid message of exactly ``target`` octets (one octetString attribute)."""
    overhead = len(encode(IppMessage(0x0B, 1, [AttributeGroup(
        DelimiterTag.OPERATION, [octet_string("pad", b"")])])))
    return encode(IppMessage(0x0B, 1, [AttributeGroup(
        DelimiterTag.OPERATION, [octet_string("pad", b"x" * (target - overhead))])]))


def test_a_message_at_the_size_limit_passes_and_document_data_does_not_count() -> None:
    limits = ParserLimits(max_message_size=2000)
    wire = _message_of_size(2000)
    _, offset = decode(wire + b"D" * 100_000, limits=limits)
    assert offset == 2000
    parser = IppParser(limits)
    assert parser.feed(wire + b"D" * 10_000)
    assert len(parser.leftover) == 10_000


def test_a_message_over_the_size_limit_is_request_entity_too_large() -> None:
    limits = ParserLimits(max_message_size=2000)
    with pytest.raises(IppParseError) as caught:
        decode(_message_of_size(2001), limits=limits)
    assert caught.value.status == StatusCode.CLIENT_ERROR_REQUEST_ENTITY_TOO_LARGE


def test_an_announced_value_over_the_budget_fails_before_its_octets_arrive() -> None:
    parser = IppParser(ParserLimits(max_message_size=1000))
    with pytest.raises(IppParseError) as caught:
        parser.feed(h('0200 000b 00000001 01 30 0003 "pad" 7000'))
    assert caught.value.status == StatusCode.CLIENT_ERROR_REQUEST_ENTITY_TOO_LARGE


def test_many_small_attributes_add_up_to_the_limit() -> None:
    group = AttributeGroup(DelimiterTag.OPERATION,
                           [text(f"a{i}", "v" * 100) for i in range(20)])
    wire = encode(IppMessage(0x0B, 1, [group]))
    with pytest.raises(IppParseError) as caught:
        decode(wire, limits=ParserLimits(max_message_size=len(wire) - 1))
    assert caught.value.status == StatusCode.CLIENT_ERROR_REQUEST_ENTITY_TOO_LARGE
    assert decode(wire, limits=ParserLimits(max_message_size=len(wire)))[1] == len(wire)


def test_the_default_limit_is_one_mebibyte() -> None:
    assert ParserLimits().max_message_size == 1 << 20
    wire = _message_of_size(32000)
    many = h("0200 000b 00000001 01") + b"".join(
        h(f'30 0004 "p{i:03d}" 7d00') + b"x" * 32000 for i in range(40)) + b"\x03"
    assert decode(wire)[1] == 32000
    with pytest.raises(IppParseError) as caught:
        decode(many)
    assert caught.value.status == StatusCode.CLIENT_ERROR_REQUEST_ENTITY_TOO_LARGE


def test_a_value_over_the_configured_value_length_is_request_value_too_long() -> None:
    wire = _message_of_size(600)
    with pytest.raises(IppParseError) as caught:
        decode(wire, limits=ParserLimits(max_value_length=500))
    assert caught.value.status == StatusCode.CLIENT_ERROR_REQUEST_VALUE_TOO_LONG


def test_a_long_job_name_is_request_value_too_long() -> None:
    wire = h('0200 0002 00000001 01 42 0008 "job-name" 0400') + b"n" * 1024 + b"\x03"
    with pytest.raises(IppParseError) as caught:
        decode(wire)
    assert caught.value.status == StatusCode.CLIENT_ERROR_REQUEST_VALUE_TOO_LONG


@pytest.mark.parametrize(("depth", "limit", "ok"), [(16, 16, True), (17, 16, False),
                                                    (3, 3, True), (4, 3, False)])
def test_collections_nested_beyond_the_depth_limit_are_bad_requests(
        depth: int, limit: int, ok: bool) -> None:
    wire = encode(IppMessage(0x0B, 1, [AttributeGroup(DelimiterTag.PRINTER,
                                                      [deeply_nested(depth)])]))
    limits = ParserLimits(max_collection_depth=limit)
    if ok:
        assert decode(wire, limits=limits)[0].groups[0]["level-" + str(depth - 1)]
    else:
        with pytest.raises(IppParseError) as caught:
            decode(wire, limits=limits)
        assert caught.value.status == StatusCode.CLIENT_ERROR_BAD_REQUEST
        assert "deeper" in caught.value.message
