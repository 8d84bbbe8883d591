"""The virtual printer over real HTTP on loopback: storage, errors, limits, concurrency."""

from __future__ import annotations

import gzip
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from printwarden.ipp import (
    Attribute,
    DelimiterTag,
    IppMessage,
    Operation,
    ParserLimits,
    StatusCode,
    boolean,
    decode,
    integer,
    keyword,
    mime_media_type,
    name,
    text,
)
from printwarden.ipp.server import ServerLimits
from tests.ipp.server.support import RunningVirtualPrinter, ipp_request, make_pdf, post
from tests.support.printers import VirtualPrinterProcess


@pytest.fixture(scope="module")
def printer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningVirtualPrinter]:
    with RunningVirtualPrinter(tmp_path_factory.mktemp("received")) as running:
        yield running


@pytest.fixture(scope="module")
def pdf(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return make_pdf(tmp_path_factory.mktemp("pdf") / "three.pdf", pages=3).read_bytes()


def job_value(answer: IppMessage, attribute_name: str) -> object:
    found = answer.get(DelimiterTag.JOB, attribute_name)
    assert found is not None, f"{attribute_name} missing from {answer}"
    return found.value


def print_job(printer: RunningVirtualPrinter, document: bytes, *extra_attributes: Attribute,
              fmt: str = "application/pdf", job_name: str = "report.pdf") -> IppMessage:
    body = ipp_request(Operation.PRINT_JOB, printer.uri, name("job-name", job_name),
                       mime_media_type("document-format", fmt),
                       *extra_attributes)
    return post(printer.http_url, body + document)[1]


def test_a_printed_pdf_arrives_byte_exact_with_mode_0600(
        printer: RunningVirtualPrinter, pdf: bytes) -> None:
    answer = print_job(printer, pdf, job_name="Quarterly report.pdf")
    assert answer.status_code == StatusCode.SUCCESSFUL_OK
    job_id = job_value(answer, "job-id")
    stored = printer.directory / f"{job_id}-Quarterly_report.pdf"
    assert stored.read_bytes() == pdf
    assert stored.stat().st_mode & 0o777 == 0o600
    attrs = post(printer.http_url, ipp_request(Operation.GET_JOB_ATTRIBUTES, printer.uri,
                                               integer("job-id", int(str(job_id)))))[1]
    assert job_value(attrs, "job-state") == 9
    assert job_value(attrs, "job-impressions-completed") == 3


def test_a_gzip_compressed_document_is_stored_decompressed(
        printer: RunningVirtualPrinter, pdf: bytes) -> None:
    answer = print_job(printer, gzip.compress(pdf), keyword("compression", "gzip"),
                       job_name="zipped")
    assert answer.status_code == StatusCode.SUCCESSFUL_OK
    stored = printer.directory / f"{job_value(answer, 'job-id')}-zipped.pdf"
    assert stored.read_bytes() == pdf


def test_corrupt_gzip_data_is_a_compression_error(printer: RunningVirtualPrinter) -> None:
    answer = print_job(printer, b"\x1f\x8b\x08\x00garbage" * 10,
                       keyword("compression", "gzip"), job_name="broken")
    assert answer.status_code == StatusCode.CLIENT_ERROR_COMPRESSION_ERROR
    assert not list(printer.directory.glob("*-broken.*"))


def test_an_unknown_compression_is_refused(printer: RunningVirtualPrinter) -> None:
    answer = print_job(printer, b"data", keyword("compression", "compress"))
    assert answer.status_code == StatusCode.CLIENT_ERROR_COMPRESSION_NOT_SUPPORTED


def test_malformed_attributes_are_a_bad_request(printer: RunningVirtualPrinter) -> None:
    header = bytes([2, 0, 0, 0x0B, 0, 0, 0, 7])
    garbage = b"\x01\x47\x00\x12attributes-charset\x7f\xffno"
    response = httpx.post(printer.http_url, content=header + garbage,
                          headers={"Content-Type": "application/ipp"})
    assert response.status_code == 200
    answer = decode(response.content)[0]
    assert answer.status_code == StatusCode.CLIENT_ERROR_BAD_REQUEST
    assert answer.request_id == 7
    assert b"Traceback" not in response.content


def test_an_undecodable_header_is_http_400(printer: RunningVirtualPrinter) -> None:
    response = httpx.post(printer.http_url, content=b"\x02\x00",
                          headers={"Content-Type": "application/ipp"})
    assert response.status_code == 400


def test_an_unknown_operation_is_not_supported(printer: RunningVirtualPrinter) -> None:
    answer = post(printer.http_url, ipp_request(0x3FFF, printer.uri))[1]
    assert answer.status_code == StatusCode.SERVER_ERROR_OPERATION_NOT_SUPPORTED


def test_an_unsupported_format_is_refused_and_nothing_stored(
        printer: RunningVirtualPrinter) -> None:
    before = set(os.listdir(printer.directory))
    answer = print_job(printer, b"hello\n", fmt="text/x-unknown", job_name="plain")
    assert answer.status_code == StatusCode.CLIENT_ERROR_DOCUMENT_FORMAT_NOT_SUPPORTED
    unsupported = answer.unsupported_attributes
    assert unsupported is not None and "document-format" in unsupported
    assert set(os.listdir(printer.directory)) == before


def test_the_answer_carries_the_request_version(printer: RunningVirtualPrinter) -> None:
    answer = post(printer.http_url, ipp_request(Operation.GET_PRINTER_ATTRIBUTES, printer.uri,
                                                version=(1, 1)))[1]
    assert answer.version == (1, 1)
    assert answer.status_code == StatusCode.SUCCESSFUL_OK


def test_unsupported_job_attributes_are_ignored_or_refused_with_fidelity(
        printer: RunningVirtualPrinter, pdf: bytes) -> None:
    odd = [keyword("sides", "three-sided"), integer("x-unknown-attribute", 1)]
    body = ipp_request(Operation.VALIDATE_JOB, printer.uri, job_attributes=odd)
    answer = post(printer.http_url, body)[1]
    assert answer.status_code == StatusCode.SUCCESSFUL_OK_IGNORED_OR_SUBSTITUTED_ATTRIBUTES
    unsupported = answer.unsupported_attributes
    assert unsupported is not None and set(unsupported) == {"sides", "x-unknown-attribute"}
    strict = ipp_request(Operation.VALIDATE_JOB, printer.uri,
                         boolean("ipp-attribute-fidelity", True), job_attributes=odd)
    refused = post(printer.http_url, strict)[1]
    assert refused.status_code == StatusCode.CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED


def test_an_unknown_job_is_not_found(printer: RunningVirtualPrinter) -> None:
    answer = post(printer.http_url, ipp_request(Operation.GET_JOB_ATTRIBUTES, printer.uri,
                                                integer("job-id", 999_999)))[1]
    assert answer.status_code == StatusCode.CLIENT_ERROR_NOT_FOUND


def test_the_status_page_names_the_printer(printer: RunningVirtualPrinter) -> None:
    page = httpx.get(printer.http_url)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "virtual" in page.text and "<table>" in page.text
    assert httpx.get(f"http://127.0.0.1:{printer.port}/").status_code == 200


def test_an_oversized_document_is_refused_and_not_kept(tmp_path: Path) -> None:
    limits = ServerLimits(max_document_octets=64 * 1024)
    with RunningVirtualPrinter(tmp_path, limits=limits) as small:
        body = ipp_request(Operation.PRINT_JOB, small.uri, name("job-name", "huge"),
                           mime_media_type("document-format", "application/octet-stream"))
        response = httpx.post(small.http_url, content=body + b"x" * (512 * 1024),
                              headers={"Content-Type": "application/ipp"}, timeout=30)
        answer = decode(response.content)[0]
        assert answer.status_code == StatusCode.CLIENT_ERROR_REQUEST_ENTITY_TOO_LARGE
        assert os.listdir(tmp_path) == []
        job = post(small.http_url, ipp_request(Operation.GET_JOB_ATTRIBUTES, small.uri,
                                               integer("job-id", 1)))[1]
        assert job_value(job, "job-state") == 8  # aborted
        bomb = ipp_request(Operation.PRINT_JOB, small.uri, keyword("compression", "gzip"))
        inflated = post(small.http_url, bomb + gzip.compress(bytes(1 << 20)))[1]
        assert inflated.status_code == StatusCode.CLIENT_ERROR_REQUEST_ENTITY_TOO_LARGE
        assert os.listdir(tmp_path) == []



def test_oversized_attributes_are_refused(tmp_path: Path) -> None:
    limits = ServerLimits(parser=ParserLimits(max_message_size=1024))
    with RunningVirtualPrinter(tmp_path, limits=limits) as small:
        many = [text(f"x-note-{n}", "padding " * 10) for n in range(40)]
        body = ipp_request(Operation.GET_PRINTER_ATTRIBUTES, small.uri, job_attributes=many)
        answer = post(small.http_url, body)[1]
        assert answer.status_code == StatusCode.CLIENT_ERROR_REQUEST_ENTITY_TOO_LARGE


def test_the_default_printer_answers_at_ipp_print(printer: RunningVirtualPrinter) -> None:
    default_uri = f"ipp://127.0.0.1:{printer.port}/ipp/print"
    answer = post(f"http://127.0.0.1:{printer.port}/ipp/print",
                  ipp_request(Operation.GET_PRINTER_ATTRIBUTES, default_uri))[1]
    found = answer.get(DelimiterTag.PRINTER, "printer-uri-supported")
    assert found is not None and found.value == default_uri
    missing = httpx.post(f"http://127.0.0.1:{printer.port}/ipp/print/nobody",
                         content=b"", headers={"Content-Type": "application/ipp"})
    assert missing.status_code == 404


def test_a_stalled_client_does_not_block_another(printer: RunningVirtualPrinter) -> None:
    body = ipp_request(Operation.PRINT_JOB, printer.uri) + b"%PDF-1.4\n" * 100
    head = (f"POST /ipp/print/virtual HTTP/1.1\r\nHost: 127.0.0.1:{printer.port}\r\n"
            f"Content-Type: application/ipp\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", printer.port), timeout=10) as stalled:
        stalled.sendall(head + body[: len(body) // 2])
        answer = post(printer.http_url,
                      ipp_request(Operation.GET_PRINTER_ATTRIBUTES, printer.uri), timeout=10)[1]
        assert answer.status_code == StatusCode.SUCCESSFUL_OK
        assert answer.get(DelimiterTag.PRINTER, "printer-state") is not None


def test_a_client_that_disconnects_mid_document_leaves_no_file(tmp_path: Path) -> None:
    with RunningVirtualPrinter(tmp_path) as fresh:
        body = ipp_request(Operation.PRINT_JOB, fresh.uri, name("job-name", "gone"))
        head = (f"POST /ipp/print/virtual HTTP/1.1\r\nHost: 127.0.0.1:{fresh.port}\r\n"
                "Content-Type: application/ipp\r\nContent-Length: 100000\r\n\r\n").encode()
        with socket.create_connection(("127.0.0.1", fresh.port), timeout=10) as leaving:
            leaving.sendall(head + body + b"%PDF-1.4\n" * 50)
        deadline = time.monotonic() + 15
        state: object = None
        while time.monotonic() < deadline and state != 8:
            answer = post(fresh.http_url, ipp_request(
                Operation.GET_JOBS, fresh.uri, keyword("which-jobs", "all"),
                keyword("requested-attributes", "job-state")))[1]
            jobs = answer.groups_with(DelimiterTag.JOB)
            state = jobs[0]["job-state"].value if jobs else None
            time.sleep(0.05)
        assert state == 8  # aborted
        assert os.listdir(tmp_path) == []


def _job_state(printer: VirtualPrinterProcess, job_id: int) -> tuple[int, int | None]:
    """(IPP status of Get-Job-Attributes, job-impressions-completed) as the printer says."""
    response = httpx.post(f"http://127.0.0.1:{printer.port}/ipp/print/virtual",
                          content=ipp_request(Operation.GET_JOB_ATTRIBUTES, printer.uri,
                                              integer("job-id", job_id)),
                          headers={"Content-Type": "application/ipp"}, timeout=30)
    answer = decode(response.content)[0]
    found = answer.get(DelimiterTag.JOB, "job-impressions-completed")
    return answer.status_code, None if found is None else int(str(found.value))


@pytest.mark.parametrize("keep_history", [False, True])
def test_the_print_log_records_every_job_and_history_survives_a_restart_if_asked(
        tmp_path: Path, keep_history: bool) -> None:
    printer = VirtualPrinterProcess(tmp_path / "out", keep_history=keep_history).start()
    try:
        _, answer = post(f"http://127.0.0.1:{printer.port}/ipp/print/virtual", ipp_request(
            Operation.PRINT_JOB, printer.uri,
            mime_media_type("document-format", "application/pdf"))
            + make_pdf(tmp_path / "three.pdf", 3).read_bytes())
        found = answer.get(DelimiterTag.JOB, "job-id")
        assert found is not None
        job_id = int(str(found.value))
        printer.kill()
        printer.start()
        after_restart = _job_state(printer, job_id)
    finally:
        printer.stop()

    assert [(p.job_id, p.completed, p.impressions) for p in printer.printed()] == [
        (job_id, True, 3)]
    if keep_history:
        assert after_restart == (StatusCode.SUCCESSFUL_OK, 3)
    else:
        assert after_restart[0] == StatusCode.CLIENT_ERROR_NOT_FOUND
