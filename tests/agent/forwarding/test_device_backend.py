"""The device-file forwarder: a regular file, a FIFO read by a thread, a missing device."""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path

import pytest

from printwarden.agent.forwarding import DeviceForwarder, ForwardJob


def _job(document: Path, copies: int = 1) -> ForwardJob:
    return ForwardJob("01JOB", "t", "dan", document, "application/vnd.hp-pcl",
                      copies=copies, pages=2)


def test_a_regular_file_receives_the_copies_and_is_replaced_not_appended(
        tmp_path: Path, binary_doc: Path) -> None:
    target = tmp_path / "out.prn"
    target.write_bytes(b"old contents")
    result = asyncio.run(DeviceForwarder(f"file://{target}").send(_job(binary_doc, copies=2)))

    assert result.ok, result.detail
    assert target.read_bytes() == binary_doc.read_bytes() * 2
    assert (result.copies_printed, result.pages_printed) == (2, 4)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_a_fifo_is_written_once_a_reader_opens_it(tmp_path: Path, binary_doc: Path) -> None:
    fifo = tmp_path / "printer.fifo"
    os.mkfifo(fifo)
    received = bytearray()

    def read() -> None:
        with fifo.open("rb") as handle:
            while chunk := handle.read(65536):
                received.extend(chunk)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        result = asyncio.run(DeviceForwarder(f"file://{fifo}").send(_job(binary_doc)))
    finally:
        reader.join(timeout=20)
    assert result.ok, result.detail
    assert bytes(received) == binary_doc.read_bytes()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_a_fifo_without_a_reader_is_retryable(tmp_path: Path, binary_doc: Path) -> None:
    fifo = tmp_path / "nobody.fifo"
    os.mkfifo(fifo)
    forwarder = DeviceForwarder(f"file://{fifo}", open_timeout=0.3)
    result = asyncio.run(forwarder.send(_job(binary_doc)))

    assert not result.ok and result.retryable
    assert "no reader" in result.detail


@pytest.mark.parametrize("uri", ["usb:///dev/usb/lp-printwarden-none",
                                 "file:///nonexistent-printwarden-dir/out.prn"])
def test_a_missing_device_is_retryable(uri: str, binary_doc: Path) -> None:
    reasons: list[str] = []
    forwarder = DeviceForwarder(uri)
    result = asyncio.run(forwarder.send(_job(binary_doc), on_status=reasons.append))

    assert not result.ok and result.retryable
    assert "device not connected" in result.detail
    assert reasons == ["offline-report"]
    assert not asyncio.run(forwarder.status()).reachable


def test_usb_never_creates_a_file(tmp_path: Path, binary_doc: Path) -> None:
    target = tmp_path / "lp0"
    asyncio.run(DeviceForwarder(f"usb://{target}").send(_job(binary_doc)))

    assert not target.exists()
