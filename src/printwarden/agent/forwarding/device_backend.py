"""Device-file forwarding: ``usb:///dev/usb/lp0`` and ``file:///path/to/file-or-fifo``.

The document is written ``copies`` times (like AppSocket, the stream has no ticket).
``usb:`` opens an existing character device and never creates one: a missing device is
"device not connected" (retryable). ``file:`` truncates or creates a regular file (its
directory must exist) and fsyncs it; a FIFO is opened without blocking, retried until a
reader appears or ``open_timeout`` passes (retryable). CUPS-style ``usb://Make/Model``
URIs name a device through libusb and are not supported here.

FIFOs and non-blocking opens are POSIX; on Windows only regular files and devices that
open at once (``file:///C:/...``) are used.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import stat
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

from printwarden.agent.forwarding.interface import (
    DeviceStatus,
    ForwardJob,
    ForwardResult,
    StatusCallback,
    failure,
    notify,
    printed_pages,
    read_document,
    streamed,
)

__all__ = ["DeviceForwarder", "device_path"]

_NOT_THERE = (errno.ENOENT, errno.ENXIO, errno.ENODEV, errno.EIO)


def device_path(uri: str) -> Path:
    parts = urlsplit(uri)
    if parts.scheme not in ("usb", "file"):
        raise ValueError(f"{uri!r}: expected a usb:///dev/... or file:///... URI")
    if parts.netloc not in ("", "localhost"):
        raise ValueError(f"{uri!r}: only local paths are supported "
                         f"({parts.scheme}:///path, not {parts.scheme}://{parts.netloc}/...)")
    path = unquote(parts.path)
    if len(path) > 2 and path[0] == "/" and path[2] == ":":  # file:///C:/x on Windows
        path = path[1:]
    if not path or path == "/":
        raise ValueError(f"{uri!r}: no device path")
    return Path(path)


class DeviceForwarder:
    def __init__(self, uri: str, *, open_timeout: float = 30.0) -> None:
        self.uri = uri
        self.path = device_path(uri)
        self.create = urlsplit(uri).scheme == "file"
        self.open_timeout = open_timeout

    async def status(self) -> DeviceStatus:
        if self.path.exists():
            return DeviceStatus(True, "idle", (), f"{self.path} present")
        if self.create and self.path.parent.is_dir():
            return DeviceStatus(True, "idle", (), f"{self.path} will be created")
        return DeviceStatus(False, "unknown", ("offline-report",), "device not connected")

    async def send(self, job: ForwardJob, *,
                   on_status: StatusCallback | None = None) -> ForwardResult:
        return await streamed(job, lambda: self._send(job, on_status))

    async def _send(self, job: ForwardJob,
                    on_status: StatusCallback | None) -> ForwardResult:
        if not job.document.is_file():
            return failure(f"document missing: {job.document}", retryable=False)
        try:
            fd = await self._open()
        except TimeoutError:
            notify(on_status, "connecting-to-device")
            return failure(f"{self.path}: no reader within {self.open_timeout:.0f} s",
                           retryable=True)
        except OSError as exc:
            notify(on_status, "offline-report")
            retry = exc.errno in _NOT_THERE or exc.errno == errno.EBUSY
            text = "device not connected" if exc.errno in _NOT_THERE else exc.strerror
            return failure(f"{self.path}: {text}", retryable=retry)
        try:
            for _ in range(job.copies):
                async for chunk in read_document(job):
                    await asyncio.to_thread(_write_all, fd, chunk)
            if stat.S_ISREG(os.fstat(fd).st_mode):
                await asyncio.to_thread(os.fsync, fd)
        except OSError as exc:
            notify(on_status, "other-error")
            return failure(f"{self.path}: write failed: {exc.strerror or exc}", retryable=True)
        finally:
            with contextlib.suppress(OSError):
                os.close(fd)
        return ForwardResult(True, printed_pages(job), job.copies, f"written to {self.path}")

    async def _open(self) -> int:
        flags = os.O_WRONLY | getattr(os, "O_BINARY", 0)
        if self.create:
            flags |= os.O_CREAT | os.O_TRUNC
        if self.create and self.path.is_fifo():
            return await self._open_fifo()
        if not self.create and not self.path.exists():
            raise OSError(errno.ENOENT, "device not connected", str(self.path))
        return await asyncio.to_thread(os.open, self.path, flags, 0o600)

    async def _open_fifo(self) -> int:
        """Open a FIFO for writing once it has a reader, without tying up a thread."""
        nonblock: int = getattr(os, "O_NONBLOCK", 0)
        deadline = time.monotonic() + self.open_timeout
        while True:
            try:
                fd = os.open(self.path, os.O_WRONLY | nonblock)
            except OSError as exc:
                if exc.errno != errno.ENXIO:
                    raise
                if time.monotonic() > deadline:
                    raise TimeoutError from None
                await asyncio.sleep(0.05)
                continue
            os.set_blocking(fd, True)
            return fd


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]
