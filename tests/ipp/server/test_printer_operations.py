"""The printer model driven in-process: job lifecycle, selection and filtering."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from printwarden.ipp import (
    Attribute,
    DelimiterTag,
    IppMessage,
    Operation,
    StatusCode,
    boolean,
    decode,
    integer,
    keyword,
    mime_media_type,
    name,
    validate_request,
)
from printwarden.ipp.errors import IppError
from printwarden.ipp.printer import (
    DocumentTicket,
    IppPrinter,
    JobState,
    NullSink,
    PrinterDescription,
)
from printwarden.ipp.server import IppRequest
from printwarden.virtual_printer import DirectorySink
from printwarden.virtual_printer.directory_sink import extension_for, safe_name
from tests.ipp.server.support import ipp_request

PRINTER_URI = "ipp://127.0.0.1:631/ipp/print/model"


async def chunks_of(data: bytes, size: int = 1000) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start:start + size]


def call(printer: IppPrinter, operation: int, *extra: Attribute, document: bytes = b"",
         job_attributes: tuple[Attribute, ...] = (), user: str = "alice") -> IppMessage:
    message = decode(ipp_request(operation, PRINTER_URI, *extra, user=user,
                                 job_attributes=job_attributes))[0]
    valid = validate_request(message, operations=printer.operations_supported)
    request = IppRequest(message, valid, PRINTER_URI, "http://127.0.0.1:631/",
                         chunks_of(document))
    try:
        return asyncio.run(printer.handle(request))
    except IppError as exc:
        return IppMessage(exc.status, message.request_id)


def job_id_of(answer: IppMessage) -> int:
    found = answer.get(DelimiterTag.JOB, "job-id")
    assert found is not None and isinstance(found.value, int)
    return found.value


@pytest.fixture
def printer() -> IppPrinter:
    return IppPrinter(PrinterDescription("model"), NullSink())


def state_of(printer: IppPrinter, job_id: int) -> JobState:
    return printer.core.jobs.get(job_id).state


def test_create_job_then_send_document_completes_the_job(printer: IppPrinter) -> None:
    created = call(printer, Operation.CREATE_JOB, name("job-name", "two-step"))
    job_id = job_id_of(created)
    assert state_of(printer, job_id) == JobState.PENDING
    sent = call(printer, Operation.SEND_DOCUMENT, integer("job-id", job_id),
                boolean("last-document", True), document=b"%PDF-1.4 data")
    assert sent.status_code == StatusCode.SUCCESSFUL_OK
    assert state_of(printer, job_id) == JobState.COMPLETED
    assert printer.core.jobs.get(job_id).octets == len(b"%PDF-1.4 data")


def test_a_job_takes_several_documents_until_the_last(printer: IppPrinter) -> None:
    job_id = job_id_of(call(printer, Operation.CREATE_JOB))
    first = call(printer, Operation.SEND_DOCUMENT, integer("job-id", job_id),
                 boolean("last-document", False), document=b"one")
    assert first.status_code == StatusCode.SUCCESSFUL_OK
    assert state_of(printer, job_id) == JobState.PENDING  # waits for the last document
    second = call(printer, Operation.SEND_DOCUMENT, integer("job-id", job_id),
                  boolean("last-document", True), document=b"two!")
    assert second.status_code == StatusCode.SUCCESSFUL_OK
    assert state_of(printer, job_id) == JobState.COMPLETED
    job = printer.core.jobs.get(job_id)
    assert [d.octets for d in job.docs] == [3, 4]
    late = call(printer, Operation.SEND_DOCUMENT, integer("job-id", job_id),
                boolean("last-document", True), document=b"three")
    assert late.status_code == StatusCode.CLIENT_ERROR_NOT_POSSIBLE
    closed = call(printer, Operation.CLOSE_JOB, integer("job-id", job_id))
    assert closed.status_code == StatusCode.SUCCESSFUL_OK
    assert job.documents == 2


def test_hold_and_release(printer: IppPrinter) -> None:
    job_id = job_id_of(call(printer, Operation.PRINT_JOB, document=b"x",
                            job_attributes=(keyword("job-hold-until", "indefinite"),)))
    assert state_of(printer, job_id) == JobState.PENDING_HELD
    again = call(printer, Operation.HOLD_JOB, integer("job-id", job_id))
    assert again.status_code == StatusCode.SUCCESSFUL_OK
    assert call(printer, Operation.RELEASE_JOB, integer("job-id", job_id)).status_code == 0
    assert state_of(printer, job_id) == JobState.COMPLETED
    refused = call(printer, Operation.RELEASE_JOB, integer("job-id", job_id))
    assert refused.status_code == StatusCode.CLIENT_ERROR_NOT_POSSIBLE


def test_cancel_my_jobs_cancels_only_mine(printer: IppPrinter) -> None:
    mine = job_id_of(call(printer, Operation.CREATE_JOB, user="alice"))
    theirs = job_id_of(call(printer, Operation.CREATE_JOB, user="bob"))
    assert call(printer, Operation.CANCEL_MY_JOBS, user="alice").status_code == 0
    assert state_of(printer, mine) == JobState.CANCELED
    assert state_of(printer, theirs) == JobState.PENDING
    twice = call(printer, Operation.CANCEL_JOB, integer("job-id", mine))
    assert twice.status_code == StatusCode.CLIENT_ERROR_NOT_POSSIBLE


def test_get_jobs_selects_by_which_jobs_user_and_limit(printer: IppPrinter) -> None:
    done = job_id_of(call(printer, Operation.PRINT_JOB, document=b"x", user="alice"))
    waiting = [job_id_of(call(printer, Operation.CREATE_JOB, user=u)) for u in ("alice", "bob")]

    def ids(*extra: Attribute, user: str = "alice") -> list[int]:
        answer = call(printer, Operation.GET_JOBS, *extra, user=user)
        assert answer.status_code == StatusCode.SUCCESSFUL_OK
        return [int(str(g["job-id"].value)) for g in answer.groups_with(DelimiterTag.JOB)]

    assert ids() == waiting
    assert ids(keyword("which-jobs", "completed")) == [done]
    assert ids(keyword("which-jobs", "all"), boolean("my-jobs", True)) == [done, waiting[0]]
    assert ids(keyword("which-jobs", "all"), integer("limit", 1)) == [done]
    bad = call(printer, Operation.GET_JOBS, keyword("which-jobs", "fetchable"))
    assert bad.status_code == StatusCode.CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED


def test_get_jobs_answers_job_id_and_uri_unless_asked(printer: IppPrinter) -> None:
    call(printer, Operation.CREATE_JOB)
    plain = call(printer, Operation.GET_JOBS).groups_with(DelimiterTag.JOB)[0]
    assert set(plain) == {"job-id", "job-uri"}
    asked = call(printer, Operation.GET_JOBS,
                 keyword("requested-attributes", "job-state", "job-name"))
    assert set(asked.groups_with(DelimiterTag.JOB)[0]) == {"job-state", "job-name"}


@pytest.mark.parametrize(("group", "present", "absent"), [
    ("job-template", "sides-supported", "printer-name"),
    ("printer-description", "printer-name", "sides-supported"),
])
def test_requested_attribute_groups_filter_printer_attributes(
        printer: IppPrinter, group: str, present: str, absent: str) -> None:
    answer = call(printer, Operation.GET_PRINTER_ATTRIBUTES,
                  keyword("requested-attributes", group))
    attributes = answer.printer_attributes
    assert attributes is not None
    assert present in attributes and absent not in attributes


def test_printer_attributes_describe_an_ipp_everywhere_printer(printer: IppPrinter) -> None:
    attributes = call(printer, Operation.GET_PRINTER_ATTRIBUTES).printer_attributes
    assert attributes is not None
    assert str(attributes["printer-uuid"].value).startswith("urn:uuid:")
    assert "ipp-everywhere" in attributes["ipp-features-supported"].values
    assert set(attributes["compression-supported"].values) == {"none", "gzip"}
    assert "image/pwg-raster" in attributes["document-format-supported"].values
    assert Operation.CANCEL_MY_JOBS in attributes["operations-supported"].values


def test_validate_job_refuses_an_unsupported_format(printer: IppPrinter) -> None:
    answer = call(printer, Operation.VALIDATE_JOB,
                  mime_media_type("document-format", "application/x-unknown"))
    assert answer.status_code == StatusCode.CLIENT_ERROR_DOCUMENT_FORMAT_NOT_SUPPORTED


def test_directory_sink_names_files_safely(tmp_path: Path) -> None:
    printer = IppPrinter(PrinterDescription("model"), DirectorySink(tmp_path))
    call(printer, Operation.PRINT_JOB, name("job-name", "../../etc/passwd"),
         document=b"UNIRAST\x00rest", )
    assert [p.name for p in tmp_path.iterdir()] == ["1-passwd.urf"]
    assert safe_name("  .hidden name!.pdf") == "hidden_name"
    assert extension_for("application/octet-stream", b"%PDF-1.7") == "pdf"


def test_only_the_owner_controls_a_job(printer: IppPrinter) -> None:
    job_id = job_id_of(call(printer, Operation.CREATE_JOB, user="alice"))
    for operation in (Operation.CANCEL_JOB, Operation.HOLD_JOB, Operation.CLOSE_JOB):
        refused = call(printer, operation, integer("job-id", job_id), user="mallory")
        assert refused.status_code == StatusCode.CLIENT_ERROR_NOT_AUTHORIZED
    assert state_of(printer, job_id) == JobState.PENDING
    assert call(printer, Operation.CANCEL_JOB, integer("job-id", job_id)).status_code == 0


def test_the_directory_only_ever_holds_whole_documents(tmp_path: Path) -> None:
    """A document being received is written beside the directory, not in it: whoever
    watches the directory never reads half a document."""
    out = tmp_path / "out"
    sink = DirectorySink(out)
    seen_while_writing: list[list[Path]] = []

    async def slowly() -> AsyncIterator[bytes]:
        yield b"%PDF-1.4 first half "
        seen_while_writing.append(sorted(out.iterdir()))
        yield b"second half"

    ticket = DocumentTicket(3, "report", "alice", "report.pdf", "application/pdf")
    stored = asyncio.run(sink.receive(ticket, slowly()))
    assert seen_while_writing == [[]]
    assert [p.name for p in out.iterdir()] == ["3-report.pdf"]
    assert Path(stored.location).read_bytes() == b"%PDF-1.4 first half second half"
    second = asyncio.run(sink.receive(DocumentTicket(3, "report", "alice", "report.pdf",
                                                     "application/pdf", 2), slowly()))
    assert Path(second.location).name == "3-2-report.pdf"  # a job's second document
