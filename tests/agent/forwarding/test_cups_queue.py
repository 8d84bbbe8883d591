"""The CUPS forwarder through a private cupsd whose raw queue writes to a file."""

from __future__ import annotations

import asyncio
import subprocess
import time
from pathlib import Path

import pytest

from printwarden.agent.forwarding import CupsForwarder, ForwardJob
from printwarden.agent.forwarding.cups_queue import parse_request_id
from tests.agent.forwarding.conftest import Cupsd


def _documents(spool: Path, timeout: float = 20) -> list[bytes]:
    """What the printer behind the queue kept (waits for its first file)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not any(spool.iterdir()):
        time.sleep(0.1)
    return [p.read_bytes() for p in sorted(spool.iterdir()) if p.suffix != ".prn"]


def test_a_job_submitted_with_lp_completes_and_its_bytes_reach_the_device(
        cupsd: Cupsd, pdf: Path) -> None:
    forwarder = CupsForwarder(f"cups://{cupsd.server}/sink", poll_initial=0.1, poll_max=0.5,
                              follow_timeout=60)
    job = ForwardJob("01JOB", "Minutes", "erin", pdf, "application/pdf", pages=2)
    result = asyncio.run(forwarder.send(job))

    assert result.ok, result.detail
    assert result.remote_job_id is not None and result.remote_job_id.startswith("sink-")
    completed = subprocess.run(["lpstat", "-h", cupsd.server, "-W", "completed", "-o", "sink"],
                               capture_output=True, text=True, check=False).stdout
    assert result.remote_job_id in completed.split()
    assert "erin" in completed
    assert _documents(cupsd.printer.spool) == [pdf.read_bytes()]


def test_status_and_a_refused_submission_to_an_unknown_queue(
        cupsd: Cupsd, binary_doc: Path) -> None:
    good = asyncio.run(CupsForwarder(f"cups://{cupsd.server}/sink").status())
    missing = CupsForwarder(f"cups://{cupsd.server}/no-such-queue")
    result = asyncio.run(missing.send(
        ForwardJob("01JOB", "t", "erin", binary_doc, "application/octet-stream")))

    assert good.reachable and good.state == "idle"
    assert not result.ok
    assert not result.retryable
    assert "no-such-queue" in result.detail and "does not exist" in result.detail


def test_uri_forms_and_request_id_parsing() -> None:
    local = CupsForwarder("cups://office")
    remote = CupsForwarder("cups://print.example:631/office")

    assert (local.server, local.queue) == (None, "office")
    assert (remote.server, remote.queue) == ("print.example:631", "office")
    assert parse_request_id("request id is sink-12 (1 file(s))\n") == "sink-12"
    assert parse_request_id("lp: error") is None
    with pytest.raises(ValueError, match="cups://queue"):
        CupsForwarder("cups://")
