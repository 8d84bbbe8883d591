"""Forwarding through a CUPS queue: ``cups://queue`` or ``cups://server:port/queue``.

Submits with the CUPS command-line clients (``lp``, then ``lpstat`` to follow), so it
works against the local scheduler (its domain socket) as well as a remote one (``-h``):

    lp [-h server:port] -d QUEUE -n COPIES -t TITLE -U USER -o sides=... FILE

The job is followed with ``lpstat -W not-completed -o QUEUE`` until it leaves that list.
``lpstat`` shows finished jobs (completed, canceled, aborted) alike, so a job that left
the list counts as printed. A cancel runs ``cancel REQUEST-ID`` (the pages CUPS printed
before are not known here: nothing is charged for them). After an agent restart a job CUPS
accepted is followed again, not resubmitted. POSIX only (the CUPS clients); elsewhere the
send fails with "lp not found".
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from urllib.parse import unquote, urlsplit

from printwarden.agent.forwarding.interface import (
    DeviceStatus,
    ForwardJob,
    ForwardResult,
    StatusCallback,
    cancelled,
    failure,
    notify,
    printed_pages,
    wait_or_cancel,
)

__all__ = ["CupsForwarder", "parse_request_id"]

_REQUEST_ID = re.compile(r"request id is (\S+-\d+)")


def parse_request_id(output: str) -> str | None:
    """``request id is sink-12 (1 file(s))`` -> ``sink-12``."""
    found = _REQUEST_ID.search(output)
    return found.group(1) if found else None


class CupsForwarder:
    def __init__(self, uri: str, *, timeout: float = 60.0, poll_initial: float = 0.2,
                 poll_max: float = 5.0, follow_timeout: float = 3600.0,
                 lp: str = "lp", lpstat: str = "lpstat", cancel: str = "cancel") -> None:
        parts = urlsplit(uri)
        if parts.scheme != "cups":
            raise ValueError(f"{uri!r}: expected cups://queue or cups://server:port/queue")
        path = unquote(parts.path.strip("/"))
        self.server: str | None = parts.netloc if path else None
        self.queue = path if path else unquote(parts.netloc)
        if not self.queue or "/" in self.queue:
            raise ValueError(f"{uri!r}: expected cups://queue or cups://server:port/queue")
        self.uri = uri
        self.timeout = timeout
        self.poll_initial = poll_initial
        self.poll_max = poll_max
        self.follow_timeout = follow_timeout
        self.lp = lp
        self.lpstat = lpstat
        self.cancel_command = cancel

    def _server_args(self) -> list[str]:
        return ["-h", self.server] if self.server else []

    async def _run(self, *args: str) -> tuple[int, str, str]:
        process = await asyncio.create_subprocess_exec(
            *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        try:
            out, err = await asyncio.wait_for(process.communicate(), self.timeout)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
            return -1, "", f"{args[0]} timed out after {self.timeout:.0f} s"
        code = process.returncode if process.returncode is not None else -1
        return code, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")

    async def status(self) -> DeviceStatus:
        try:
            code, out, err = await self._run(self.lpstat, *self._server_args(), "-p", self.queue)
        except OSError as exc:
            return DeviceStatus(False, "unknown", ("offline-report",), str(exc))
        if code != 0:
            return DeviceStatus(False, "unknown", ("offline-report",), err.strip())
        state = ("stopped" if "disabled" in out else
                 "processing" if "now printing" in out else "idle")
        return DeviceStatus(True, state, (), out.strip())

    async def send(self, job: ForwardJob, *,
                   on_status: StatusCallback | None = None) -> ForwardResult:
        if job.resume_remote_id is not None:
            return await self._follow(job, job.resume_remote_id, on_status)
        if job.cancel_requested:
            return cancelled("cancelled before it was sent")
        if not job.document.is_file():
            return failure(f"document missing: {job.document}", retryable=False)
        args = [self.lp, *self._server_args(), "-d", self.queue, "-n", str(job.copies),
                "-t", job.title or job.job_id, "-U", job.username,
                "-o", f"sides={job.sides}"]
        if job.color_mode != "auto":
            args += ["-o", f"print-color-mode={job.color_mode}"]
        if job.media:
            args += ["-o", f"media={job.media}"]
        args += ["--", str(job.document)]
        try:
            code, out, err = await self._run(*args)
        except OSError as exc:
            return failure(f"cannot run {self.lp}: {exc}", retryable=False)
        request_id = parse_request_id(out)
        if code != 0 or request_id is None:
            notify(on_status, "offline-report")
            text = (err or out).strip() or f"exit status {code}"
            # lp's exit status does not tell a stopped scheduler from a bad request; only
            # an unknown queue is known to be permanent, the retry policy bounds the rest
            return failure(f"lp -d {self.queue}: {text}",
                           retryable="does not exist" not in text)
        if job.on_accepted is not None:
            await job.on_accepted(request_id)
        return await self._follow(job, request_id, on_status)

    async def _follow(self, job: ForwardJob, request_id: str,
                      on_status: StatusCallback | None) -> ForwardResult:
        delay, deadline = self.poll_initial, time.monotonic() + self.follow_timeout
        told_to_cancel = False
        while True:
            if job.cancel_requested and not told_to_cancel:
                code, _, _ = await self._run(self.cancel_command, *self._server_args(),
                                             request_id)
                told_to_cancel = code == 0
            code, out, _ = await self._run(self.lpstat, *self._server_args(),
                                             "-W", "not-completed", "-o", self.queue)
            if code == 0 and not _lists(out, request_id):
                if told_to_cancel:
                    return cancelled(f"CUPS job {request_id} cancelled", None, request_id)
                return ForwardResult(True, printed_pages(job), job.copies,
                                     f"CUPS job {request_id} finished", request_id)
            if code != 0:
                notify(on_status, "connecting-to-device")
            if time.monotonic() > deadline:
                return ForwardResult(True, printed_pages(job), job.copies,
                                     f"CUPS job {request_id} accepted, not finished after "
                                     f"{self.follow_timeout:.0f} s", request_id)
            if not await wait_or_cancel(job, delay):
                delay = min(delay * 1.5, self.poll_max)


def _lists(lpstat_output: str, request_id: str) -> bool:
    return any(line.split()[:1] == [request_id] for line in lpstat_output.splitlines())
