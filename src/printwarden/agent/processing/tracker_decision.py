"""Tracker mode: decide a job here when no server answers, and print it.

The decision is the same for every job: print it now, as it was sent. There is no hold
for release, no print rule, no forced transform and no copy session (those need the
server). The job is priced with its queue's last price lists (``offline_pricing``) and
the decision, the cost and the lists used go into its row in the commit that moves it to
``authorized``, before the printer sees it: a crash after that prints it (recovery) and
reports it, never both skips the report and prints. Its completion (the pages really
printed) is journaled by the delivery as for any job; ``offline_uploader`` reports it.
"""

from __future__ import annotations

import logging

from printwarden.agent.model import LocalJob, LocalState
from printwarden.agent.processing.offline_pricing import job_spec, quote
from printwarden.agent.storage.job_book import JobBook
from printwarden.agent.storage.tracker_journal import PENDING, TrackerJournal
from printwarden.core.money import Money

log = logging.getLogger(__name__)
#: The decision a job decided here carries (the server's are allow, hold, deny).
OFFLINE_DECISION = "offline"


class TrackerDecider:
    def __init__(self, book: JobBook) -> None:
        self._book = book
        self._prices = TrackerJournal(book.journal)

    async def decide(self, job: LocalJob) -> LocalJob | None:
        """Analysed -> authorized by this agent (durably, with its cost); None when the
        job moved meanwhile (cancelled)."""
        prices = self._prices.prices(job.queue)
        lists = prices.lists if prices is not None else ()
        priced = quote(job_spec(job), lists)
        offline = {"decided_at": self._book.clock.now().isoformat(),
                   "prices_version": prices.version if prices is not None else "",
                   "price_lists": list(lists), "cost_minor": priced.cost_minor,
                   "currency": priced.currency, "priced": priced.priced}
        if priced.priced:
            cost = Money(priced.cost_minor, priced.currency).format()
            reason = f"printing without a server (tracker mode), cost {cost}"
        else:
            reason = "printing without a server (tracker mode); no price list yet"
            log.warning("job %s of queue %s prints offline with no price list: it is "
                        "reported at price 0", job.local_id, job.queue)
        return await self._book.move_async(job, LocalState.AUTHORIZED, reason,
                                           decision=OFFLINE_DECISION, offline=offline,
                                           offline_state=PENDING, transforms=())
