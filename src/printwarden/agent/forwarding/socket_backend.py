"""AppSocket / raw TCP forwarding: ``socket://host[:9100]``.

Connect, stream the document ``copies`` times (raw streams carry no job ticket, so copies
are repeated, never encoded in the data), shut down the write side, then wait for the
printer to close (or ``drain_timeout``) so that what it still sends back (PJL status,
for instance) is read and the connection is not reset under it. Pages printed are the
known pages x copies: this backend has no page counter (PJL/SNMP counting is later).
"""

from __future__ import annotations

import asyncio
import contextlib

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
from printwarden.agent.forwarding.uris import parse_network_uri

__all__ = ["SocketForwarder"]


class SocketForwarder:
    def __init__(self, uri: str, *, connect_timeout: float = 10.0,
                 write_timeout: float = 300.0, drain_timeout: float = 30.0) -> None:
        self.uri = uri
        self.target = parse_network_uri(uri, schemes=("socket",), default_port=9100)
        self.connect_timeout = connect_timeout
        self.write_timeout = write_timeout
        self.drain_timeout = drain_timeout

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.wait_for(
            asyncio.open_connection(self.target.host, self.target.port),
            self.connect_timeout)

    async def status(self) -> DeviceStatus:
        try:
            _, writer = await self._connect()
        except (OSError, TimeoutError) as exc:
            return DeviceStatus(False, "unknown", ("offline-report",), _describe(exc))
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
        return DeviceStatus(True, "unknown", (), "accepts connections")

    async def send(self, job: ForwardJob, *,
                   on_status: StatusCallback | None = None) -> ForwardResult:
        return await streamed(job, lambda: self._send(job, on_status))

    async def _send(self, job: ForwardJob,
                    on_status: StatusCallback | None) -> ForwardResult:
        try:
            reader, writer = await self._connect()
        except (OSError, TimeoutError) as exc:
            notify(on_status, "offline-report")
            return failure(f"{self.uri}: {_describe(exc)}", retryable=True)
        sent = 0
        try:
            for _ in range(job.copies):
                async for chunk in read_document(job):
                    writer.write(chunk)
                    await asyncio.wait_for(writer.drain(), self.write_timeout)
                sent += 1
            if writer.can_write_eof():
                writer.write_eof()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(_drain(reader), self.drain_timeout)
        except FileNotFoundError as exc:
            return failure(f"document missing: {exc}", retryable=False)
        except (OSError, TimeoutError) as exc:
            notify(on_status, "connecting-to-device")
            return failure(f"{self.uri}: connection lost after {sent} of {job.copies} "
                           f"copies: {_describe(exc)}", retryable=sent == 0)
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
        return ForwardResult(True, printed_pages(job), job.copies,
                             f"sent {job.copies} cop{'y' if job.copies == 1 else 'ies'} "
                             f"to {self.target.host}:{self.target.port}")


async def _drain(reader: asyncio.StreamReader) -> None:
    while await reader.read(4096):
        pass


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    return str(exc) or type(exc).__name__
