"""Moving local jobs between states: journal write, spool data removal, completion outbox.

Every state change goes through ``JobBook.move`` so that the three always agree: a job that
reaches a state without data loses its spool file after the row is committed, and an ending
the server must hear about is queued in the outbox in the same transaction.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

from printwarden.agent.model import (
    DATA_FREE_STATES,
    LocalJob,
    LocalState,
    can_move,
    completion_body,
    needs_completion,
)
from printwarden.agent.storage.journal import Journal
from printwarden.agent.storage.spool import Spool
from printwarden.core.clock import Clock, SystemClock


class JobBook:
    def __init__(self, journal: Journal, spool: Spool, clock: Clock | None = None) -> None:
        self.journal = journal
        self.spool = spool
        self.clock: Clock = clock or SystemClock()
        #: Set whenever a completion is queued: the outbox sender waits on it.
        self.outbox_ready = asyncio.Event()

    def get(self, local_id: str) -> LocalJob | None:
        return self.journal.get_job(local_id)

    def _next(self, job: LocalJob, to_state: LocalState, reason: str,
              changes: dict[str, Any]) -> LocalJob | None:
        current = self.journal.get_job(job.local_id)
        if current is None or current.state is not job.state:
            return None
        if not can_move(current.state, to_state):
            return None
        return replace(current, state=to_state, state_reason=reason[:500],
                       updated_at=self.clock.now(), **changes)

    def move(self, job: LocalJob, to_state: LocalState, reason: str,
             **changes: Any) -> LocalJob | None:
        """Move the journal's current copy of ``job`` to ``to_state``.

        Compare-and-set: answers the saved job, or None when the journal's job is no longer
        in the state ``job`` was read in (for instance cancelled while being authorized)
        or cannot make this move. The state is checked again inside the commit, so a move
        queued by another task in between wins and this one answers None.
        """
        moved = self._next(job, to_state, reason, changes)
        if moved is None or not self.save(moved, expect_state=job.state):
            return None
        return moved

    async def move_async(self, job: LocalJob, to_state: LocalState, reason: str,
                         **changes: Any) -> LocalJob | None:
        """``move`` that lets the event loop serve others while the commit is fsynced."""
        moved = self._next(job, to_state, reason, changes)
        if moved is None or not await self.save_async(moved, expect_state=job.state):
            return None
        return moved

    def update(self, job: LocalJob, **changes: Any) -> LocalJob:
        """Change fields without a state move (server ids, attempts, flags): only those
        columns are written, so a concurrent change of other fields or of the state is kept.
        Answers the journal's copy with the change."""
        current = self.journal.get_job(job.local_id) or job
        changed = replace(current, updated_at=self.clock.now(), **changes)
        self.journal.patch_job(changed, changes)
        fresh = self.journal.get_job(job.local_id) or changed
        if needs_completion(fresh):  # e.g. a server id recorded on a job that has ended
            self.save(fresh, expect_state=fresh.state)
        return fresh

    async def update_async(self, job: LocalJob, **changes: Any) -> LocalJob:
        """``update`` without blocking the event loop while the commit is fsynced."""
        current = self.journal.get_job(job.local_id) or job
        changed = replace(current, updated_at=self.clock.now(), **changes)
        await self.journal.patch_job_async(changed, changes)
        fresh = self.journal.get_job(job.local_id) or changed
        if needs_completion(fresh):  # e.g. a server id recorded on a job that has ended
            await self.save_async(fresh, expect_state=fresh.state)
        return fresh

    def save(self, job: LocalJob, *, expect_state: LocalState | None = None) -> bool:
        outbox = completion_body(job) if needs_completion(job) else None
        saved = self.journal.save_job(job, outbox=outbox, expect_state=expect_state)
        if saved:
            self._saved(job, outbox is not None)
        return saved

    async def save_async(self, job: LocalJob, *,
                         expect_state: LocalState | None = None) -> bool:
        outbox = completion_body(job) if needs_completion(job) else None
        saved = await self.journal.save_job_async(job, outbox=outbox,
                                                  expect_state=expect_state)
        if saved:
            self._saved(job, outbox is not None)
        return saved

    def _saved(self, job: LocalJob, queued_completion: bool) -> None:
        if job.state in DATA_FREE_STATES:
            self.spool.delete_data(job)
        if queued_completion:
            self.outbox_ready.set()

    def ensure_outbox(self) -> int:
        """Queue completions that a job row needs but the outbox lacks; answer how many."""
        queued = {local_id for local_id, _, _ in self.journal.outbox()}
        count = 0
        for job in self.journal.jobs(states=DATA_FREE_STATES - {LocalState.COMPLETED},
                                     completion_pending=True):
            if needs_completion(job) and job.local_id not in queued:
                self.save(job)
                count += 1
        return count
