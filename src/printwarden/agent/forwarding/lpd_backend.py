"""LPD forwarding (RFC 1179): ``lpd://host[:515]/queue``.

See ``lpd_protocol`` for the choices made (data file first, copies as repeated ``l``
lines, no privileged source port). Every command and sub-command must be acknowledged
with a zero byte; any other answer (or a closed connection) fails the job with a detail
naming the step. LPD does not say why it refused, and the usual reasons (queue disabled,
spool full) pass, so a refusal is retryable; the retry policy bounds the attempts.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket

from printwarden.agent.forwarding.interface import (
    DeviceStatus,
    ForwardJob,
    ForwardResult,
    StatusCallback,
    document_size,
    failure,
    notify,
    printed_pages,
    read_document,
    streamed,
)
from printwarden.agent.forwarding.lpd_protocol import (
    ACK,
    abort_job,
    control_file,
    lpd_job_files,
    receive_control_file,
    receive_data_file,
    receive_job,
)
from printwarden.agent.forwarding.uris import parse_network_uri

__all__ = ["LpdForwarder", "LpdRefused"]


class LpdRefused(Exception):
    """The server answered a step with something other than a zero byte."""


class LpdForwarder:
    def __init__(self, uri: str, *, timeout: float = 30.0, host_name: str | None = None,
                 job_class: str | None = None) -> None:
        self.uri = uri
        self.target = parse_network_uri(uri, schemes=("lpd",), default_port=515)
        if not self.target.path:
            raise ValueError(f"{uri!r}: no queue (expected lpd://host[:port]/queue)")
        self.queue = self.target.path
        self.timeout = timeout
        self.host_name = host_name or socket.gethostname().split(".")[0]
        self.job_class = job_class

    async def status(self) -> DeviceStatus:
        """Command 04 (send queue state, long); the text becomes the message."""
        try:
            reader, writer = await self._connect()
            try:
                writer.write(b"\x04" + self.queue.encode("utf-8") + b" \n")
                await writer.drain()
                text = await asyncio.wait_for(reader.read(8192), self.timeout)
            finally:
                writer.close()
        except (OSError, TimeoutError) as exc:
            return DeviceStatus(False, "unknown", ("offline-report",), str(exc) or "timed out")
        return DeviceStatus(True, "unknown", (), text.decode("utf-8", "replace").strip())

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.wait_for(
            asyncio.open_connection(self.target.host, self.target.port), self.timeout)

    async def send(self, job: ForwardJob, *,
                   on_status: StatusCallback | None = None) -> ForwardResult:
        return await streamed(job, lambda: self._send(job, on_status))

    async def _send(self, job: ForwardJob,
                    on_status: StatusCallback | None) -> ForwardResult:
        try:
            size = document_size(job)
        except OSError as exc:
            return failure(f"document unreadable: {exc}", retryable=False)
        try:
            reader, writer = await self._connect()
        except (OSError, TimeoutError) as exc:
            notify(on_status, "offline-report")
            return failure(f"{self.uri}: {exc or 'connect timed out'}", retryable=True)
        try:
            await self._transfer(reader, writer, job, size)
        except LpdRefused as exc:
            notify(on_status, "other-warning")
            with contextlib.suppress(OSError):
                writer.write(abort_job())
            return failure(f"{self.uri}: {exc}", retryable=True)
        except (OSError, TimeoutError) as exc:
            notify(on_status, "connecting-to-device")
            return failure(f"{self.uri}: connection lost: {exc or 'timed out'}", retryable=True)
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
        return ForwardResult(True, printed_pages(job), job.copies,
                             f"queued on {self.target.host} queue {self.queue}")

    async def _transfer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                        job: ForwardJob, size: int) -> None:
        files = lpd_job_files(job.job_id, self.host_name)
        control = control_file(files, user=job.username, title=job.title or job.job_id,
                               copies=job.copies, job_class=self.job_class)

        async def step(data: bytes, what: str) -> None:
            writer.write(data)
            await asyncio.wait_for(writer.drain(), self.timeout)
            answer = await asyncio.wait_for(reader.read(1), self.timeout)
            if answer != ACK:
                said = f"byte 0x{answer[0]:02x}" if answer else "closed the connection"
                raise LpdRefused(f"{what} refused ({said})")

        await step(receive_job(self.queue), f"receive-job for queue {self.queue!r}")
        await step(receive_data_file(size, files.data_name), "data file sub-command")
        sent = 0
        async for chunk in read_document(job):
            sent += len(chunk)
            writer.write(chunk)
            await asyncio.wait_for(writer.drain(), self.timeout)
        if sent != size:
            raise OSError(f"document changed size while sending ({size} -> {sent} bytes)")
        await step(b"\x00", "data file")
        await step(receive_control_file(len(control), files.control_name),
                   "control file sub-command")
        await step(control + b"\x00", "control file")
