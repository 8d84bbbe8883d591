"""Tracker mode in the agent's journal: each queue's last price lists, and the jobs
decided here while no server answered, until the server has confirmed their report.

The price lists come with the server's configuration (``price_lists`` of each queue) and
are kept per queue with their version (a digest of the content), so an agent started
without a server still prices. A job's local decision and cost are in its own row
(``offline_json``), written in the same commit that moves it to ``authorized``: before
anything is sent to the printer. ``offline_state`` is ``pending`` until the server
answered its upload ``recorded`` or ``duplicate`` (``sent``), or refused it for good
(``refused``).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from printwarden.agent.model import LocalJob, LocalState
from printwarden.agent.storage.journal import Journal
from printwarden.core.price_list_wire import prices_version

PENDING, SENT, REFUSED = "pending", "sent", "refused"
#: The endings a tracker job is reported with (the rest are still on their way).
REPORTED_STATES = (LocalState.FORWARDED, LocalState.FAILED, LocalState.CANCELLED,
                   LocalState.EXPIRED)
_PENDING_SQL = ("SELECT * FROM jobs WHERE offline_state = 'pending' AND state IN "
                f"({', '.join('?' for _ in REPORTED_STATES)}) ORDER BY local_id LIMIT ?")


@dataclass(frozen=True)
class QueuePrices:
    """A queue's last price lists (``core.price_list_wire`` JSON) and their version."""

    version: str
    lists: tuple[dict[str, Any], ...]
    received_at: str


def pushed_prices(pushed: Iterable[Mapping[str, Any]],
                  ) -> dict[str, tuple[str, list[dict[str, Any]]]]:
    """Queue name -> (version, price lists) of the server's configured queues that carry
    ``price_lists`` (a server that predates them sends none: the last ones are kept)."""
    found: dict[str, tuple[str, list[dict[str, Any]]]] = {}
    for item in pushed:
        lists = item.get("price_lists")
        if isinstance(lists, list) and all(isinstance(one, dict) for one in lists):
            version = str(item.get("prices_version") or prices_version(lists))
            found[str(item["name"])] = (version[:64], lists)
    return found


class TrackerJournal:
    def __init__(self, journal: Journal) -> None:
        self._journal = journal

    def save_prices(self, prices: dict[str, tuple[str, list[dict[str, Any]]]]) -> None:
        """Keep each queue's price lists (queue -> (version, lists)), one commit; a queue
        already holding that version is left as it is."""
        now = self._journal.clock.now().isoformat()
        changed = [(queue, version, json.dumps(lists), now)
                   for queue, (version, lists) in sorted(prices.items())
                   if (known := self.prices(queue)) is None or known.version != version]
        if not changed:
            return

        def work(conn: sqlite3.Connection) -> None:
            conn.executemany("INSERT OR REPLACE INTO price_lists (queue, version, "
                             "lists_json, received_at) VALUES (?, ?, ?, ?)", changed)
        self._journal.write(work)

    def prices(self, queue: str) -> QueuePrices | None:
        rows = self._journal.read("SELECT version, lists_json, received_at FROM price_lists "
                                  "WHERE queue = ?", (queue,))
        if not rows:
            return None
        return QueuePrices(str(rows[0][0]), tuple(json.loads(rows[0][1])), str(rows[0][2]))

    def pending(self, limit: int) -> list[LocalJob]:
        """Tracker jobs that ended and whose report the server has not confirmed, oldest
        first (from the ``offline_state`` index)."""
        rows = self._journal.read(_PENDING_SQL, (*(s.value for s in REPORTED_STATES), limit))
        return self._journal.jobs_of_rows(rows)

    def count(self, state: str) -> int:
        rows = self._journal.read("SELECT COUNT(*) FROM jobs WHERE offline_state = ?",
                                  (state,))
        return int(rows[0][0])
