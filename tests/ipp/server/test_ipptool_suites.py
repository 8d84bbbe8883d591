"""The CUPS ipptool suites against the virtual printer, served for real on loopback."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from printwarden.ipp import DelimiterTag, Operation, keyword
from tests.ipp.server.ipptool_support import (
    IPPTOOL,
    SUITE_OF_VERSION,
    corrected_get_notifications,
    run_suite,
    subscription_id,
    suite_failures,
)
from tests.ipp.server.support import (
    GS,
    RunningVirtualPrinter,
    ipp_request,
    make_everywhere_samples,
    make_pdf,
    make_suite_documents,
    post,
)

pytestmark = pytest.mark.skipif(IPPTOOL is None or GS is None,
                                reason="ipptool (cups-ipp-utils) and gs are needed")


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("suite-documents")
    make_suite_documents(directory)
    make_everywhere_samples(directory, (300, 600), ("sgray-8", "srgb-8"))
    return directory


@pytest.fixture(scope="module")
def printer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningVirtualPrinter]:
    with RunningVirtualPrinter(tmp_path_factory.mktemp("received")) as running:
        yield running


def _passes(suite: str, printer_uri: str, documents: Path) -> str:
    result = run_suite(suite, printer_uri, documents)
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    assert "[FAIL]" not in report
    assert "[PASS]" in report
    return report


@pytest.mark.parametrize("suite", ["ipp-1.1.test", "ipp-2.0.test", "ipp-2.1.test",
                                   "ipp-2.2.test", "ipp-everywhere.test", "validate-job.test",
                                   "get-jobs.test", "print-job-hold.test",
                                   "create-printer-subscription.test",
                                   "get-subscriptions.test"])
def test_ipptool_suite_passes(suite: str, printer: RunningVirtualPrinter,
                              documents: Path) -> None:
    _passes(suite, printer.uri, documents)


def test_ipp_everywhere_prints_the_pwg_raster_samples_of_what_it_advertises(
        printer: RunningVirtualPrinter, documents: Path) -> None:
    report = _passes("ipp-everywhere.test", printer.uri, documents)
    assert "Print onepage-a4 @ 600dpi, srgb-8, gzip" in report
    assert "PWG 5100.14 section 5.1/5.2 - Required Operations and Attributes" in report
    stored = list(printer.directory.glob("*-color.pwg"))
    assert stored, "the samples reached the printer"


def test_every_version_the_printer_claims_passes_its_suite(
        printer: RunningVirtualPrinter, documents: Path) -> None:
    answer = post(printer.http_url, ipp_request(
        Operation.GET_PRINTER_ATTRIBUTES, printer.uri,
        keyword("requested-attributes", "ipp-versions-supported")))[1]
    found = answer.get(DelimiterTag.PRINTER, "ipp-versions-supported")
    assert found is not None
    claimed = [str(v) for v in found.values]
    assert claimed == ["1.1", "2.0", "2.1", "2.2"]
    for version in claimed:
        _passes(SUITE_OF_VERSION[version], printer.uri, documents)


def test_requested_attributes_pass_the_get_printer_attributes_suite(
        printer: RunningVirtualPrinter, documents: Path) -> None:
    """Every test but the suite's self-contradictory fifth (it sends 'all', then expects
    media-col-database alone): media-col-database comes only when named."""
    result = run_suite("get-printer-attributes-suite.test", printer.uri, documents)
    failures = suite_failures(result.stdout)
    name = "Get-Printer-Attributes (requested-attributes='media-col-database')"
    assert list(failures) == [name], result.stdout
    # its contradiction: 'all' brings no media-col-database, and does bring the rest
    assert failures[name][0] == "EXPECTED: media-col-database"
    assert all(line.startswith("NOT EXPECTED: ") for line in failures[name][1:])
    assert result.stdout.count("[PASS]") == 6


def test_ipp_2_0_passes_while_jobs_are_still_printing(
        tmp_path: Path, documents: Path) -> None:
    """With a processing delay the suite takes its not-completed branches (Get-Jobs
    my-jobs, which-jobs=not-completed, waiting for completion)."""
    with RunningVirtualPrinter(tmp_path, processing_delay=0.3) as slow:
        result = run_suite("ipp-2.0.test", slow.uri, documents)
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    assert "Get-Jobs Operation (which-jobs=not-completed" in report
    assert "[FAIL]" not in report


def test_get_notifications_returns_the_events_of_a_pull_subscription(
        tmp_path: Path, documents: Path) -> None:
    """create-printer-subscription.test, then a job (the printer goes processing and
    back), then get-notifications.test: CUPS's copy expects an attribute named
    notify-event (no printer sends one; RFC 3995 says notify-subscribed-event), the
    copy with the RFC's name passes."""
    with RunningVirtualPrinter(tmp_path / "received", processing_delay=0.2) as slow:
        created = run_suite("create-printer-subscription.test", slow.uri, documents)
        assert created.returncode == 0, created.stdout
        number = subscription_id(created.stdout)
        pdf = make_pdf(tmp_path / "one.pdf", pages=1).read_bytes()
        printed = post(slow.http_url, ipp_request(Operation.PRINT_JOB, slow.uri) + pdf)[1]
        assert printed.status_code == 0
        time.sleep(0.6)  # the job completes; the printer is idle again
        defines = {"id": str(number)}
        cups_copy = run_suite("get-notifications.test", slow.uri, documents, defines=defines)
        assert suite_failures(cups_copy.stdout) == {
            "Get events using Get-Notifications": ["EXPECTED: notify-event"]}
        assert "notify-text (textWithoutLanguage) = Printer virtual is idle." in cups_copy.stdout
        rfc = run_suite(corrected_get_notifications(tmp_path), slow.uri, documents,
                        defines=defines)
        assert rfc.returncode == 0, rfc.stdout
        assert "[PASS]" in rfc.stdout
        assert "notify-subscribed-event (keyword) = printer-state-changed" in rfc.stdout


def test_the_printer_icons_are_served_as_png(printer: RunningVirtualPrinter) -> None:
    answer = post(printer.http_url, ipp_request(
        Operation.GET_PRINTER_ATTRIBUTES, printer.uri,
        keyword("requested-attributes", "printer-icons")))[1]
    found = answer.get(DelimiterTag.PRINTER, "printer-icons")
    assert found is not None and len(found.values) == 3
    for icon in found.values:
        fetched = httpx.get(str(icon), timeout=10)
        assert fetched.status_code == 200
        assert fetched.headers["content-type"] == "image/png"
        assert fetched.content.startswith(b"\x89PNG\r\n\x1a\n")


def test_received_documents_are_kept_private(printer: RunningVirtualPrinter,
                                             documents: Path) -> None:
    result = run_suite("print-job-hold.test", printer.uri, documents)
    assert result.returncode == 0, result.stdout
    stored = sorted(printer.directory.glob("*-document-a4.pdf"))
    assert stored
    original = (documents / "document-a4.pdf").read_bytes()
    assert all(path.read_bytes() == original for path in stored)
    assert all(path.stat().st_mode & 0o777 == 0o600 for path in stored)
