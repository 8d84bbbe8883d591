"""Running CUPS's ipptool suites from tests, and reading their reports.

Two suites of CUPS 2.4 check things no printer can satisfy, and the tests say so:
- ``get-notifications.test`` expects an event attribute named ``notify-event``; RFC 3995
  names it ``notify-subscribed-event`` (cupsd 2.4 fails the suite the same way), so the
  tests also run a copy with the RFC's name (``corrected_get_notifications``);
- the fifth test of ``get-printer-attributes-suite.test``, "requested-attributes=
  'media-col-database'", sends requested-attributes 'all' and then expects
  media-col-database and nothing else, which contradicts its second test ('all' without
  media-col-database): ``suite_failures`` lets a test name the failures it expects.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

IPPTOOL = shutil.which("ipptool")
SUITES = Path("/usr/share/cups/ipptool")
#: ipptool's -V for each suite written for a version (the suites' own usage lines).
VERSIONS = {"ipp-2.1.test": "2.1", "ipp-2.2.test": "2.2"}
#: The suite that proves each IPP version a printer claims in ipp-versions-supported.
SUITE_OF_VERSION = {"1.1": "ipp-1.1.test", "2.0": "ipp-2.0.test", "2.1": "ipp-2.1.test",
                    "2.2": "ipp-2.2.test"}


def run_suite(suite: str | Path, printer_uri: str, cwd: Path, *, timeout: float = 600,
              defines: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``ipptool -tI`` of ``suite`` (a name in /usr/share/cups/ipptool, or a path)."""
    assert IPPTOOL is not None
    path = suite if isinstance(suite, Path) else SUITES / suite
    args = [IPPTOOL, "-tI", "-T", "30", "-V", VERSIONS.get(path.name, "2.0"),
            "-f", "document-a4.pdf"]
    for key, value in (defines or {}).items():
        args += ["-d", f"{key}={value}"]
    return subprocess.run([*args, printer_uri, str(path)], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout)


def suite_failures(report: str) -> dict[str, list[str]]:
    """Failed test name -> the report lines under it that say why."""
    failures: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in report.splitlines():
        found = re.match(r"\s{4}(\S.*?)\s+\[(PASS|FAIL|SKIP|\d+)\]$", line)
        if found:
            current = failures.setdefault(found[1], []) if found[2] == "FAIL" else None
        elif current is not None and ("EXPECTED" in line or "GOT" in line):
            current.append(line.strip())
    return failures


def corrected_get_notifications(directory: Path) -> Path:
    """``get-notifications.test`` with RFC 3995's attribute name for the event keyword."""
    text = (SUITES / "get-notifications.test").read_text()
    corrected = text.replace("EXPECT notify-event OF-TYPE keyword",
                             "EXPECT notify-subscribed-event OF-TYPE keyword").replace(
        "DISPLAY notify-event", "DISPLAY notify-subscribed-event")
    assert corrected != text
    path = directory / "get-notifications-rfc3995.test"
    path.write_text(corrected)
    return path


def subscription_id(report: str) -> int:
    found = re.findall(r"notify-subscription-id \(integer\) = (\d+)", report)
    assert found, report
    return int(found[-1])


def print_job_test(status: str, *, user: str = "alice",
                   document_format: str = "application/pdf") -> str:
    """An ipptool test file of one Print-Job of ``$filename`` as ``user``, expecting
    ``status`` (and a job id when that is ``successful-ok``)."""
    expect = "\n    EXPECT job-id OF-TYPE integer" if status == "successful-ok" else ""
    return f"""{{
    NAME "Print-Job as {user}, expecting {status}"
    OPERATION Print-Job
    GROUP operation-attributes-tag
    ATTR charset attributes-charset utf-8
    ATTR language attributes-natural-language en
    ATTR uri printer-uri $uri
    ATTR name requesting-user-name {user}
    ATTR mimeMediaType document-format {document_format}
    FILE $filename
    STATUS {status}{expect}
}}
"""


def run_print_job(printer_uri: str, document: Path, status: str, *,
                  timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """``ipptool -tI`` of ``print_job_test(status)`` sending ``document`` (the test file
    is written next to it)."""
    assert IPPTOOL is not None
    test_file = document.with_name(f"print-job-{status}.test")
    test_file.write_text(print_job_test(status))
    return subprocess.run([IPPTOOL, "-tI", "-T", "30", "-f", str(document), printer_uri,
                           str(test_file)], capture_output=True, text=True, timeout=timeout)
