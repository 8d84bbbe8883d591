"""``QueueActions``: how an agent queue carries out what its IPP clients and operators ask.

The IPP printer model decides who may do what; these actions do it through the agent's
core, so the journal stays the one truth: cancel, hold and release move the local jobs of
the IPP job's documents (a document being sent to the device cannot be cancelled or held:
client-error-not-possible). What the agent cannot do at all is refused with the reason:

- reprint a finished job (Restart-Job, Reprocess-Job, Resubmit-Job): a job's document
  is deleted when it ends, by design (documents never outlive their job);
- reorder the queue (Promote-Job, Schedule-Job-After): jobs go to the device in the order
  they arrived;
- stop a job part-way (Suspend-Current-Job, Resume-Job): a document handed to the device
  is the device's to finish.

Operator controls (pause, shutdown) pause the queue's pipeline (``QueueActivity.paused``)
and are kept in the journal, so they survive a restart of the agent.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

from printwarden.agent.model import LocalJob
from printwarden.agent.service import AgentService, JobConflict
from printwarden.ipp.errors import IppError
from printwarden.ipp.printer import Document, Job, PrinterControls, PrinterEngine
from printwarden.ipp.status import StatusCode

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

__all__ = ["CONTROLS_KEY", "QueueActions", "load_controls"]

log = logging.getLogger(__name__)
CONTROLS_KEY = "ipp-controls:{queue}"
_REFUSALS = {
    "restart": "the agent keeps no document once its job has ended: print it again",
    "reorder": "this queue sends jobs to the printer in the order they arrived",
    "suspend": "a document handed to the printer is the printer's to finish",
}
_ENDED = (7, 8, 9)


def load_controls(core: AgentService, queue: str) -> PrinterControls:
    """The operator controls kept for ``queue`` (defaults when none or unreadable)."""
    raw = core.book.journal.get_value(CONTROLS_KEY.format(queue=queue))
    try:
        data = json.loads(raw) if raw else {}
    except ValueError:
        log.warning("queue %s: unreadable IPP controls in the journal, using defaults", queue)
        data = {}
    return PrinterControls.from_dict(data if isinstance(data, dict) else {})


class QueueActions:
    """``JobActions`` of one agent queue: ``locals_of(ipp_job_id)`` are the local jobs of
    its documents, ``resync(ipp_job_id)`` makes the IPP job show them again."""

    def __init__(self, core: AgentService, queue: str, engine: PrinterEngine, *,
                 locals_of: Callable[[int], list[LocalJob]],
                 resync: Callable[[int], None]) -> None:
        self._core = core
        self._queue = queue
        self._engine = engine
        self._locals_of = locals_of
        self._resync = resync

    def _open(self, job: Job) -> list[LocalJob]:
        return [local for local in self._locals_of(job.id) if local.ipp_state not in _ENDED]

    async def _each(self, job: Job, move: Callable[[str], Awaitable[object]],
                    what: str) -> None:
        refused = 0
        locals_ = self._open(job)
        for local in locals_:
            try:
                await move(local.local_id)
            except JobConflict:
                refused += 1
        self._resync(job.id)
        if locals_ and refused == len(locals_):
            raise IppError(StatusCode.CLIENT_ERROR_NOT_POSSIBLE,
                           f"job {job.id} is being sent to the printer: it cannot be {what}")

    async def cancel(self, job: Job, *, user: str | None, operator: bool) -> None:
        if not self._open(job):
            job.cancel(self._engine.clock.now(),
                       "job-canceled-by-operator" if operator else "job-canceled-by-user")
            self._engine.job_ended(job)
            return
        job.documents_closed = True  # a cancelled job takes no more documents
        by_user = None if operator else (user or "anonymous")

        async def cancel(local_id: str) -> LocalJob:
            return await self._core.cancel(local_id, by_user=by_user)
        await self._each(job, cancel, "canceled")

    async def hold(self, job: Job, *, until: str, reason: str) -> None:
        if not self._open(job):
            job.hold(until, reason)
            return
        await self._each(job, self._core.hold, "held")
        job.hold_until = until

    async def release(self, job: Job) -> None:
        job.hold_until = "no-hold"
        job.held_new = False
        held = [local for local in self._open(job) if local.ipp_state == 4]
        if not held:
            if job.is_held and not self._locals_of(job.id):
                job.release()
            self._resync(job.id)
            return
        for local in held:
            try:
                await self._core.release(local.local_id)
            except JobConflict as exc:
                raise IppError(StatusCode.CLIENT_ERROR_NOT_POSSIBLE, str(exc)) from exc
        self._resync(job.id)

    async def cancel_document(self, job: Job, document: Document) -> None:
        local = next((lj for lj in self._open(job) if lj.local_id == document.location), None)
        if local is not None:
            try:
                await self._core.cancel(local.local_id, by_user=job.user)
            except JobConflict as exc:
                raise IppError(StatusCode.CLIENT_ERROR_NOT_POSSIBLE,
                               f"document {document.number} is being sent to the printer"
                               ) from exc
        document.cancel(self._engine.clock.now())
        self._resync(job.id)

    def refusal(self, what: str) -> str | None:
        return _REFUSALS.get(what)

    def controls_changed(self) -> None:
        controls = self._engine.controls
        activity = self._core.queue_activity(self._queue)
        was_paused, activity.paused = activity.paused, controls.stops_processing
        self._core.book.journal.set_value(CONTROLS_KEY.format(queue=self._queue),
                                          json.dumps(controls.as_dict(), sort_keys=True))
        if was_paused and not activity.paused:
            self._core.pipeline.wake(self._queue)
