"""The IPP forwarder against a real ippeveprinter on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from printwarden.agent.forwarding import (
    ForwardJob,
    ForwardResult,
    IppForwarder,
)
from printwarden.agent.forwarding.ipp_client import IppClient
from printwarden.agent.forwarding.ipp_printer_info import PrinterInfo
from printwarden.ipp import DelimiterTag, IppMessage, Operation, integer, keyword
from tests.support.peers import EvePrinter
from tests.support.postgres import free_port


def _job(document: Path, **changes: object) -> ForwardJob:
    fields: dict[str, object] = {
        "job_id": "01JOB", "title": "Quarterly report", "username": "alice",
        "document": document, "document_format": "application/pdf", "pages": 2}
    fields.update(changes)
    return ForwardJob(**fields)  # type: ignore[arg-type]


def _forwarder(uri: str, **options: object) -> IppForwarder:
    return IppForwarder(uri, poll_initial=0.1, poll_max=0.5, **options)  # type: ignore[arg-type]


async def _job_attributes(uri: str, job_id: int) -> IppMessage:
    async with IppClient(uri) as client:
        return await client.call(Operation.GET_JOB_ATTRIBUTES, [
            integer("job-id", job_id),
            keyword("requested-attributes", "copies", "sides", "job-name",
                    "job-originating-user-name", "print-color-mode", "media")])


def _value(message: IppMessage, name: str) -> object:
    found = message.get(DelimiterTag.JOB, name)
    assert found is not None, f"{name} missing in {message}"
    return found.value


def test_create_job_send_document_delivers_the_pdf_with_its_ticket(
        eve: EvePrinter, pdf: Path) -> None:
    reasons: list[str] = []
    result = asyncio.run(_forwarder(eve.uri).send(
        _job(pdf, copies=2, sides="two-sided-long-edge", color_mode="monochrome",
             media="iso_a4_210x297mm"), on_status=reasons.append))

    assert result.ok, result.detail
    assert result.remote_job_id is not None and result.copies_printed == 2
    assert result.pages_printed == 4
    assert "left out" not in result.detail
    [stored] = eve.documents()
    assert stored.read_bytes() == pdf.read_bytes()
    answer = asyncio.run(_job_attributes(eve.uri, int(result.remote_job_id)))
    assert _value(answer, "copies") == 2
    assert _value(answer, "sides") == "two-sided-long-edge"
    assert _value(answer, "print-color-mode") == "monochrome"
    assert _value(answer, "job-name") == "Quarterly report"
    assert _value(answer, "job-originating-user-name") == "alice"


def test_print_job_streams_the_file_when_create_job_is_not_used(
        eve: EvePrinter, pdf: Path) -> None:
    result = asyncio.run(_forwarder(eve.uri, use_create_job=False).send(_job(pdf, pages=None)))

    assert result.ok, result.detail
    assert result.copies_printed == 1 and result.remote_job_id is not None
    [stored] = eve.documents()
    assert stored.read_bytes() == pdf.read_bytes()


def test_a_document_the_printer_rejects_is_a_permanent_failure(
        eve: EvePrinter, binary_doc: Path) -> None:
    job = _job(binary_doc, document_format="application/octet-stream", pages=None)
    result = asyncio.run(_forwarder(eve.uri, use_create_job=False).send(job))

    assert not result.ok and not result.retryable
    assert "Print-Job: client-error-" in result.detail
    assert eve.documents() == []


def test_values_the_printer_does_not_support_are_left_out_and_named(
        eve_factory: Callable[[], EvePrinter], pdf: Path) -> None:
    printer = eve_factory()
    printer.start(duplex=False)
    result = asyncio.run(_forwarder(printer.uri).send(
        _job(pdf, sides="two-sided-long-edge", color_mode="color")))

    assert result.ok, result.detail
    assert "left out: sides, print-color-mode" in result.detail
    assert result.remote_job_id is not None
    answer = asyncio.run(_job_attributes(printer.uri, int(result.remote_job_id)))
    assert answer.get(DelimiterTag.JOB, "sides") is None  # not sent, so not on the job
    assert _value(answer, "job-name") == "Quarterly report"


def test_printer_reasons_seen_while_following_the_job_reach_on_status(
        eve_factory: Callable[[], EvePrinter], pdf: Path, tmp_path: Path) -> None:
    command = tmp_path / "jam.sh"
    command.write_text("#!/bin/sh\necho 'STATE: +media-jam-error' >&2\nsleep 2\n"
                       "echo 'STATE: -media-jam-error' >&2\n")
    command.chmod(0o755)
    printer = eve_factory()
    printer.start(command=str(command))
    reasons: list[str] = []
    result = asyncio.run(_forwarder(printer.uri).send(_job(pdf), on_status=reasons.append))

    assert result.ok, result.detail
    assert any(r.startswith("media-jam") for r in reasons), reasons  # ippeveprinter: -warning


def test_ipps_with_verification_off_delivers_and_an_untrusted_cert_is_permanent(
        eve: EvePrinter, pdf: Path) -> None:
    secure_uri = eve.uri.replace("ipp://", "ipps://")
    trusting = asyncio.run(_forwarder(secure_uri, verify=False).send(_job(pdf)))
    checking = asyncio.run(_forwarder(secure_uri).send(_job(pdf)))

    assert trusting.ok, trusting.detail
    assert [p.read_bytes() for p in eve.documents()] == [pdf.read_bytes()]
    assert not checking.ok and not checking.retryable
    assert "certificate not trusted" in checking.detail


def test_a_busy_printer_is_a_retryable_failure(
        eve_factory: Callable[[], EvePrinter], pdf: Path, tmp_path: Path) -> None:
    command = tmp_path / "slow.sh"
    command.write_text("#!/bin/sh\nsleep 2\n")
    command.chmod(0o755)
    printer = eve_factory()
    printer.start(command=str(command))

    async def both() -> list[ForwardResult]:
        forwarder = _forwarder(printer.uri, use_create_job=False)
        first = asyncio.create_task(forwarder.send(_job(pdf)))
        for _ in range(400):  # until the first job is in: the printer is then printing
            if printer.documents():
                break
            await asyncio.sleep(0.05)
        return [await forwarder.send(_job(pdf, job_id="02JOB")), await first]

    second, first = asyncio.run(both())

    assert first.ok, first.detail
    assert not second.ok and second.retryable, second
    assert "server-error-busy" in second.detail


def test_status_reports_an_idle_printer_and_an_unreachable_one(eve: EvePrinter) -> None:
    up = asyncio.run(_forwarder(eve.uri).status())
    down = asyncio.run(_forwarder(f"ipp://127.0.0.1:{free_port()}/ipp/print").status())

    assert (up.reachable, up.state) == (True, "idle")
    assert (down.reachable, down.state) == (False, "unknown")
    assert "offline-report" in down.reasons


def test_a_printer_that_is_down_is_a_retryable_failure(pdf: Path) -> None:
    reasons: list[str] = []
    forwarder = _forwarder(f"ipp://127.0.0.1:{free_port()}/ipp/print", timeout=5)
    result = asyncio.run(forwarder.send(_job(pdf), on_status=reasons.append))

    assert not result.ok and result.retryable
    assert "cannot reach" in result.detail
    assert reasons == ["offline-report"]


def test_a_format_the_printer_cannot_take_is_a_permanent_failure() -> None:
    info = PrinterInfo(formats=frozenset({"application/pdf"}), operations=frozenset(),
                       copies_max=None, sides=frozenset(), color_modes=frozenset(),
                       media=frozenset(), state="idle", reasons=(), message="",
                       accepting=True)

    assert info.format_for("application/pdf") == "application/pdf"
    assert info.format_for("application/vnd.hp-pcl") is None
