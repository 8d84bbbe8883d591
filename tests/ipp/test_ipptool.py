"""The real ``ipptool`` (CUPS) against our codec, over loopback HTTP."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest

from printwarden.ipp import (
    Attribute,
    AttributeGroup,
    DelimiterTag,
    IppMessage,
    NameWithLanguage,
    Operation,
    OutOfBand,
    RangeOfInteger,
    Resolution,
    StatusCode,
    ValueTag,
    attr,
    boolean,
    charset,
    collection,
    enum,
    integer,
    keyword,
    mime_media_type,
    name,
    natural_language,
    response_for,
    text,
    uri,
    validate_request,
)
from tests.ipp.http_twin import IppHttpTwin

IPPTOOL = shutil.which("ipptool")
SUITES = Path("/usr/share/cups/ipptool")
pytestmark = pytest.mark.skipif(IPPTOOL is None, reason="ipptool (cups-ipp-utils) not installed")
PATH = "/ipp/print/test"


def printer_attributes(printer_uri: str) -> AttributeGroup:
    media_size = collection("media-size", [integer("x-dimension", 21000),
                                           integer("y-dimension", 29700)])
    return AttributeGroup(DelimiterTag.PRINTER, [
        charset("charset-configured", "utf-8"),
        charset("charset-supported", "utf-8"),
        keyword("compression-supported", "none"),
        mime_media_type("document-format-default", "application/pdf"),
        mime_media_type("document-format-supported", "application/pdf",
                        "application/octet-stream"),
        natural_language("generated-natural-language-supported", "en"),
        keyword("ipp-versions-supported", "1.0", "1.1", "2.0"),
        collection("media-col-default", [media_size, keyword("media-type", "stationery")]),
        natural_language("natural-language-configured", "en"),
        enum("operations-supported", Operation.GET_PRINTER_ATTRIBUTES),
        text("printer-info", "printwarden codec twin"),
        boolean("printer-is-accepting-jobs", True),
        text("printer-location", "loopback"),
        text("printer-make-and-model", "printwarden twin"),
        uri("printer-more-info", "http://127.0.0.1/"),
        name("printer-name", "printwarden-test"),
        enum("printer-state", 3),
        keyword("printer-state-reasons", "none"),
        integer("printer-up-time", 1234),
        uri("printer-uri-supported", printer_uri),
        keyword("uri-authentication-supported", "none"),
        keyword("uri-security-supported", "none"),
        attr("printer-resolution-default", Resolution(600, 600)),
        attr("copies-supported", RangeOfInteger(1, 99)),
        attr("printer-current-time", dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.UTC)),
        Attribute.mixed("job-sheets-supported", [(ValueTag.KEYWORD, "none"),
                                                 (ValueTag.NAME, "standard")]),
        attr("printer-dns-sd-name", NameWithLanguage("Twin", "en")),
        Attribute("printer-geo-location", ValueTag.UNKNOWN, (OutOfBand(ValueTag.UNKNOWN),)),
    ])


def answer(request: IppMessage) -> IppMessage:
    valid = validate_request(request, operations={Operation.GET_PRINTER_ATTRIBUTES,
                                                  Operation.PRINT_JOB})
    assert valid.printer_uri is not None
    if valid.operation == Operation.PRINT_JOB:
        job = AttributeGroup(DelimiterTag.JOB, [
            integer("job-id", 7), uri("job-uri", valid.printer_uri + "/7"),
            enum("job-state", 3), keyword("job-state-reasons", "job-incoming")])
        return response_for(request, StatusCode.SUCCESSFUL_OK, groups=[job])
    return response_for(request, StatusCode.SUCCESSFUL_OK,
                        groups=[printer_attributes(valid.printer_uri)])


def run_ipptool(port: int, suite: Path | str,
                *options: str) -> subprocess.CompletedProcess[str]:
    assert IPPTOOL is not None
    return subprocess.run([IPPTOOL, "-tv", "-T", "20", *options,
                           f"ipp://127.0.0.1:{port}{PATH}", str(suite)],
                          capture_output=True, text=True, timeout=90, check=False)


def test_ipptool_stock_get_printer_attributes_suite_passes_and_we_decode_its_request() -> None:
    with IppHttpTwin(answer) as twin:
        result = run_ipptool(twin.port, SUITES / "get-printer-attributes.test")
    assert not twin.errors and not twin.crashes, (twin.errors, twin.crashes)
    assert len(twin.requests) == 1
    request = twin.requests[0]
    assert request.operation_id == Operation.GET_PRINTER_ATTRIBUTES
    assert request.version == (2, 0)
    assert request.request_id > 0
    operation = request.operation_attributes
    assert operation is not None
    assert list(operation)[:3] == ["attributes-charset", "attributes-natural-language",
                                   "printer-uri"]
    assert operation["attributes-charset"] == charset("attributes-charset", "utf-8")
    assert operation["printer-uri"] == uri("printer-uri", f"ipp://127.0.0.1:{twin.port}{PATH}")
    assert operation["requested-attributes"] == keyword("requested-attributes", "all",
                                                        "media-col-database")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "[PASS]" in result.stdout


OUR_SUITE = """
{
    NAME "every syntax we encode is what ipptool reads"
    OPERATION Get-Printer-Attributes
    VERSION 2.0
    GROUP operation-attributes-tag
    ATTR charset attributes-charset utf-8
    ATTR naturalLanguage attributes-natural-language en
    ATTR uri printer-uri $uri
    ATTR keyword requested-attributes printer-name,printer-state
    ATTR name requesting-user-name printwarden
    STATUS successful-ok
    EXPECT attributes-charset OF-TYPE charset IN-GROUP operation-attributes-tag WITH-VALUE utf-8
    EXPECT printer-name OF-TYPE name IN-GROUP printer-attributes-tag COUNT 1
           WITH-VALUE "printwarden-test"
    EXPECT printer-state OF-TYPE enum COUNT 1 WITH-VALUE 3
    EXPECT printer-is-accepting-jobs OF-TYPE boolean WITH-VALUE true
    EXPECT printer-up-time OF-TYPE integer WITH-VALUE 1234
    EXPECT operations-supported OF-TYPE enum WITH-VALUE 11
    EXPECT copies-supported OF-TYPE rangeOfInteger COUNT 1
    EXPECT printer-resolution-default OF-TYPE resolution COUNT 1
    EXPECT printer-current-time OF-TYPE dateTime COUNT 1
    EXPECT media-col-default OF-TYPE collection COUNT 1
    EXPECT media-col-default/media-size/x-dimension OF-TYPE integer WITH-VALUE 21000
    EXPECT job-sheets-supported OF-TYPE keyword|name COUNT 2
    EXPECT printer-dns-sd-name OF-TYPE name WITH-VALUE "Twin"
    EXPECT printer-geo-location OF-TYPE unknown
    EXPECT document-format-supported OF-TYPE mimeMediaType COUNT 2
    EXPECT !printer-make-and-model-foo
}
{
    NAME "an IPP/1.1 request is answered as IPP/1.1"
    OPERATION Get-Printer-Attributes
    VERSION 1.1
    GROUP operation-attributes-tag
    ATTR charset attributes-charset utf-8
    ATTR naturalLanguage attributes-natural-language en
    ATTR uri printer-uri $uri
    STATUS successful-ok
    EXPECT printer-name OF-TYPE name WITH-VALUE "printwarden-test"
}
{
    NAME "an unsupported operation"
    OPERATION Pause-Printer
    VERSION 2.0
    GROUP operation-attributes-tag
    ATTR charset attributes-charset utf-8
    ATTR naturalLanguage attributes-natural-language en
    ATTR uri printer-uri $uri
    STATUS server-error-operation-not-supported
    EXPECT !printer-name
}
"""


def test_ipptool_accepts_every_syntax_our_encoder_writes(tmp_path: Path) -> None:
    suite = tmp_path / "printwarden.test"
    suite.write_text(OUR_SUITE)
    with IppHttpTwin(answer) as twin:
        result = run_ipptool(twin.port, suite)
    assert not twin.crashes, twin.crashes
    assert [r.version for r in twin.requests] == [(2, 0), (1, 1), (2, 0)]
    assert [r.operation_id for r in twin.requests] == [Operation.GET_PRINTER_ATTRIBUTES] * 2 + [
        Operation.PAUSE_PRINTER]
    user = twin.requests[0].get(DelimiterTag.OPERATION, "requesting-user-name")
    assert user == name("requesting-user-name", "printwarden")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("[PASS]") == 3


def test_ipptool_rfc_8011_request_checks_get_the_statuses_they_expect(tmp_path: Path) -> None:
    """The opening tests of the stock ipp-1.1.test suite: request-id 0, missing or
    misordered charset and natural language, version 0.0, missing printer-uri."""
    stock = (SUITES / "ipp-1.1.test").read_text()
    opening = stock.split("# Test Print-Job operation")[0]
    assert opening.count("NAME ") >= 7
    suite = tmp_path / "ipp-1.1-request-checks.test"
    suite.write_text(opening)
    with IppHttpTwin(answer) as twin:
        result = run_ipptool(twin.port, suite)
    assert not twin.crashes, twin.crashes
    statuses = sorted({e.status for e in twin.errors})
    assert statuses == [StatusCode.CLIENT_ERROR_BAD_REQUEST,
                        StatusCode.SERVER_ERROR_VERSION_NOT_SUPPORTED]
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("[PASS]") == opening.count("NAME ")


PRINT_SUITE = """
{
    NAME "Print-Job with a document"
    OPERATION Print-Job
    GROUP operation-attributes-tag
    ATTR charset attributes-charset utf-8
    ATTR naturalLanguage attributes-natural-language en
    ATTR uri printer-uri $uri
    ATTR name requesting-user-name alice
    ATTR name job-name printwarden-codec
    ATTR mimeMediaType document-format application/octet-stream
    GROUP job-attributes-tag
    ATTR integer copies 2
    ATTR collection media-col {
        MEMBER collection media-size {
            MEMBER integer x-dimension 21000
            MEMBER integer y-dimension 29700
        }
        MEMBER keyword media-type stationery
    }
    FILE $filename
    STATUS successful-ok
    EXPECT job-id OF-TYPE integer WITH-VALUE 7
    EXPECT job-uri OF-TYPE uri
    EXPECT job-state OF-TYPE enum WITH-VALUE 3
}
"""


@pytest.mark.parametrize("transfer", ["chunked", "content-length"])
def test_ipptool_print_job_brings_a_collection_and_a_document_we_split_off(
        tmp_path: Path, transfer: str) -> None:
    suite = tmp_path / "print.test"
    suite.write_text(PRINT_SUITE)
    document = tmp_path / "doc.bin"
    payload = bytes(range(256)) * 400 + b"\x03 the end"  # 0x03 like end-of-attributes
    document.write_bytes(payload)
    options = ["-f", str(document)] + (["-L"] if transfer == "content-length" else ["-C"])
    with IppHttpTwin(answer) as twin:
        result = run_ipptool(twin.port, suite, *options)
    assert not twin.errors and not twin.crashes, (twin.errors, twin.crashes)
    assert result.returncode == 0, result.stdout + result.stderr
    assert twin.documents == [payload]
    assert twin.transfers == [transfer]
    request = twin.requests[0]
    assert request.get(DelimiterTag.OPERATION, "requesting-user-name") == name(
        "requesting-user-name", "alice")
    media_col = request.get(DelimiterTag.JOB, "media-col")
    assert media_col is not None
    expected = collection("media-col", [
        collection("media-size", [integer("x-dimension", 21000), integer("y-dimension", 29700)]),
        keyword("media-type", "stationery")])
    assert media_col == expected
