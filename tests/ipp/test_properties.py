"""Invariants of the codec under generated and hostile input."""

from __future__ import annotations

from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

from printwarden.ipp import (
    Attribute,
    AttributeGroup,
    DelimiterTag,
    IppMessage,
    IppParseError,
    IppParser,
    ValueTag,
    decode,
    encode,
)
from tests.ipp.strategies import SCALAR_TAGS, deeply_nested, messages, scalar_values

FAST = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _has_collection_depth(message: IppMessage, depth: int) -> bool:
    def depth_of(values: tuple[object, ...]) -> int:
        best = 0
        for value in values:
            if hasattr(value, "values") and callable(value.values) and not isinstance(
                    value, bytes | str):
                members = list(value.values())  # a Collection
                best = max(best, 1 + max((depth_of(m.values) for m in members), default=0))
        return best

    return any(depth_of(a.values) >= depth for g in message.groups for a in g.values())


@FAST
@given(messages())
def test_generated_messages_round_trip_exactly(message: IppMessage) -> None:
    wire = encode(message)
    decoded, offset = decode(wire + b"%PDF-1.7 document data")
    assert offset == len(wire)
    assert decoded == message
    assert encode(decoded) == wire


def test_the_generator_reaches_collections_three_deep() -> None:
    seen: list[bool] = []

    @settings(max_examples=200, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(messages())
    def probe(message: IppMessage) -> None:
        seen.append(_has_collection_depth(message, 3))

    probe()
    assert any(seen)


@FAST
@given(messages(), st.data())
def test_the_parser_gives_the_same_result_for_any_chunking(
        message: IppMessage, data: st.DataObject) -> None:
    wire = encode(message) + b"DOCUMENT"
    parser = IppParser()
    pos, done = 0, False
    while not done:
        size = data.draw(st.integers(1, 64))
        done = parser.feed(wire[pos:pos + size])
        pos += size
    assert parser.message == message
    assert parser.consumed == len(wire) - len(b"DOCUMENT")
    assert parser.leftover + wire[pos:] == b"DOCUMENT"


def _decode_or_error(data: bytes) -> IppMessage | None:
    try:
        message, offset = decode(data)
    except IppParseError as exc:
        assert exc.status in (0x0400, 0x0408, 0x0409)
        return None
    assert 8 <= offset <= len(data)
    return message


def _check_canonical(message: IppMessage) -> None:
    """Whatever decoded re-encodes, and that encoding decodes to the same message."""
    wire = encode(message)
    again, _ = decode(wire)
    assert again == message
    assert encode(again) == wire


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_decode_to_a_message_or_an_ipp_parse_error(data: bytes) -> None:
    message = _decode_or_error(data)
    if message is not None:
        _check_canonical(message)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    wire = bytearray(encode(draw(messages(depth=2))))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        at = draw(st.integers(0, max(len(wire) - 1, 0)))
        if kind == "flip" and wire:
            wire[at] = draw(st.integers(0, 255))
        elif kind == "insert":
            wire[at:at] = draw(st.binary(min_size=1, max_size=4))
        elif kind == "delete" and wire:
            del wire[at:at + draw(st.integers(1, 4))]
        else:
            del wire[at:]
    return bytes(wire)


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutated())
def test_mutated_messages_decode_to_a_message_or_an_ipp_parse_error(data: bytes) -> None:
    message = _decode_or_error(data)
    if message is not None:
        _check_canonical(message)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutated())
def test_the_parser_and_decode_agree_on_hostile_input(data: bytes) -> None:
    parser = IppParser()
    try:
        expected: object = decode(data)[0]
    except IppParseError as exc:
        expected = exc.status
    try:
        for index in range(len(data)):
            if parser.feed(data[index:index + 1]):
                break
        got: object = parser.close()
    except IppParseError as exc:
        got = exc.status
    assert got == expected


def test_one_message_with_every_tag_round_trips() -> None:
    attributes = [Attribute(f"t-{tag:02x}", tag, (find(scalar_values(tag), lambda _: True),))
                  for tag in SCALAR_TAGS]
    attributes.append(Attribute("extended", 0x12345678, (b"ext",)))
    attributes.append(deeply_nested(3))
    message = IppMessage(0x0B, 9, [AttributeGroup(DelimiterTag.PRINTER, attributes)])
    wire = encode(message)
    decoded, offset = decode(wire)
    assert decoded == message and offset == len(wire)
    assert encode(decoded) == wire
    assert {a.tag for a in decoded.groups[0].values()} >= set(SCALAR_TAGS) | {
        0x12345678, ValueTag.BEG_COLLECTION}
