"""Multi-document jobs of the printer model (PWG 5100.5): documents, their operations, and
the multiple-operation-time-out."""

from __future__ import annotations

import asyncio

from printwarden.ipp import (
    AttributeGroup,
    DelimiterTag,
    Operation,
    StatusCode,
    attr,
    boolean,
    collection,
    integer,
    keyword,
    name,
)
from printwarden.ipp.printer import IppPrinter, NullSink, PrinterDescription
from printwarden.ipp.printer.job import JobState
from printwarden.ipp.values import RangeOfInteger
from tests.ipp.server.model_support import Client, FakeTime, job_id, values

Op = Operation
S = StatusCode
DOC = DelimiterTag.DOCUMENT


def make(time: FakeTime | None = None, *, page_overrides: bool = True) -> Client:
    description = PrinterDescription("model", page_overrides=page_overrides)
    return Client(IppPrinter(description, NullSink(), processing_delay=0.0,
                             clock=(time or FakeTime()).clock()))


def send(client: Client, job: int, data: bytes, *, last: bool, document_name: str) -> int:
    answer = asyncio.run(client(Op.SEND_DOCUMENT, integer("job-id", job),
                                boolean("last-document", last),
                                name("document-name", document_name), document=data))
    return answer.status_code


def test_documents_are_listed_read_renamed_and_cancelled() -> None:
    client = make()
    job = job_id(asyncio.run(client(Op.CREATE_JOB)))
    assert send(client, job, b"first", last=False, document_name="a.pdf") == S.SUCCESSFUL_OK
    assert send(client, job, b"second", last=False, document_name="b.pdf") == S.SUCCESSFUL_OK
    renamed = asyncio.run(client(Op.SET_DOCUMENT_ATTRIBUTES, integer("job-id", job),
                                 integer("document-number", 2),
                                 groups=[AttributeGroup(DOC, [name("document-name", "c.pdf")])]))
    assert renamed.status_code == S.SUCCESSFUL_OK
    cancelled = asyncio.run(client(Op.CANCEL_DOCUMENT, integer("job-id", job),
                                   integer("document-number", 1)))
    assert cancelled.status_code == S.SUCCESSFUL_OK
    assert send(client, job, b"third", last=True, document_name="d.pdf") == S.SUCCESSFUL_OK

    listed = asyncio.run(client(Op.GET_DOCUMENTS, integer("job-id", job),
                                keyword("requested-attributes", "all")))
    docs = listed.groups_with(DOC)
    assert [g["document-number"].value for g in docs] == [1, 2, 3]
    assert [g["document-name"].value for g in docs] == ["a.pdf", "c.pdf", "d.pdf"]
    assert [g["document-state"].value for g in docs] == [7, 9, 9]  # canceled, completed
    assert [g["last-document"].value for g in docs] == [False, False, True]
    assert client.printer.core.jobs.get(job).state == JobState.COMPLETED
    one = asyncio.run(client(Op.GET_DOCUMENT_ATTRIBUTES, integer("job-id", job),
                             integer("document-number", 2)))
    assert values(one, DOC, "k-octets") == (1,)
    missing = asyncio.run(client(Op.GET_DOCUMENT_ATTRIBUTES, integer("job-id", job),
                                 integer("document-number", 4)))
    assert missing.status_code == S.CLIENT_ERROR_NOT_FOUND
    again = asyncio.run(client(Op.CANCEL_DOCUMENT, integer("job-id", job),
                               integer("document-number", 1)))
    assert again.status_code == S.CLIENT_ERROR_NOT_POSSIBLE


def test_another_user_sees_document_names_masked_and_cannot_change_them() -> None:
    client = make()
    job = job_id(asyncio.run(client(Op.CREATE_JOB)))
    send(client, job, b"x", last=False, document_name="salaries.pdf")
    bob = client.as_("bob")
    seen = asyncio.run(bob(Op.GET_DOCUMENTS, integer("job-id", job),
                           keyword("requested-attributes", "document-name")))
    assert values(seen, DOC, "document-name") == ("(hidden)",)
    refused = asyncio.run(bob(Op.CANCEL_DOCUMENT, integer("job-id", job),
                              integer("document-number", 1)))
    assert refused.status_code == S.CLIENT_ERROR_NOT_AUTHORIZED


def test_a_job_left_open_is_processed_or_aborted_after_the_operation_time_out() -> None:
    time = FakeTime()
    client = make(time)
    with_document = job_id(asyncio.run(client(Op.CREATE_JOB)))
    send(client, with_document, b"x", last=False, document_name="a.pdf")
    empty = job_id(asyncio.run(client(Op.CREATE_JOB)))
    time.now += 30
    asyncio.run(client(Op.GET_PRINTER_ATTRIBUTES))
    jobs = client.printer.core.jobs
    assert jobs.get(with_document).state == JobState.PENDING  # still within the time-out
    time.now += 31
    asyncio.run(client(Op.GET_PRINTER_ATTRIBUTES))
    assert jobs.get(with_document).state == JobState.COMPLETED
    assert jobs.get(empty).state == JobState.ABORTED
    closed_empty = job_id(asyncio.run(client(Op.CREATE_JOB)))
    asyncio.run(client(Op.CLOSE_JOB, integer("job-id", closed_empty)))
    assert jobs.get(closed_empty).state == JobState.ABORTED


def test_overrides_by_document_are_taken_and_by_page_only_where_supported() -> None:
    by_document = collection("overrides", [
        attr("document-numbers", RangeOfInteger(2, 2)), keyword("sides", "two-sided-long-edge")])
    by_page = collection("overrides", [
        attr("pages", RangeOfInteger(1, 3)), keyword("print-color-mode", "monochrome")])
    ignored = S.SUCCESSFUL_OK_IGNORED_OR_SUBSTITUTED_ATTRIBUTES
    for page_overrides, expected_status in ((True, S.SUCCESSFUL_OK), (False, ignored)):
        client = make(page_overrides=page_overrides)
        answer = asyncio.run(client(Op.CREATE_JOB, job=[
            attr("overrides", by_document.value, by_page.value)]))
        assert answer.status_code == expected_status
        document_only = asyncio.run(client(Op.CREATE_JOB, job=[by_document]))
        assert document_only.status_code == S.SUCCESSFUL_OK
    bogus = collection("overrides", [attr("pages", RangeOfInteger(3, 1)),
                                     keyword("sides", "one-sided")])
    refused = asyncio.run(make()(Op.CREATE_JOB, boolean("ipp-attribute-fidelity", True),
                                 job=[bogus]))
    assert refused.status_code == S.CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED
