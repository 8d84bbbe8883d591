"""Job processing: one worker per queue takes its jobs in order, one step at a time.

    spooled --analyse--> analysed --authorize--> authorized | held | denied
    authorized --(forced grayscale made: ``grayscale_stage``)--"forwarding" journaled-->
    deliver (``delivery``) --> forwarded, failed, cancelled or expired

Analysis is not in the queue's line: every spooled job goes to the ``AnalysisStage``
(a fair pool of worker processes) as soon as it is known, and the queue worker takes
the analysed ones, so a document whose analysis is slow delays no one else's job.

Held jobs wait outside the worker's line until released. When no server answers, the
worker waits for the link to come back (the queue's failure policy decides elsewhere
whether new jobs are accepted meanwhile; the waiting job says so); jobs behind it keep
their order. A ``tracker`` queue does not wait: the job is decided here
(``tracker_decision``) and printed at once, and reported when a server answers.
``cancel`` reaches a job being delivered through its cancel event.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from typing import Any

from printwarden.agent.forwarding.retry import RetryPolicy
from printwarden.agent.model import (
    DECISION_STATES,
    WAITING_FOR_SERVER,
    WORK_STATES,
    LocalJob,
    LocalState,
    UnknownTransform,
    parse_transforms,
)
from printwarden.agent.processing.analysis_pool import AnalysisPool
from printwarden.agent.processing.analysis_stage import AnalysisStage
from printwarden.agent.processing.delivery import Delivery, SendDocument
from printwarden.agent.processing.grayscale_stage import GrayscaleStage
from printwarden.agent.processing.tracker_decision import TrackerDecider
from printwarden.agent.queues import QueueActivity, QueueConfig
from printwarden.agent.server_link.bodies import authorize_body
from printwarden.agent.server_link.client import ServerLink, ServerRejected, ServerUnreachable
from printwarden.agent.server_link.twin_dropper import TwinDropper
from printwarden.agent.storage.job_book import JobBook
from printwarden.core.tasks import cancel_and_wait

log = logging.getLogger(__name__)
L = LocalState
NO_DEVICE = "waiting: the queue has no device configured"


class _QueueBlocked(Exception):
    """The queue cannot move its next job until its configuration changes."""


#: How long a stopping agent lets a document that is being sent reach its device.
STOP_UPLOAD_GRACE_SECONDS = 30.0
#: What the queue workers take: spooled jobs belong to the analysis stage.
_WORK_ORDER = tuple(sorted(WORK_STATES - {LocalState.SPOOLED}, key=lambda state: state.value))


class Pipeline:
    def __init__(self, book: JobBook, link: ServerLink, server_up: asyncio.Event, *,
                 queues: Callable[[], Mapping[str, QueueConfig]],
                 activity: Callable[[str], QueueActivity],
                 send: SendDocument, analyser: AnalysisPool | None = None,
                 retry: RetryPolicy | None = None,
                 transform_timeout: float = 300.0) -> None:
        self._book = book
        pool = analyser or AnalysisPool()
        self._analysis = AnalysisStage(book, pool, queues=queues, analysed=self.wake)
        self._grayscale = GrayscaleStage(book, pool, timeout=transform_timeout)
        self._link = link
        self._server_up = server_up
        self._queues = queues
        self._activity = activity
        self._delivery = Delivery(book, book.clock, send, retry or RetryPolicy())
        self._tracker = TrackerDecider(book)
        self._twins = TwinDropper(link, book.journal)
        self._started = book.clock.now()
        #: Jobs whose authorize found no server once: one may have acted on it.
        self._authorize_in_doubt: set[str] = set()
        self._wakeups: dict[str, asyncio.Event] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}
        #: Local id -> the cancel event of the job being delivered.
        self._cancels: dict[str, asyncio.Event] = {}

    async def resume_twin_drops(self) -> int:
        """Start again the twin drops a previous run journaled (``TwinDropper.resume``)."""
        def follows(local_id: str, followed_job_id: str) -> bool:
            job = self._book.get(local_id)
            return job is not None and job.server_job_id == followed_job_id

        return await self._twins.resume(follows)

    def cancel_delivery(self, local_id: str) -> None:
        """Stop the delivery of ``local_id`` if one is under way (its cancel is journaled)."""
        event = self._cancels.get(local_id)
        if event is not None:
            event.set()

    def wake(self, queue: str) -> None:
        """Make sure ``queue`` has a worker and that it looks at its jobs again."""
        self._analysis.kick(queue)
        self._wakeups.setdefault(queue, asyncio.Event()).set()
        if queue not in self._workers or self._workers[queue].done():
            self._workers[queue] = asyncio.create_task(self._worker(queue),
                                                       name=f"agent-queue-{queue}")

    def wake_all(self) -> None:
        names = set(self._queues()) | {job.queue for job in self._book.journal.jobs(
            states=WORK_STATES)}
        for name in sorted(names):
            self.wake(name)

    async def stop(self, upload_grace: float = STOP_UPLOAD_GRACE_SECONDS) -> None:
        """Stop the workers; a document half-way to a device is first given
        ``upload_grace`` seconds to arrive (so the device's job id is journaled and a
        restart follows that job instead of sending it again)."""
        await self._delivery.uploads_done(upload_grace)
        await cancel_and_wait(self._workers.values())
        self._workers.clear()
        await self._twins.aclose()
        await self._analysis.aclose()

    async def _worker(self, queue: str) -> None:
        wakeup = self._wakeups[queue]
        while True:
            wakeup.clear()
            job = self._book.journal.next_job(queue, _WORK_ORDER)
            if job is None:
                await wakeup.wait()
                continue
            try:
                await self.step(job)
            except ServerUnreachable:
                await self._wait_for_server(job)
            except _QueueBlocked:
                await wakeup.wait()  # a configuration change, a cancel or a new job
            except Exception:  # a bug in one job must not stop the queue
                log.exception("job %s failed unexpectedly", job.local_id)
                await self._book.move_async(job, L.FAILED, "internal error in the agent")

    async def _wait_for_server(self, job: LocalJob) -> None:
        """No server decides the job: it says so (kept, not "incoming"), then waits."""
        if job.state is L.ANALYSED and not job.waiting_for_server:
            await self._book.update_async(job, state_reason=WAITING_FOR_SERVER)
        await self._server_up.wait()

    async def step(self, job: LocalJob) -> None:
        """Take ``job`` one state further."""
        if job.state is L.SPOOLED:
            await self._analyse(job)
        elif job.state is L.ANALYSED:
            await self._authorize(job)
        elif job.state in (L.AUTHORIZED, L.FORWARDING):
            await self._forward(job)

    async def _analyse(self, job: LocalJob) -> None:
        """Spooled -> analysed or refused (``AnalysisStage``: what prints is what was
        counted)."""
        await self._analysis.process(job)

    async def _authorize(self, job: LocalJob) -> None:
        config = self._queues().get(job.queue)
        tracker = config is not None and config.failure_policy == "tracker"
        if tracker and not self._link.reachable:  # no server: decided here, printed now
            await self._tracker.decide(job)
            return
        asked_first = self._link.current_url
        try:
            decided_at, answer = await self._link.authorize_where(authorize_body(job))
        except ServerUnreachable:
            if not tracker:
                self._authorize_in_doubt.add(job.local_id)  # asked again later
                raise
            await self._tracker.decide(job)  # the answer may be lost: the report says so
            return
        except ServerRejected as exc:
            await self._book.move_async(job, L.FAILED,
                                        f"the server refused the job: {exc.message}")
            return
        in_doubt = (decided_at != asked_first or job.local_id in self._authorize_in_doubt
                    or job.created_at < self._started)
        self._authorize_in_doubt.discard(job.local_id)
        decision = str(answer["decision"])
        cost = answer.get("cost") or {}
        fields: dict[str, Any] = {"server_job_id": answer["job_id"], "decision": decision,
                                  "reservation_cost_minor": cost.get("minor")}
        to_state, message = DECISION_STATES[decision], str(answer["message"])
        try:
            fields["transforms"] = parse_transforms(answer.get("transforms"))
        except UnknownTransform as exc:  # never print other than what was priced
            log.error("job %s: the server's decision cannot be applied: %s", job.local_id,
                      exc)
            if decision != "deny":
                to_state, message = L.FAILED, f"not printed: {exc}"
        # The twins' drops are journaled before the decision (a SIGKILL between the two
        # commits loses neither: ``TwinDropper.resume``), sent after it: the twin's cancel
        # event that a drop makes then names another server job than the one the job
        # follows (ignored).
        drops = (await self._twins.journal(job.local_id, str(answer["job_id"]), decided_at)
                 if in_doubt else None)
        moved = await self._book.move_async(job, to_state, message, **fields)
        if moved is None:  # cancelled meanwhile: record the server job so it is closed too
            await self._book.update_async(job, **fields)
        if drops is not None:
            self._twins.start(drops)

    async def _forward(self, job: LocalJob) -> None:
        config = self._queues().get(job.queue)
        if config is None:
            await self._book.move_async(job, L.FAILED,
                                        f"queue {job.queue!r} no longer exists on this agent")
            return
        if not (job.release_device_uri or config.device_uri):  # the job waits, not lost
            if job.state_reason != NO_DEVICE:
                log.warning("queue %s has no device: job %s waits", job.queue, job.local_id)
                await self._book.update_async(job, state_reason=NO_DEVICE)
            raise _QueueBlocked(job.queue)
        if self._activity(job.queue).paused:  # an operator paused the queue (IPP)
            raise _QueueBlocked(job.queue)
        if not await self._grayscale.prepare(job):  # a forced grayscale is made real
            return
        if job.state is L.AUTHORIZED and not await self._tell_printing(job):
            return
        forwarding = await self._book.move_async(job, L.FORWARDING, "sending to the printer",
                                                 forward_attempts=job.forward_attempts + 1)
        if forwarding is None:  # already forwarding (recovery), or cancelled meanwhile
            current = self._book.get(job.local_id)
            if current is None or current.state is not L.FORWARDING:
                return
            forwarding = await self._book.update_async(
                current, forward_attempts=job.forward_attempts + 1)
            if forwarding.state is not L.FORWARDING:  # cancelled while that was committed
                return
        cancel = self._cancels.setdefault(job.local_id, asyncio.Event())
        try:
            await self._delivery.run(forwarding, self._queues().get,
                                     self._activity(job.queue), cancel)
        finally:
            self._cancels.pop(job.local_id, None)

    async def _tell_printing(self, job: LocalJob) -> bool:
        """Tell the server; False when it says the job may not print (cancelled there)."""
        if job.server_job_id is None:
            return True
        try:
            await self._link.printing(job.server_job_id)
        except ServerUnreachable:
            return True  # authorized already: print, report later
        except ServerRejected as exc:
            if exc.status == 409:
                await self._book.move_async(job, L.CANCELLED, exc.message,
                                            completion_sent=True)
                return False
        return True
