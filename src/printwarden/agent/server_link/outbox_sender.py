"""Sends queued completions until the server acknowledges each one.

``complete`` is idempotent at the server (it answers the first result and charges once),
so a completion is re-sent after any doubt: a timeout, a crash before the acknowledgement
was journaled, a restart. A completion goes to the server that decided the job: with a
site's remote, a job authorized at central before a failover is completed at central
(the remote does not know it), and kept until central answers; the others go on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import replace

from printwarden.agent.model import LocalState
from printwarden.agent.server_link.client import (
    ServerElsewhere,
    ServerLink,
    ServerRejected,
    ServerUnreachable,
)
from printwarden.agent.storage.job_book import JobBook

log = logging.getLogger(__name__)

#: Seconds before a completion whose server did not answer is sent again (sooner when
#: another completion is queued).
ELSEWHERE_RETRY = 2.0


class OutboxSender:
    def __init__(self, book: JobBook, link: ServerLink, server_up: asyncio.Event) -> None:
        self._book = book
        self._link = link
        self._server_up = server_up

    async def run(self) -> None:
        while True:
            self._book.outbox_ready.clear()
            pending = self._book.journal.outbox()
            if not pending:
                await self._book.outbox_ready.wait()
                continue
            elsewhere = False
            for local_id, server_job_id, body in pending:
                try:
                    await self._link.complete(server_job_id, body)
                except ServerElsewhere as exc:  # its server is away: the others go on
                    self._book.journal.note_outbox_failure(local_id, exc.message)
                    elsewhere = True
                    continue
                except ServerUnreachable as exc:
                    self._book.journal.note_outbox_failure(local_id, exc.message)
                    await self._server_up.wait()
                    await asyncio.sleep(0.2)
                    break
                except ServerRejected as exc:  # 4xx will not change: stop retrying
                    log.warning("completion of %s refused: %s", local_id, exc.message)
                self._acknowledge(local_id)
            if elsewhere:  # ask the absent server again later, not in a tight loop
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._book.outbox_ready.wait(), ELSEWHERE_RETRY)

    def _acknowledge(self, local_id: str) -> None:
        job = self._book.get(local_id)
        if job is not None:
            state = LocalState.COMPLETED if job.state is LocalState.FORWARDED else job.state
            job = replace(job, state=state, completion_sent=True)  # the reason stays: it
            # says how the job ended (e.g. "charged as sent: the printer lost it")
        self._book.journal.acknowledge(local_id, job)
