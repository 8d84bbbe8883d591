"""What the forced transforms change in the job handed to a backend (``forced_output``)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from printwarden.agent.model import JobMeta, LocalJob
from printwarden.agent.processing.forced_output import forced_output
from printwarden.agent.storage.journal import Journal
from printwarden.agent.storage.spool import Spool
from printwarden.documents.transforms import postscript_duplex_setup

PDF, PS = "application/pdf", "application/postscript"


@pytest.fixture
def spool(tmp_path: Path) -> Iterator[Spool]:
    journal = Journal(tmp_path / "agent.db")
    yield Spool(tmp_path / "spool", journal, max_job_bytes=1 << 20, min_free_bytes=0)
    journal.close()


def _job(*transforms: str, sides: str = "one-sided", color_mode: str = "color") -> LocalJob:
    now = datetime.now(UTC)
    return LocalJob(local_id="01JOB", queue="hall", spool_name="01JOB.doc", size_bytes=1,
                    created_at=now, updated_at=now, transforms=transforms,
                    meta=JobMeta(username="alice", sides=sides, color_mode=color_mode))


def test_grayscale_sends_the_grey_pdf_as_monochrome_pdf(spool: Spool) -> None:
    out = forced_output(_job("grayscale"), spool, PS, "ipp://printer/ipp/print")
    assert (out.document, out.document_format) == (spool.directory / "01JOB.gray.pdf", PDF)
    assert (out.color_mode, out.sides, out.postscript_setup) == ("monochrome", "one-sided", b"")


def test_duplex_is_long_edge_unless_the_job_asked_two_sided_already(spool: Spool) -> None:
    assert forced_output(_job("duplex"), spool, PDF, "ipp://p/x").sides == "two-sided-long-edge"
    short = forced_output(_job("duplex", sides="two-sided-short-edge"), spool, PDF, "ipp://p/x")
    assert short.sides == "two-sided-short-edge"
    untouched = forced_output(_job(color_mode="auto"), spool, PS, "socket://p")
    assert (untouched.document, untouched.document_format) == (spool.directory / "01JOB.doc",
                                                               PS)
    assert (untouched.sides, untouched.color_mode, untouched.postscript_setup) == (
        "one-sided", "auto", b"")


@pytest.mark.parametrize("uri", ["socket://p:9100", "lpd://p/raw", "file:///tmp/x",
                                 "usb:///dev/usb/lp0", "SOCKET://p"])
def test_raw_postscript_gets_the_setpagedevice_request(spool: Spool, uri: str) -> None:
    assert forced_output(_job("duplex"), spool, PS, uri).postscript_setup == (
        postscript_duplex_setup())
    short = forced_output(_job("duplex", sides="two-sided-short-edge"), spool, PS, uri)
    assert short.postscript_setup == postscript_duplex_setup(short_edge=True)


@pytest.mark.parametrize("uri", ["ipp://p/x", "ipps://p/x", "cups://q"])
def test_ipp_and_cups_ask_through_sides_only(spool: Spool, uri: str) -> None:
    assert forced_output(_job("duplex"), spool, PS, uri).postscript_setup == b""


def test_raw_pdf_with_a_forced_duplex_says_the_device_default_applies(
        spool: Spool, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="printwarden.agent.processing.forced_output"):
        out = forced_output(_job("grayscale", "duplex"), spool, PS, "socket://p")
    assert out.postscript_setup == b""  # it is a PDF now
    assert "the device's default applies" in caplog.text
    plain = forced_output(replace(_job("duplex")), spool, PDF, "lpd://p/q")
    assert plain.postscript_setup == b"" and plain.sides == "two-sided-long-edge"
