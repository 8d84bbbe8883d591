"""Delivering one authorized job to its device, through outages, restarts and cancels.

    outcome = await Delivery(book, clock, send, retry).run(job, config, activity, cancel)

A device that does not answer (nothing listening, busy, stopped, warming up: every
``retryable`` failure) is not a failed job: the job waits, in order, as long as its
queue's ``job_lifetime_seconds`` allows, retried with capped back-off, while the queue
shows ``stopped`` / ``offline-report`` / "printer not answering since HH:MM" (see
``QueueActivity.device_down``). Only a refusal that will not change (a 4xx-class answer:
format not supported, bad document) fails the job at once.

Exactly-once printing across agent restarts: the device's job id is journaled as soon as
the device holds the whole document (``ForwardJob.on_accepted``); a job that has one is
followed again after a restart, never sent twice. A job the device forgot (it restarted)
ends by what the device last reported, else by the queue's ``lost_job_charge`` policy.

A cancel (``cancel`` set by ``AgentService.cancel``, journaled as ``cancel_requested``)
stops the transfer or cancels the device's job; the job ends ``cancelled`` with the pages
the device printed before, which are charged.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from printwarden.agent.forwarding.interface import ForwardJob, ForwardResult, StatusCallback
from printwarden.agent.forwarding.retry import RetryPolicy
from printwarden.agent.model import LocalJob, LocalState
from printwarden.agent.processing.forced_output import forced_output
from printwarden.agent.queues import QueueActivity, QueueConfig
from printwarden.agent.server_link.bodies import printed_counts
from printwarden.agent.storage.job_book import JobBook
from printwarden.core.clock import Clock
from printwarden.documents.detect import OCTET_STREAM, mime_for_format

__all__ = ["Delivery", "SendDocument", "forwarded_format"]

L = LocalState
#: ``(device_uri, job, on_status) -> result``: one attempt to hand a document to a device.
SendDocument = Callable[[str, ForwardJob, StatusCallback], Awaitable[ForwardResult]]
ConfigOf = Callable[[str], QueueConfig | None]


@dataclass(frozen=True)
class _Ended:
    """How the attempts ended: the last result, or the job lifetime ran out."""

    result: ForwardResult
    expired: bool = False


class Delivery:
    def __init__(self, book: JobBook, clock: Clock, send: SendDocument,
                 retry: RetryPolicy) -> None:
        self._book = book
        self._clock = clock
        self._send = send
        self._retry = retry
        #: Local id -> set once its document is wholly with the device (its id journaled)
        #: or its attempt is over: until then, stopping the agent would leave the device
        #: holding a job the journal does not know of.
        self._uploads: dict[str, asyncio.Event] = {}

    async def uploads_done(self, timeout: float) -> None:
        """Wait (at most ``timeout`` s) until no document is half-way to a device."""
        pending = [event.wait() for event in self._uploads.values() if not event.is_set()]
        if pending:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.gather(*pending), timeout)

    async def run(self, job: LocalJob, config_of: ConfigOf, activity: QueueActivity,
                  cancel: asyncio.Event) -> LocalJob | None:
        """Send ``job`` (in state forwarding) until it ends; answers the ended job."""
        activity.busy = True
        try:
            ended = await self._attempts(job, config_of, activity, cancel)
        finally:
            activity.busy = False
            activity.device_reasons.clear()
        return await self._finish(job, ended, config_of(job.queue))

    async def _attempts(self, job: LocalJob, config_of: ConfigOf, activity: QueueActivity,
                        cancel: asyncio.Event) -> _Ended:
        failures = 0
        while True:
            current = self._book.get(job.local_id) or job
            config = config_of(job.queue)
            device_uri = current.release_device_uri or (config.device_uri if config else "")
            if config is None or not device_uri:
                return _Ended(ForwardResult(False, None, 0, f"queue {job.queue!r} has no "
                                            "device any more", retryable=False))
            if current.cancel_requested:
                cancel.set()
            upload = self._uploads[job.local_id] = asyncio.Event()
            if current.remote_job_id is not None:
                upload.set()  # followed again: nothing to send
            try:
                result = await self._send(device_uri,
                                          self._forward_job(current, cancel, upload,
                                                            device_uri),
                                          activity.device_reasons.add)
            finally:
                upload.set()
                self._uploads.pop(job.local_id, None)
            if result.ok or result.cancelled or result.lost or not result.retryable:
                activity.device_up(job.queue)
                return _Ended(result)
            now = self._clock.now()
            activity.device_down(job.queue, now, result.detail)
            if current.device_wait_since is None:
                await self._book.update_async(current, device_wait_since=now,
                                              state_reason=f"waiting for the printer: "
                                              f"{result.detail}"[:500])
            lifetime = timedelta(seconds=config.job_lifetime_seconds)
            if now - current.created_at >= lifetime:
                return _Ended(result, expired=True)
            failures += 1
            with_pause = self._retry.delay(failures)
            try:
                await asyncio.wait_for(cancel.wait(), with_pause)
            except TimeoutError:
                continue
            return _Ended(ForwardResult(False, 0, 0, "cancelled while waiting for the "
                                        "printer: nothing was sent", cancelled=True))

    async def _accepted(self, job: LocalJob, remote_id: str) -> None:
        """The device holds the whole document: journal its job id before following it."""
        await self._book.update_async(job, remote_job_id=remote_id, device_wait_since=None,
                                      state_reason=f"sent: printer job {remote_id}"[:500])

    def _forward_job(self, job: LocalJob, cancel: asyncio.Event, upload: asyncio.Event,
                     device_uri: str) -> ForwardJob:
        async def accepted(remote_id: str) -> None:
            await asyncio.shield(self._accepted(job, remote_id))  # a stop waits for this
            upload.set()

        out = forced_output(job, self._book.spool, forwarded_format(job), device_uri)
        return ForwardJob(job_id=job.local_id, title=job.meta.title,
                          username=job.meta.username, document=out.document,
                          document_format=out.document_format, copies=job.meta.copies,
                          sides=out.sides, color_mode=out.color_mode,
                          media=job.meta.media or None, pages=job.pages, cancel=cancel,
                          on_accepted=accepted, resume_remote_id=job.remote_job_id,
                          postscript_setup=out.postscript_setup)

    async def _finish(self, job: LocalJob, ended: _Ended,
                      config: QueueConfig | None) -> LocalJob | None:
        current = self._book.get(job.local_id) or job
        result = ended.result
        remote = result.remote_job_id or current.remote_job_id
        common: dict[str, object] = {"remote_job_id": remote, "device_wait_since": None}
        if ended.expired:
            lifetime = config.job_lifetime_seconds if config else 0
            return await self._book.move_async(
                current, L.EXPIRED, f"the printer did not answer within the queue's job "
                f"lifetime ({_duration(lifetime)}): {result.detail}", pages_printed=0,
                **common)
        if result.lost:
            return await self._lost(current, result, config, common)
        pages, copies = printed_counts(result, current)
        if result.ok:
            return await self._book.move_async(current, L.FORWARDED,
                                               result.detail or "printed",
                                               pages_printed=pages, copies_printed=copies,
                                               **common)
        if result.cancelled:  # what printed before the cancel, reported as one copy
            why = "cancelled by an operator" if current.cancelled_by_operator else "cancelled"
            printed = result.pages_printed or 0
            return await self._book.move_async(current, L.CANCELLED, f"{why}: {result.detail}",
                                               pages_printed=printed,
                                               copies_printed=1 if printed else 0, **common)
        return await self._book.move_async(current, L.FAILED, f"printer: {result.detail}",
                                           pages_printed=pages, copies_printed=copies,
                                           **common)

    async def _lost(self, job: LocalJob, result: ForwardResult, config: QueueConfig | None,
                    common: dict[str, object]) -> LocalJob | None:
        """The device forgot a job it had accepted: charge what it reported, else what
        the queue's ``lost_job_charge`` says (as sent, or nothing and a flag)."""
        if result.pages_printed:  # reported as one copy of that many impressions
            return await self._book.move_async(
                job, L.FAILED, f"{result.detail}: charged the {result.pages_printed} "
                "impressions it reported", pages_printed=result.pages_printed,
                copies_printed=1, **common)
        if config is None or config.lost_job_charge == "as-sent":
            return await self._book.move_async(
                job, L.FORWARDED, f"{result.detail}: charged as sent (queue policy)",
                pages_printed=job.pages, copies_printed=job.meta.copies, **common)
        flag = (f"{result.detail}; it may have printed part of the job: nothing was "
                "charged (queue policy 'flag'), check the printer")
        return await self._book.move_async(job, L.FAILED, flag, pages_printed=0,
                                           copies_printed=0, flag=flag[:500], **common)


def forwarded_format(job: LocalJob) -> str:
    """The MIME type sent downstream: the client's, or the detected one for octet-stream."""
    declared = job.meta.document_format or OCTET_STREAM
    if declared != OCTET_STREAM:
        return declared
    return mime_for_format(job.analysis.get("format"))


def _duration(seconds: int) -> str:
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    if seconds % 60 == 0:
        return f"{seconds // 60} min"
    return f"{seconds} s"
