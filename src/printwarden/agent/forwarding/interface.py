"""The forwarding interface: what the agent core calls to hand a job to a real printer.

One ``Forwarder`` per downstream device URI. ``send`` never raises for a printer
problem: it returns a ``ForwardResult`` whose ``retryable`` flag tells a transient fault
(printer off, busy, refused, timed out: the device took nothing) from a permanent one
(bad document, format not supported: a 4xx-class refusal). ``on_status`` receives short
printer-state-reason keywords while a job is under way (``connecting-to-device``,
``offline-report``, ``media-jam-error``...), so the agent's queue can mirror them.

Three things let the agent stay exact through faults:

- ``ForwardJob.cancel``: once set, the backend stops the transfer, cancels the job on the
  device where it can (IPP Cancel-Job, CUPS ``cancel``) and answers ``cancelled`` with
  what the device printed before (``pages_printed``; None when it cannot tell).
- ``ForwardJob.on_accepted(remote_id)``: awaited once the device holds the whole
  document, before the backend follows the job, so the agent journals it.
- ``ForwardJob.resume_remote_id``: after a restart, follow that job on the device instead
  of sending the document again (a job is printed once); a device that no longer knows it
  answers ``lost`` (it restarted), with the pages it last reported, if any.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

__all__ = [
    "CHUNK_SIZE",
    "Accepted",
    "DeviceAlert",
    "DeviceStatus",
    "DeviceSupply",
    "ForwardJob",
    "ForwardResult",
    "Forwarder",
    "StatusCallback",
    "TransferCancelled",
    "cancelled",
    "document_size",
    "failure",
    "notify",
    "printed_pages",
    "read_chunks",
    "read_document",
    "setup_offset",
    "streamed",
    "wait_or_cancel",
]

CHUNK_SIZE = 64 * 1024

StatusCallback = Callable[[str], None]
#: ``on_accepted(remote_id)``: the device holds the whole document under ``remote_id``.
Accepted = Callable[[str], Awaitable[None]]


class TransferCancelled(Exception):
    """The job's cancel was set while its document was being sent."""


@dataclass(frozen=True)
class ForwardJob:
    job_id: str
    title: str
    username: str
    document: Path
    document_format: str
    """MIME media type, e.g. ``application/pdf``."""
    copies: int = 1
    sides: str = "one-sided"
    color_mode: str = "auto"
    """``color`` | ``monochrome`` | ``auto``."""
    media: str | None = None
    pages: int | None = None
    """Pages per copy, if known (for reporting)."""
    cancel: asyncio.Event | None = field(default=None, compare=False)
    on_accepted: Accepted | None = field(default=None, compare=False)
    resume_remote_id: str | None = None
    postscript_setup: bytes = b""
    """PostScript the raw-stream backends (AppSocket, LPD, USB/file: no job ticket) put
    after the first line (the ``%!`` header) of a PostScript document: how a forced
    duplex reaches such a printer. IPP and CUPS ask through ``sides`` instead."""

    @property
    def cancel_requested(self) -> bool:
        return self.cancel is not None and self.cancel.is_set()


@dataclass(frozen=True)
class ForwardResult:
    ok: bool
    pages_printed: int | None
    copies_printed: int
    detail: str
    remote_job_id: str | None = None
    retryable: bool = False
    """When ``ok`` is False: a transient fault (True) or a permanent one (False)."""
    cancelled: bool = False
    """Stopped on request: ``pages_printed`` says what printed before (None: unknown)."""
    lost: bool = False
    """The device no longer knows the job it accepted (it restarted): ``pages_printed``
    is what it last reported, None when it reported nothing."""


@dataclass(frozen=True)
class DeviceSupply:
    """One printer-supply value (PWG 5100.13 ``key=value;`` text) and its description."""

    value: str
    description: str


@dataclass(frozen=True)
class DeviceAlert:
    """One printer-alert value (PWG 5100.9 ``key=value;`` text) and its description."""

    value: str
    description: str


@dataclass(frozen=True)
class DeviceStatus:
    reachable: bool
    state: str
    """``idle`` | ``processing`` | ``stopped`` | ``unknown``."""
    reasons: tuple[str, ...] = ()
    message: str = ""
    supplies: tuple[DeviceSupply, ...] = ()
    """What the device reports of its supplies (empty: it reports nothing)."""
    alerts: tuple[DeviceAlert, ...] = ()
    supply_info_uri: str = ""
    """The device's own supplies page, when it names one."""


@runtime_checkable
class Forwarder(Protocol):
    """Sends documents to one downstream device."""

    uri: str

    async def send(self, job: ForwardJob, *,
                   on_status: StatusCallback | None = None) -> ForwardResult: ...

    async def status(self) -> DeviceStatus: ...


def notify(on_status: StatusCallback | None, reason: str) -> None:
    """Report ``reason`` if someone listens; a failing listener never fails a job."""
    if on_status is None:
        return
    try:
        on_status(reason)
    except Exception:  # a listener's bug must not lose the job
        return


def failure(detail: str, *, retryable: bool, remote_job_id: str | None = None) -> ForwardResult:
    return ForwardResult(ok=False, pages_printed=None, copies_printed=0, detail=detail,
                         remote_job_id=remote_job_id, retryable=retryable)


def cancelled(detail: str, pages_printed: int | None = 0,
              remote_job_id: str | None = None) -> ForwardResult:
    return ForwardResult(ok=False, pages_printed=pages_printed, copies_printed=0,
                         detail=detail, remote_job_id=remote_job_id, cancelled=True)


async def wait_or_cancel(job: ForwardJob, seconds: float) -> bool:
    """Sleep ``seconds``, or less if the job is cancelled; answers whether it was."""
    if job.cancel is None:
        await asyncio.sleep(seconds)
        return False
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(job.cancel.wait(), seconds)
    return job.cancel.is_set()


async def streamed(job: ForwardJob,
                   transfer: Callable[[], Awaitable[ForwardResult]]) -> ForwardResult:
    """The fault handling of a backend that streams the document and has no job to follow
    on the device (AppSocket, LPD, USB/file): a resumed job was sent whole before the
    agent restarted (it is not sent again); a cancel stops the transfer; a finished
    transfer is reported through ``on_accepted``. Pages a printer may print from part of
    a document are not known to these backends: a stopped transfer reports None."""
    if job.resume_remote_id is not None:
        return ForwardResult(True, printed_pages(job), job.copies,
                             "sent in full before the agent restarted", job.resume_remote_id)
    if job.cancel_requested:
        return cancelled("cancelled before it was sent")
    try:
        result = await transfer()
    except TransferCancelled:
        return cancelled("cancelled while it was being sent: the transfer stopped; pages the "
                         "printer may have printed from the part it got are not known", None)
    if result.ok and job.on_accepted is not None:
        await job.on_accepted(result.remote_job_id or "sent")
    return result


def printed_pages(job: ForwardJob, copies: int | None = None) -> int | None:
    """Known pages x copies, or None when the page count is unknown."""
    if job.pages is None:
        return None
    return job.pages * (job.copies if copies is None else copies)


#: How far into a document its ``%!`` header line may end for the setup to go after it.
_HEADER_BYTES = 1024


def _head(path: Path, size: int) -> bytes:
    with path.open("rb") as handle:
        return handle.read(size)


def setup_offset(job: ForwardJob) -> int | None:
    """Where ``job.postscript_setup`` goes in the document: after its first line when it
    starts ``%!``; None when there is no setup or the document is not plain PostScript
    (a PJL-wrapped one, say: it prints as it is, with the device's default)."""
    if not job.postscript_setup:
        return None
    head = _head(job.document, _HEADER_BYTES)
    if not head.startswith(b"%!"):
        return None
    ends = [at for at in (head.find(b"\n"), head.find(b"\r")) if at >= 0]
    if not ends:
        return None
    end = min(ends)
    return end + (2 if head[end:end + 2] == b"\r\n" else 1)


def document_size(job: ForwardJob) -> int:
    """The bytes ``read_document`` yields (the file, plus the setup where it goes)."""
    size = job.document.stat().st_size
    return size + (len(job.postscript_setup) if setup_offset(job) is not None else 0)


async def read_document(job: ForwardJob) -> AsyncIterator[bytes]:
    """``read_chunks`` of the job's document, with its ``postscript_setup`` after the
    header line (see ``setup_offset``)."""
    offset = await asyncio.to_thread(setup_offset, job)
    if offset is None:
        async for chunk in read_chunks(job.document, cancel=job.cancel):
            yield chunk
        return
    head = await asyncio.to_thread(_head, job.document, offset)
    yield head + job.postscript_setup
    async for chunk in read_chunks(job.document, cancel=job.cancel, start=offset):
        yield chunk


async def read_chunks(path: Path, chunk_size: int = CHUNK_SIZE, *,
                      cancel: asyncio.Event | None = None,
                      start: int = 0) -> AsyncIterator[bytes]:
    """The file's bytes from ``start`` in chunks, read off the event loop (never the whole
    file); raises ``TransferCancelled`` between chunks once ``cancel`` is set."""
    handle = await asyncio.to_thread(path.open, "rb")
    try:
        if start:
            handle.seek(start)
        while chunk := await asyncio.to_thread(handle.read, chunk_size):
            if cancel is not None and cancel.is_set():
                raise TransferCancelled("cancelled while sending")
            yield chunk
    finally:
        handle.close()
