"""RFC 8011 section 4.1 request checks and the responses built for them."""

from __future__ import annotations

import pytest

from printwarden.ipp import (
    Attribute,
    AttributeGroup,
    DelimiterTag,
    IppMessage,
    IppParseError,
    IppParser,
    IppRequestError,
    NameWithLanguage,
    Operation,
    StatusCode,
    ValueTag,
    attr,
    charset,
    decode,
    encode,
    integer,
    keyword,
    name,
    natural_language,
    out_of_band,
    response_for,
    uri,
    validate_request,
)

PRINTER = "ipp://127.0.0.1:631/ipp/print/q"
CHARSET = charset("attributes-charset", "utf-8")
LANGUAGE = natural_language("attributes-natural-language", "en")
PRINTER_URI = uri("printer-uri", PRINTER)


def request(*attributes: Attribute, op: int = Operation.GET_PRINTER_ATTRIBUTES,
            version: tuple[int, int] = (2, 0), request_id: int = 1,
            extra: tuple[AttributeGroup, ...] = ()) -> IppMessage:
    group = AttributeGroup(DelimiterTag.OPERATION, attributes)
    return IppMessage(op, request_id, [group, *extra], version)


def refused(message: IppMessage, **kwargs: object) -> int:
    with pytest.raises(IppRequestError) as caught:
        validate_request(message, **kwargs)  # type: ignore[arg-type]
    assert caught.value.message
    return caught.value.status


def test_a_well_formed_get_printer_attributes_passes_with_its_facts() -> None:
    valid = validate_request(request(CHARSET, LANGUAGE, PRINTER_URI,
                                     name("requesting-user-name", "alice")))
    assert valid.operation == Operation.GET_PRINTER_ATTRIBUTES
    assert (valid.charset, valid.natural_language) == ("utf-8", "en")
    assert valid.printer_uri == PRINTER and valid.job_uri is None and valid.job_id is None
    assert valid.requesting_user_name == "alice"
    assert valid.request_id == 1 and valid.version == (2, 0)


@pytest.mark.parametrize("version", [(1, 0), (1, 1), (2, 0), (2, 1), (2, 2)])
def test_every_published_ipp_version_is_accepted(version: tuple[int, int]) -> None:
    assert validate_request(request(CHARSET, LANGUAGE, PRINTER_URI, version=version)).version \
        == version


@pytest.mark.parametrize("version", [(0, 0), (3, 0), (1, 2), (2, 3)])
def test_other_versions_are_version_not_supported(version: tuple[int, int]) -> None:
    message = request(CHARSET, LANGUAGE, PRINTER_URI, version=version)
    assert refused(message) == StatusCode.SERVER_ERROR_VERSION_NOT_SUPPORTED


def test_the_version_is_checked_before_anything_else() -> None:
    assert refused(request(version=(3, 0), request_id=0)) == \
        StatusCode.SERVER_ERROR_VERSION_NOT_SUPPORTED


@pytest.mark.parametrize("request_id", [0, -1])
def test_a_request_id_below_one_is_a_bad_request(request_id: int) -> None:
    message = request(CHARSET, LANGUAGE, PRINTER_URI, request_id=request_id)
    assert refused(message) == StatusCode.CLIENT_ERROR_BAD_REQUEST


BAD = StatusCode.CLIENT_ERROR_BAD_REQUEST
STRUCTURE = {
    "no operation attributes": request(),
    "charset missing": request(LANGUAGE, PRINTER_URI),
    "natural language missing": request(CHARSET, PRINTER_URI),
    "wrong order": request(LANGUAGE, CHARSET, PRINTER_URI),
    "charset not first": request(PRINTER_URI, CHARSET, LANGUAGE),
    "charset with keyword tag": request(keyword("attributes-charset", "utf-8"), LANGUAGE,
                                        PRINTER_URI),
    "two charsets": request(charset("attributes-charset", "utf-8", "utf-8"), LANGUAGE,
                            PRINTER_URI),
    "language with text tag": request(CHARSET, attr("attributes-natural-language", "en"),
                                      PRINTER_URI),
    "printer-uri missing": request(CHARSET, LANGUAGE),
    "printer-uri as a name": request(CHARSET, LANGUAGE, name("printer-uri", PRINTER)),
    "two printer-uris": request(CHARSET, LANGUAGE, uri("printer-uri", PRINTER, PRINTER)),
    "user name as a keyword": request(CHARSET, LANGUAGE, PRINTER_URI,
                                      keyword("requesting-user-name", "bob")),
    "job group first": IppMessage(Operation.GET_PRINTER_ATTRIBUTES, 1, [
        AttributeGroup(DelimiterTag.JOB),
        AttributeGroup(DelimiterTag.OPERATION, [CHARSET, LANGUAGE, PRINTER_URI])]),
    "two operation groups": request(CHARSET, LANGUAGE, PRINTER_URI, extra=(
        AttributeGroup(DelimiterTag.OPERATION, [CHARSET]),)),
    "no groups": IppMessage(Operation.GET_PRINTER_ATTRIBUTES, 1, []),
}


@pytest.mark.parametrize("message", STRUCTURE.values(), ids=STRUCTURE.keys())
def test_a_malformed_operation_group_is_a_bad_request(message: IppMessage) -> None:
    assert refused(message) == BAD


def test_an_unsupported_charset_is_charset_not_supported_and_case_does_not_matter() -> None:
    message = request(charset("attributes-charset", "iso-8859-1"), LANGUAGE, PRINTER_URI)
    assert refused(message) == StatusCode.CLIENT_ERROR_CHARSET_NOT_SUPPORTED
    upper = validate_request(request(charset("attributes-charset", "UTF-8"), LANGUAGE,
                                     PRINTER_URI))
    assert upper.charset == "utf-8"


@pytest.mark.parametrize(("target", "ok"), [
    ((PRINTER_URI, integer("job-id", 7)), True),
    ((uri("job-uri", PRINTER + "/7"),), True),
    ((PRINTER_URI,), False),
    ((integer("job-id", 7),), False),
    ((PRINTER_URI, integer("job-id", 0)), False),
    ((PRINTER_URI, keyword("job-id", "7")), False),
    ((PRINTER_URI, integer("job-id", 7, 8)), False),
    ((name("job-uri", PRINTER + "/7"),), False),
])
def test_job_operations_need_job_uri_or_printer_uri_and_job_id(
        target: tuple[Attribute, ...], ok: bool) -> None:
    message = request(CHARSET, LANGUAGE, *target, op=Operation.CANCEL_JOB)
    if ok:
        valid = validate_request(message)
        assert valid.job_id == 7 or valid.job_uri == PRINTER + "/7"
    else:
        assert refused(message) == BAD


def test_cups_server_operations_need_no_printer_uri() -> None:
    assert validate_request(request(CHARSET, LANGUAGE, op=Operation.CUPS_GET_PRINTERS))
    assert validate_request(request(CHARSET, LANGUAGE, uri("job-uri", PRINTER + "/3"),
                                    op=Operation.CUPS_MOVE_JOB)).job_uri == PRINTER + "/3"


def test_an_operation_outside_the_supported_set_is_operation_not_supported() -> None:
    message = request(CHARSET, LANGUAGE, PRINTER_URI, op=Operation.PRINT_URI)
    supported = {Operation.PRINT_JOB, Operation.GET_PRINTER_ATTRIBUTES}
    assert refused(message, operations=supported) == \
        StatusCode.SERVER_ERROR_OPERATION_NOT_SUPPORTED
    assert refused(request(CHARSET, LANGUAGE, PRINTER_URI, op=0x7777),
                   operations=supported) == StatusCode.SERVER_ERROR_OPERATION_NOT_SUPPORTED


def test_the_user_name_may_carry_a_language() -> None:
    user = Attribute("requesting-user-name", ValueTag.NAME_WITH_LANGUAGE,
                     (NameWithLanguage("zoë", "fr"),))
    assert validate_request(request(CHARSET, LANGUAGE, PRINTER_URI, user)) \
        .requesting_user_name == "zoë"


def test_a_response_echoes_version_and_request_id_and_lists_unsupported_attributes() -> None:
    req = request(CHARSET, LANGUAGE, PRINTER_URI, version=(1, 1), request_id=77)
    printer = AttributeGroup(DelimiterTag.PRINTER, [name("printer-name", "q")])
    response = response_for(req, StatusCode.SUCCESSFUL_OK_IGNORED_OR_SUBSTITUTED_ATTRIBUTES,
                            message="some attributes were ignored",
                            unsupported=[out_of_band("finishings", ValueTag.UNSUPPORTED)],
                            groups=[printer])
    assert (response.version, response.request_id) == ((1, 1), 77)
    assert response.status_code == 0x0001
    assert [g.tag for g in response.groups] == [1, 5, 4]
    operation = response.operation_attributes
    assert operation is not None
    assert list(operation) == ["attributes-charset", "attributes-natural-language",
                               "status-message"]
    assert operation["attributes-charset"] == charset("attributes-charset", "utf-8")
    assert operation["status-message"].tag == ValueTag.TEXT
    assert decode(encode(response))[0] == response


def test_a_response_without_message_or_unsupported_attributes_is_minimal() -> None:
    response = response_for(request(CHARSET, LANGUAGE, PRINTER_URI), StatusCode.SUCCESSFUL_OK)
    assert len(response.groups) == 1
    assert "status-message" not in response.groups[0]
    long = response_for(request(), StatusCode.CLIENT_ERROR_BAD_REQUEST, message="x" * 400)
    assert len(str(long.groups[0]["status-message"].value)) == 255


@pytest.mark.parametrize(("asked", "answered"), [((0, 0), (1, 0)), ((3, 0), (2, 2)),
                                                 ((1, 5), (1, 1)), ((2, 1), (2, 1))])
def test_an_unsupported_version_is_answered_with_the_closest_supported_one(
        asked: tuple[int, int], answered: tuple[int, int]) -> None:
    assert response_for(request(version=asked), 0x0503).version == answered


def test_a_response_can_answer_a_request_that_failed_to_parse_from_its_header() -> None:
    parser = IppParser()
    with pytest.raises(IppParseError):
        parser.feed(bytes.fromhex("0101000b0000002a") + b"\x00")  # reserved tag
    header = parser.header
    assert header is not None
    response = response_for(header, StatusCode.CLIENT_ERROR_BAD_REQUEST, message="bad")
    assert (response.version, response.request_id) == ((1, 1), 42)
