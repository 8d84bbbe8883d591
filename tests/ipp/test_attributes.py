"""Attributes, groups, helpers and message conveniences."""

from __future__ import annotations

import datetime as dt

import pytest

from printwarden.ipp import (
    Attribute,
    AttributeGroup,
    Collection,
    DelimiterTag,
    IppMessage,
    NameWithLanguage,
    Operation,
    OutOfBand,
    RangeOfInteger,
    Resolution,
    StatusCode,
    TextWithLanguage,
    ValueTag,
    attr,
    collection,
    enum,
    integer,
    keyword,
    out_of_band,
    tag_for,
)


@pytest.mark.parametrize(("value", "tag"), [
    (True, ValueTag.BOOLEAN),
    (7, ValueTag.INTEGER),
    ("words", ValueTag.TEXT),
    (b"\x00", ValueTag.OCTET_STRING),
    (dt.datetime(2024, 1, 1, tzinfo=dt.UTC), ValueTag.DATE_TIME),
    (Resolution(300, 300), ValueTag.RESOLUTION),
    (RangeOfInteger(1, 9), ValueTag.RANGE_OF_INTEGER),
    (TextWithLanguage("t", "en"), ValueTag.TEXT_WITH_LANGUAGE),
    (NameWithLanguage("n", "en"), ValueTag.NAME_WITH_LANGUAGE),
    (Collection(), ValueTag.BEG_COLLECTION),
    (OutOfBand(ValueTag.UNKNOWN), ValueTag.UNKNOWN),
])
def test_the_default_tag_follows_the_python_type(value: object, tag: int) -> None:
    assert tag_for(value) == tag  # type: ignore[arg-type]
    assert attr("x", value).tag == tag  # type: ignore[arg-type]


def test_an_explicit_tag_wins_and_unknown_types_are_refused() -> None:
    assert attr("sides", "one-sided", tag=ValueTag.KEYWORD) == keyword("sides", "one-sided")
    with pytest.raises(TypeError):
        tag_for(1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        attr("empty")


def test_an_attribute_needs_a_value_and_one_tag_per_value() -> None:
    with pytest.raises(ValueError):
        Attribute("a", ValueTag.INTEGER, ())
    with pytest.raises(ValueError):
        Attribute("a", ValueTag.INTEGER, (1, 2), (ValueTag.INTEGER,))
    with pytest.raises(ValueError):
        Attribute("a", ValueTag.INTEGER, (1,), (ValueTag.ENUM,))
    with pytest.raises(ValueError):
        Attribute.mixed("a", [])


def test_value_tags_that_all_match_collapse_so_equal_attributes_compare_equal() -> None:
    mixed = Attribute.mixed("n", [(ValueTag.INTEGER, 1), (ValueTag.INTEGER, 2)])
    assert mixed == integer("n", 1, 2)
    assert mixed.value_tags == ()
    assert list(mixed.tagged_values()) == [(ValueTag.INTEGER, 1), (ValueTag.INTEGER, 2)]


def test_enum_helper_accepts_int_enums_and_stores_plain_ints() -> None:
    attribute = enum("operations-supported", Operation.PRINT_JOB, Operation.GET_JOBS)
    assert attribute.values == (2, 10)
    assert out_of_band("x", ValueTag.NO_VALUE).value == OutOfBand(ValueTag.NO_VALUE)
    with pytest.raises(ValueError):
        out_of_band("x", ValueTag.INTEGER)


def test_a_group_keeps_wire_order_and_refuses_a_second_attribute_of_a_name() -> None:
    group = AttributeGroup(DelimiterTag.JOB, [integer("b", 1), integer("a", 2)])
    assert list(group) == ["b", "a"]
    with pytest.raises(ValueError):
        group.add(integer("a", 3))
    group["b"] = integer("b", 9)
    assert list(group) == ["b", "a"] and group["b"].value == 9
    with pytest.raises(ValueError):
        group["c"] = integer("d", 1)
    del group["b"]
    assert "b" not in group and len(group) == 1
    assert group != AttributeGroup(DelimiterTag.PRINTER, [integer("a", 2)])
    assert group == AttributeGroup(DelimiterTag.JOB, [integer("a", 2)])
    assert "JOB" in repr(group)


def test_collections_are_ordered_and_refuse_repeated_members() -> None:
    media = collection("media-col", [integer("y", 1), integer("x", 2)])
    value = media.value
    assert isinstance(value, Collection)
    assert list(value) == ["y", "x"]
    assert value != Collection([integer("x", 2), integer("y", 1)])
    with pytest.raises(ValueError):
        Collection([integer("x", 1), integer("x", 2)])


def test_message_conveniences_find_groups_and_attributes() -> None:
    message = IppMessage(StatusCode.SUCCESSFUL_OK, 5)
    message.add_group(DelimiterTag.OPERATION)
    message.add_group(DelimiterTag.JOB, (integer("job-id", 1),))
    message.add_group(DelimiterTag.JOB, (integer("job-id", 2),))
    assert message.status_code == 0 and message.version == (2, 0)
    assert message.job_attributes is not None
    assert message.job_attributes["job-id"].value == 1
    assert [g["job-id"].value for g in message.groups_with(DelimiterTag.JOB)] == [1, 2]
    assert message.printer_attributes is None
    assert message.unsupported_attributes is None
    assert message.document_attributes is None
    assert message.get(DelimiterTag.OPERATION, "job-id") is None


def test_operation_and_status_keywords_match_the_specs() -> None:
    assert Operation.GET_PRINTER_ATTRIBUTES.keyword == "Get-Printer-Attributes"
    assert Operation.CUPS_GET_PRINTERS.keyword == "CUPS-Get-Printers"
    assert Operation.from_keyword("cancel-my-jobs") is Operation.CANCEL_MY_JOBS
    assert StatusCode(0x0503).keyword == "server-error-version-not-supported"
    assert StatusCode.from_keyword("client-error-bad-request") == 0x0400
    assert StatusCode.SUCCESSFUL_OK_CONFLICTING_ATTRIBUTES.is_successful
    assert not StatusCode.CLIENT_ERROR_GONE.is_successful
    with pytest.raises(ValueError):
        Operation.from_keyword("Print-Everything")
    with pytest.raises(ValueError):
        StatusCode.from_keyword("client-error-oops")


@pytest.mark.parametrize(("code", "keyword"), [
    (0x0000, "successful-ok"),
    (0x0001, "successful-ok-ignored-or-substituted-attributes"),
    (0x0002, "successful-ok-conflicting-attributes"),
    (0x0400, "client-error-bad-request"), (0x0401, "client-error-forbidden"),
    (0x0402, "client-error-not-authenticated"), (0x0403, "client-error-not-authorized"),
    (0x0404, "client-error-not-possible"), (0x0405, "client-error-timeout"),
    (0x0406, "client-error-not-found"), (0x0407, "client-error-gone"),
    (0x0408, "client-error-request-entity-too-large"),
    (0x0409, "client-error-request-value-too-long"),
    (0x040A, "client-error-document-format-not-supported"),
    (0x040B, "client-error-attributes-or-values-not-supported"),
    (0x040C, "client-error-uri-scheme-not-supported"),
    (0x040D, "client-error-charset-not-supported"),
    (0x040E, "client-error-conflicting-attributes"),
    (0x040F, "client-error-compression-not-supported"),
    (0x0410, "client-error-compression-error"), (0x0411, "client-error-document-format-error"),
    (0x0412, "client-error-document-access-error"),
    (0x0500, "server-error-internal-error"), (0x0501, "server-error-operation-not-supported"),
    (0x0502, "server-error-service-unavailable"), (0x0503, "server-error-version-not-supported"),
    (0x0504, "server-error-device-error"), (0x0505, "server-error-temporary-error"),
    (0x0506, "server-error-not-accepting-jobs"), (0x0507, "server-error-busy"),
    (0x0508, "server-error-job-canceled"),
    (0x0509, "server-error-multiple-document-jobs-not-supported"),
])
def test_every_rfc_8011_status_code_has_its_registered_value(code: int, keyword: str) -> None:
    assert StatusCode(code).keyword == keyword


@pytest.mark.parametrize(("code", "keyword"), [
    (0x0002, "Print-Job"), (0x0003, "Print-URI"), (0x0004, "Validate-Job"),
    (0x0005, "Create-Job"), (0x0006, "Send-Document"), (0x0008, "Cancel-Job"),
    (0x0009, "Get-Job-Attributes"), (0x000A, "Get-Jobs"), (0x000B, "Get-Printer-Attributes"),
    (0x000C, "Hold-Job"), (0x000D, "Release-Job"), (0x000E, "Restart-Job"),
    (0x0010, "Pause-Printer"), (0x0011, "Resume-Printer"), (0x0012, "Purge-Jobs"),
    (0x0014, "Set-Job-Attributes"), (0x0039, "Cancel-My-Jobs"), (0x003B, "Close-Job"),
    (0x003C, "Identify-Printer"), (0x003D, "Validate-Document"), (0x4002, "CUPS-Get-Printers"),
])
def test_operation_ids_have_their_registered_values(code: int, keyword: str) -> None:
    assert Operation(code).keyword == keyword
