"""The CUPS ipptool suites against the virtual printer, served for real on loopback."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ipp.server.support import GS, RunningVirtualPrinter, make_suite_documents

IPPTOOL = shutil.which("ipptool")
SUITES = Path("/usr/share/cups/ipptool")
pytestmark = pytest.mark.skipif(IPPTOOL is None or GS is None,
                                reason="ipptool (cups-ipp-utils) and gs are needed")


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("suite-documents")
    make_suite_documents(directory)
    return directory


@pytest.fixture(scope="module")
def printer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningVirtualPrinter]:
    with RunningVirtualPrinter(tmp_path_factory.mktemp("received")) as running:
        yield running


def run_suite(suite: str, printer_uri: str, documents: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(IPPTOOL), "-tI", "-T", "30", "-f", "document-a4.pdf", printer_uri,
         str(SUITES / suite)],
        cwd=documents, capture_output=True, text=True, timeout=240)


@pytest.mark.parametrize("suite", ["ipp-1.1.test", "ipp-2.0.test", "validate-job.test",
                                   "get-jobs.test", "print-job-hold.test"])
def test_ipptool_suite_passes(suite: str, printer: RunningVirtualPrinter,
                              documents: Path) -> None:
    result = run_suite(suite, printer.uri, documents)
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    assert "[FAIL]" not in report
    assert "[PASS]" in report


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


def test_received_documents_are_kept_private(printer: RunningVirtualPrinter,
                                             documents: Path) -> None:
    result = run_suite("print-job-hold.test", printer.uri, documents)
    assert result.returncode == 0, result.stdout
    stored = sorted(printer.directory.glob("*-document-a4.pdf"))
    assert stored
    original = (documents / "document-a4.pdf").read_bytes()
    assert all(path.read_bytes() == original for path in stored)
    assert all(path.stat().st_mode & 0o777 == 0o600 for path in stored)
