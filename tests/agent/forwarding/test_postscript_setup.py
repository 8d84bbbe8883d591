"""A forced duplex over raw streams (AppSocket, LPD): a PostScript document carries the
``setpagedevice`` request after its ``%!`` header line, every copy, and Ghostscript still
reads the result page for page; anything else is sent byte-exact."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from printwarden.agent.forwarding import ForwardJob, SocketForwarder
from printwarden.agent.forwarding.interface import document_size, setup_offset
from printwarden.documents.transforms import postscript_duplex_setup
from tests.agent.colour_documents import colour_ps
from tests.agent.forwarding.test_lpd_backend import LpdServer, _send

SETUP = postscript_duplex_setup()


def _job(document: Path, copies: int = 1, setup: bytes = SETUP) -> ForwardJob:
    return ForwardJob("01JOB", "t", "bob", document, "application/postscript",
                      copies=copies, pages=2, postscript_setup=setup)


async def _socket_send(job: ForwardJob) -> bytes:
    received = bytearray()
    done = asyncio.Event()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while chunk := await reader.read(65536):
            received.extend(chunk)
        writer.close()
        done.set()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        result = await SocketForwarder(f"socket://127.0.0.1:{port}").send(job)
        await asyncio.wait_for(done.wait(), 10)
    finally:
        server.close()
        await server.wait_closed()
    assert result.ok, result.detail
    return bytes(received)


def test_the_setup_follows_the_header_line_of_every_copy_over_appsocket(
        tmp_path: Path) -> None:
    document = tmp_path / "doc.ps"
    document.write_bytes(colour_ps(2))
    header, rest = colour_ps(2).split(b"\n", 1)

    received = asyncio.run(_socket_send(_job(document, copies=2)))

    assert received == (header + b"\n" + SETUP + rest) * 2
    assert b"<</Duplex true /Tumble false>> setpagedevice" in SETUP
    assert b"/Tumble true" in postscript_duplex_setup(short_edge=True)


def test_lpd_announces_the_size_with_the_setup_and_sends_it(tmp_path: Path) -> None:
    document = tmp_path / "doc.ps"
    document.write_bytes(b"%!PS-Adobe-3.0\r\n%%Pages: 1\r\nshowpage\r\n")
    server = LpdServer()

    result = asyncio.run(_send(server, _job(document)))

    assert result.ok, result.detail
    [data] = [content for name, content in server.jobs[0].files.items()
              if name.startswith("df")]
    assert data == b"%!PS-Adobe-3.0\r\n" + SETUP + b"%%Pages: 1\r\nshowpage\r\n"


@pytest.mark.parametrize("content", [
    b"\x1b%-12345X@PJL ENTER LANGUAGE=POSTSCRIPT\n%!PS\nshowpage\n",  # PJL-wrapped
    b"%!PS" + b" " * 2000 + b"\nshowpage\n",  # no header line within the first 1 KiB
    b"%PDF-1.4\n",
])
def test_a_document_that_is_not_plain_postscript_is_sent_as_it_is(
        tmp_path: Path, content: bytes) -> None:
    document = tmp_path / "doc"
    document.write_bytes(content)
    job = _job(document)

    assert setup_offset(job) is None and document_size(job) == len(content)
    assert asyncio.run(_socket_send(job)) == content


def test_without_a_setup_nothing_is_added(tmp_path: Path) -> None:
    document = tmp_path / "doc.ps"
    document.write_bytes(colour_ps(1))
    assert asyncio.run(_socket_send(_job(document, setup=b""))) == colour_ps(1)


@pytest.mark.skipif(shutil.which("gs") is None, reason="Ghostscript is needed")
def test_ghostscript_prints_the_document_with_the_setup_page_for_page(tmp_path: Path) -> None:
    document = tmp_path / "doc.ps"
    document.write_bytes(colour_ps(3))
    sent = tmp_path / "sent.ps"
    sent.write_bytes(asyncio.run(_socket_send(_job(document))))
    out = tmp_path / "out.pdf"

    done = subprocess.run(["gs", "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=pdfwrite",
                           f"-sOutputFile={out}", str(sent)], capture_output=True, timeout=60,
                          check=False)

    assert done.returncode == 0, done.stderr
    assert len(PdfReader(out).pages) == 3
