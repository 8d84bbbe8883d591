"""Uploads the tracker journal (jobs printed while no server answered) once a server
answers: ``POST /api/v1/agent/offline-jobs`` in batches, oldest first.

An entry is marked sent only after the server answered it ``recorded`` or ``duplicate``;
the server records and charges each job once by (agent, agent_job_key), so an upload cut
anywhere (before the request arrived, after it was applied but before its answer) is
simply sent again. An item the server refuses (another agent's queue, a malformed
entry) will not change on retry: it is marked ``refused`` with the reason and logged.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import Any

from printwarden.agent.model import LocalJob, LocalState
from printwarden.agent.processing.offline_pricing import NO_CURRENCY, job_spec, quote
from printwarden.agent.server_link.bodies import SIDES
from printwarden.agent.server_link.client import ServerLink, ServerRejected, ServerUnreachable
from printwarden.agent.storage.job_book import JobBook
from printwarden.agent.storage.tracker_journal import REFUSED, SENT, TrackerJournal
from printwarden.core.price_quote import printed_spec

log = logging.getLogger(__name__)
BATCH = 50
#: How long the uploader sleeps at most with nothing to send (it is woken at once by
#: the journal when a job changes).
IDLE_CHECK_SECONDS = 5.0
_STATUS = {LocalState.FORWARDED: "completed", LocalState.FAILED: "failed",
           LocalState.CANCELLED: "cancelled", LocalState.EXPIRED: "expired"}


def printed_cost(job: LocalJob) -> tuple[int, str, bool]:
    """(cost, currency, priced) of what printed, with the lists journaled at the decision
    and the server's completion rule: a completed job is charged the pages and copies it
    printed (the analysed figures when the printer did not say); an ending that is not a
    completion only for the pages it printed (x copies printed, default 1)."""
    offline = job.offline
    lists = offline.get("price_lists") or []
    spec = printed_spec(job_spec(job), completed=job.state is LocalState.FORWARDED,
                        pages_printed=job.pages_printed, copies_printed=job.copies_printed)
    if spec is None:
        return 0, str(offline.get("currency") or NO_CURRENCY), bool(offline.get("priced"))
    priced = quote(spec, lists)
    return priced.cost_minor, priced.currency, priced.priced


def offline_job_body(job: LocalJob) -> dict[str, Any]:
    """One item of the upload (agent-link section 5c)."""
    spec = job_spec(job)
    cost, currency, priced = printed_cost(job)
    meta = job.meta
    body: dict[str, Any] = {
        "agent_job_key": job.local_id, "queue": job.queue, "username": meta.username[:200],
        "status": _STATUS.get(job.state, "failed"), "title": meta.title[:500],
        "document_format": meta.document_format[:100] or "application/octet-stream",
        "size_bytes": job.size_bytes, "copies": spec.copies,
        "sides": meta.sides if meta.sides in SIDES else "one-sided", "media": spec.media,
        "pages": spec.pages, "color_pages": spec.color_pages, "cost_minor": cost,
        "currency": currency, "priced": priced,
        "prices_version": str(job.offline.get("prices_version") or "")[:64],
        "reason": job.state_reason[:500]}
    if job.offline.get("decided_at"):
        body["decided_at"] = job.offline["decided_at"]
    if job.pages_printed is not None:
        body["pages_printed"] = job.pages_printed
    if job.copies_printed is not None:
        body["copies_printed"] = job.copies_printed
    return body


class OfflineUploader:
    def __init__(self, book: JobBook, link: ServerLink, server_up: asyncio.Event) -> None:
        self._book = book
        self._link = link
        self._server_up = server_up
        self._tracker = TrackerJournal(book.journal)
        #: Set when a job row was committed (the journal's watcher): a tracker job may
        #: have ended.
        self.ready = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        book.journal.watch(self._changed)

    def _changed(self, local_id: str) -> None:
        """A journal watcher: it may be called from another thread than the loop's."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            same = asyncio.get_running_loop() is loop
        except RuntimeError:
            same = False
        if same:
            self.ready.set()
        else:
            loop.call_soon_threadsafe(self.ready.set)

    async def run(self) -> None:
        self._loop = asyncio.get_running_loop()
        while True:
            self.ready.clear()
            await self._server_up.wait()
            batch = self._tracker.pending(BATCH)
            if not batch:
                await self._idle()
                continue
            try:
                answer = await self._link.offline_jobs([offline_job_body(j) for j in batch])
            except ServerUnreachable:
                await asyncio.sleep(0.2)  # the health check clears server_up meanwhile
                continue
            except ServerRejected as exc:  # the whole batch refused (a server bug?)
                log.error("tracker upload refused (%s): retried in a minute", exc.message)
                await asyncio.sleep(60)
                continue
            await self._settle(batch, answer.get("results") or [])

    async def _idle(self) -> None:
        """Until woken, or ``IDLE_CHECK_SECONDS`` (a missed wake-up costs no more).
        ``asyncio.wait``, not ``wait_for``: on Python 3.11 ``wait_for`` can swallow a
        cancel that arrives as the event is set, and the agent would never stop."""
        waiter = asyncio.ensure_future(self.ready.wait())
        try:
            await asyncio.wait([waiter], timeout=IDLE_CHECK_SECONDS)
        finally:
            waiter.cancel()

    async def _settle(self, batch: list[LocalJob], results: list[Any]) -> None:
        """Mark each entry the server confirmed (or refused for good)."""
        by_key = {str(r.get("agent_job_key")): r for r in results if isinstance(r, dict)}
        for job in batch:
            result = by_key.get(job.local_id)
            if result is None:
                continue  # not answered: sent again with the next batch
            if result.get("outcome") in ("recorded", "duplicate"):
                state = LocalState.COMPLETED if job.state is LocalState.FORWARDED else job.state
                done = replace(job, state=state, offline_state=SENT, completion_sent=True,
                               updated_at=self._book.clock.now())
            else:
                message = str(result.get("message") or "refused")[:400]
                log.error("tracker job %s refused by the server: %s", job.local_id, message)
                done = replace(job, offline_state=REFUSED, flag=f"report refused: {message}",
                               updated_at=self._book.clock.now())
            await self._book.journal.save_job_async(done, expect_state=job.state)
