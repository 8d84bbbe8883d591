"""Whole messages against octets written out by hand (RFC 8010 sections 3 and A)."""

from __future__ import annotations

import pytest

from printwarden.ipp import (
    Attribute,
    AttributeGroup,
    Collection,
    DelimiterTag,
    IppEncodeError,
    IppMessage,
    IppParseError,
    OutOfBand,
    Resolution,
    StatusCode,
    ValueTag,
    attr,
    boolean,
    charset,
    collection,
    decode,
    encode,
    integer,
    keyword,
    name,
    natural_language,
    uri,
)


def h(spec: str) -> bytes:
    """Hex with spaces, and "quoted" ASCII strings, into bytes."""
    out = bytearray()
    for token in spec.split():
        out += token[1:-1].encode() if token.startswith('"') else bytes.fromhex(token)
    return bytes(out)


# RFC 8010 A.2-like Print-Job request with one job attribute group and document data.
PRINT_JOB = h("""
    01 01  0002  00000001
    01
    47 0012 "attributes-charset" 0008 "us-ascii"
    48 001b "attributes-natural-language" 0005 "en-us"
    45 000b "printer-uri" 0015 "ipp://printer.example"
    42 0008 "job-name" 0006 "foobar"
    22 0016 "ipp-attribute-fidelity" 0001 01
    02
    21 0006 "copies" 0004 00000014
    44 0005 "sides" 0013 "two-sided-long-edge"
    03
""")


def print_job_message() -> IppMessage:
    return IppMessage(0x0002, 1, [
        AttributeGroup(DelimiterTag.OPERATION, [
            charset("attributes-charset", "us-ascii"),
            natural_language("attributes-natural-language", "en-us"),
            uri("printer-uri", "ipp://printer.example"),
            name("job-name", "foobar"),
            boolean("ipp-attribute-fidelity", True),
        ]),
        AttributeGroup(DelimiterTag.JOB, [
            integer("copies", 20),
            keyword("sides", "two-sided-long-edge"),
        ]),
    ], version=(1, 1))


def test_a_print_job_request_encodes_to_the_rfc_octets() -> None:
    assert encode(print_job_message()) == PRINT_JOB


def test_a_print_job_request_decodes_and_reports_where_the_document_starts() -> None:
    message, offset = decode(PRINT_JOB + b"%!PS-Adobe-3.0")
    assert message == print_job_message()
    assert offset == len(PRINT_JOB)
    assert message.version == (1, 1)
    assert message.operation_id == 0x0002
    assert message.get(DelimiterTag.JOB, "copies") == integer("copies", 20)
    assert message.get(DelimiterTag.PRINTER, "copies") is None
    assert message.operation_attributes is not None
    assert message.operation_attributes["job-name"].value == "foobar"
    assert list(message.job_attributes or ()) == ["copies", "sides"]


def test_decode_accepts_a_memoryview_and_a_bytearray() -> None:
    data = PRINT_JOB + b"DOC"
    assert decode(memoryview(data))[0] == decode(bytearray(data))[0] == print_job_message()


# RFC 8010 section 3.1.6: a collection "media-col" with a nested "media-size".
MEDIA_COL = h("""
    02 00  0000  0000002a
    04
    34 0009 "media-col" 0000
      4a 0000 000a "media-size"
      34 0000 0000
        4a 0000 000b "x-dimension"
        21 0000 0004 00005208
        4a 0000 000b "y-dimension"
        21 0000 0004 00006d24
      37 0000 0000
      4a 0000 000b "media-color"
      44 0000 0004 "blue"
      44 0000 0003 "red"
    37 0000 0000
    34 0000 0000
    37 0000 0000
    03
""")


def media_col_message() -> IppMessage:
    size = collection("media-size", [integer("x-dimension", 21000),
                                     integer("y-dimension", 27940)])
    return IppMessage(StatusCode.SUCCESSFUL_OK, 42, [AttributeGroup(DelimiterTag.PRINTER, [
        collection("media-col", [size, keyword("media-color", "blue", "red")], []),
    ])])


def test_a_nested_collection_with_a_1setof_member_matches_the_octets() -> None:
    assert encode(media_col_message()) == MEDIA_COL
    message, _ = decode(MEDIA_COL)
    assert message == media_col_message()
    media_col = message.get(DelimiterTag.PRINTER, "media-col")
    assert media_col is not None and len(media_col.values) == 2
    first = media_col.values[0]
    assert isinstance(first, Collection)
    assert list(first) == ["media-size", "media-color"]
    assert first["media-color"].values == ("blue", "red")
    size = first["media-size"].value
    assert isinstance(size, Collection) and size["y-dimension"].value == 27940
    assert media_col.values[1] == Collection()


def test_1setof_values_of_mixed_syntax_keep_each_tag() -> None:
    sheets = Attribute.mixed("job-sheets", [(ValueTag.KEYWORD, "none"), (ValueTag.NAME, "mine")])
    wire = h("""01 01 0002 00000007 02
        44 000a "job-sheets" 0004 "none"
        42 0000 0004 "mine"
        03""")
    message = IppMessage(2, 7, [AttributeGroup(DelimiterTag.JOB, [sheets])], version=(1, 1))
    assert encode(message) == wire
    decoded = decode(wire)[0].get(DelimiterTag.JOB, "job-sheets")
    assert decoded == sheets
    assert decoded is not None and [decoded.tag_of(0), decoded.tag_of(1)] == [0x44, 0x42]


def test_extension_tags_carry_the_real_tag_in_four_octets() -> None:
    wire = h('02 00 000b 00000001 04 7f 0003 "ext" 0007 00001234 "abc" 03')
    message = IppMessage(0x0B, 1, [AttributeGroup(DelimiterTag.PRINTER, [
        Attribute("ext", 0x1234, (b"abc",))])])
    assert encode(message) == wire
    assert decode(wire)[0] == message


def test_out_of_band_and_unknown_tags_survive_a_round_trip() -> None:
    wire = h("""02 00 0000 00000003 04
        13 0015 "printer-state-message" 0000
        10 0006 "finish" 0000
        5f 0007 "private" 0002 0102
        03""")
    message, _ = decode(wire)
    group = message.printer_attributes
    assert group is not None
    assert group["printer-state-message"].value == OutOfBand(ValueTag.NO_VALUE)
    assert group["finish"].value == OutOfBand(ValueTag.UNSUPPORTED)
    assert group["private"] == Attribute("private", 0x5F, (b"\x01\x02",))
    assert encode(message) == wire


def test_empty_groups_repeated_group_tags_and_unknown_group_tags_are_kept() -> None:
    wire = h('02 00 0000 00000001 01 02 02 21 0006 "job-id" 0004 00000005 0f 03')
    message, _ = decode(wire)
    assert [g.tag for g in message.groups] == [1, 2, 2, 0x0F]
    assert [len(g) for g in message.groups] == [0, 0, 1, 0]
    assert len(message.groups_with(DelimiterTag.JOB)) == 2
    assert encode(message) == wire


BAD_REQUESTS = {
    "short header": "0200 000b 0000",
    "no end tag": '0200 000b 00000001 01 21 0001 "a" 0004 00000001',
    "attribute before a group": '0200 000b 00000001 21 0001 "a" 0004 00000001 03',
    "additional value first": "0200 000b 00000001 01 21 0000 0004 00000001 03",
    "member name outside a collection": '0200 000b 00000001 01 4a 0000 0001 "a" 03',
    "end collection outside": "0200 000b 00000001 01 37 0000 0000 03",
    "unterminated collection": '0200 000b 00000001 01 34 0001 "c" 0000 03',
    "member without value": '0200 000b 00000001 01 34 0001 "c" 0000 4a 0000 0001 "m" '
                            "37 0000 0000 03",
    "value without member name": '0200 000b 00000001 01 34 0001 "c" 0000 21 0000 0004 00000001 '
                                 "37 0000 0000 03",
    "named attribute in a collection": '0200 000b 00000001 01 34 0001 "c" 0000 '
                                       '21 0001 "x" 0004 00000001 37 0000 0000 03',
    "repeated member": '0200 000b 00000001 01 34 0001 "c" 0000 4a 0000 0001 "m" 22 0000 0001 01 '
                       '4a 0000 0001 "m" 22 0000 0001 00 37 0000 0000 03',
    "empty member name": '0200 000b 00000001 01 34 0001 "c" 0000 4a 0000 0000 22 0000 0001 01 '
                         "37 0000 0000 03",
    "repeated attribute": '0200 000b 00000001 01 22 0001 "a" 0001 01 22 0001 "a" 0001 00 03',
    "negative name length": "0200 000b 00000001 01 22 8000",
    "negative value length": '0200 000b 00000001 01 22 0001 "a" ffff',
    "extension tag below 0x100": '0200 000b 00000001 01 7f 0001 "e" 0004 00000021 03',
    "extension tag negative": '0200 000b 00000001 01 7f 0001 "e" 0004 80000000 03',
    "extension without tag": '0200 000b 00000001 01 7f 0001 "e" 0002 0000 03',
    "reserved delimiter 0x00": "0200 000b 00000001 00 03",
    "name not UTF-8": "0200 000b 00000001 01 22 0001 ff 0001 01 03",
    "bad integer length": '0200 000b 00000001 01 21 0001 "a" 0002 0001 03',
}


@pytest.mark.parametrize("wire", BAD_REQUESTS.values(), ids=BAD_REQUESTS.keys())
def test_malformed_messages_are_bad_requests(wire: str) -> None:
    with pytest.raises(IppParseError) as caught:
        decode(h(wire))
    assert caught.value.status == StatusCode.CLIENT_ERROR_BAD_REQUEST
    assert caught.value.message


def _one(attribute: Attribute, group_tag: int = DelimiterTag.OPERATION) -> IppMessage:
    return IppMessage(0x0B, 1, [AttributeGroup(group_tag, [attribute])])


@pytest.mark.parametrize("message", [
    IppMessage(0x0B, 2**31),
    IppMessage(0x10000, 1),
    IppMessage(0x0B, 1, version=(256, 0)),
    IppMessage(0x0B, 1, [AttributeGroup(DelimiterTag.END_OF_ATTRIBUTES)]),
    IppMessage(0x0B, 1, [AttributeGroup(0x21)]),
    _one(Attribute("", ValueTag.INTEGER, (1,))),
    _one(Attribute("m", ValueTag.MEMBER_ATTR_NAME, ("x",))),
    _one(Attribute("e", ValueTag.END_COLLECTION, (b"",))),
    _one(Attribute("e", ValueTag.EXTENSION, (b"",))),
    _one(Attribute("e", 0x80000000, (b"",))),
    _one(Attribute("e", 0x1234, ("not bytes",))),
    _one(Attribute("c", ValueTag.BEG_COLLECTION, ("not a collection",))),
    _one(Attribute("t", ValueTag.OCTET_STRING, (b"x" * 32768,))),
    _one(Attribute("n" * 32768, ValueTag.OCTET_STRING, (b"x",))),
    _one(attr("r", Resolution(1, 1), tag=ValueTag.INTEGER)),
])
def test_messages_that_cannot_be_put_on_the_wire_raise_encode_errors(
        message: IppMessage) -> None:
    with pytest.raises(IppEncodeError) as caught:
        encode(message)
    assert caught.value.status == StatusCode.SERVER_ERROR_INTERNAL_ERROR
