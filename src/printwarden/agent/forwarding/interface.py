"""The forwarding interface: what the agent core calls to hand a job to a real printer.

One ``Forwarder`` per downstream device URI. ``send`` never raises for a printer
problem: it returns a ``ForwardResult`` whose ``retryable`` flag tells a transient fault
(printer off, busy, refused, timed out) from a permanent one (bad document, format not
supported). ``on_status`` receives short printer-state-reason keywords while a job is
under way (``connecting-to-device``, ``offline-report``, ``media-jam-error``...), so the
agent's queue can mirror them in its own printer-state-reasons.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

__all__ = [
    "CHUNK_SIZE",
    "DeviceAlert",
    "DeviceStatus",
    "DeviceSupply",
    "ForwardJob",
    "ForwardResult",
    "Forwarder",
    "StatusCallback",
    "failure",
    "notify",
    "printed_pages",
    "read_chunks",
]

CHUNK_SIZE = 64 * 1024

StatusCallback = Callable[[str], None]


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


@dataclass(frozen=True)
class ForwardResult:
    ok: bool
    pages_printed: int | None
    copies_printed: int
    detail: str
    remote_job_id: str | None = None
    retryable: bool = False
    """When ``ok`` is False: a transient fault (True) or a permanent one (False)."""


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


def printed_pages(job: ForwardJob, copies: int | None = None) -> int | None:
    """Known pages x copies, or None when the page count is unknown."""
    if job.pages is None:
        return None
    return job.pages * (job.copies if copies is None else copies)


async def read_chunks(path: Path, chunk_size: int = CHUNK_SIZE) -> AsyncIterator[bytes]:
    """The file's bytes in chunks, read off the event loop (never the whole file)."""
    handle = await asyncio.to_thread(path.open, "rb")
    try:
        while chunk := await asyncio.to_thread(handle.read, chunk_size):
            yield chunk
    finally:
        handle.close()
