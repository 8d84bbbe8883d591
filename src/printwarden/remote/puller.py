"""The remote's pull loop: snapshot once, then central's changes in version order.

Each page is applied in one transaction that records the version reached, so a remote
that stops (or is killed) anywhere resumes from its own database. A remote that central
cannot bring up to date (its version was pruned at central, a restored old backup; or
central's head is below it) is told ``ResyncRequired`` and loads a snapshot again.

Each round first pushes the remote's ledger outbox (``Pusher``, when given), then pulls:
one thread for both, so every page is fetched after the last ack it may reflect
(``sync/replica_balances.py``). Each call also tells central how many entries wait.

The loop keeps no wall-clock state that matters: versions order everything. The clock
only stamps ``last_contact`` for people and metrics (a remote's skewed clock changes
nothing it replicates).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import structlog

from printwarden.core.clock import Clock
from printwarden.remote.central_client import CentralClient
from printwarden.remote.pusher import Pusher
from printwarden.sync.feed import ResyncRequired
from printwarden.sync.replica import Replica

log = structlog.get_logger("printwarden.remote")


@dataclass
class SyncStatus:
    """What the remote knows of its replication, for /readyz and /metrics."""

    applied: int | None = None
    head: int | None = None
    last_contact: datetime | None = None
    last_error: str = ""

    @property
    def lag_versions(self) -> int | None:
        if self.applied is None or self.head is None:
            return None
        return max(0, self.head - self.applied)


class Puller:
    def __init__(self, replica: Replica, central: CentralClient, clock: Clock, *,
                 interval_seconds: float, batch_limit: int,
                 pusher: Pusher | None = None, status: SyncStatus | None = None,
                 after_round: Callable[[], object] | None = None) -> None:
        """``status``: the one to keep (the remote's offline watch reads it);
        ``after_round``: called after each round of the loop (it logs offline changes)."""
        self._replica = replica
        self.pusher = pusher
        self._central = central
        self._clock = clock
        self._interval = interval_seconds
        self._limit = batch_limit
        self.status = status or SyncStatus()
        self.status.applied = replica.applied_version()
        self._after_round = after_round
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def resync(self) -> int:
        """Load a fresh snapshot; answer its version."""
        with self._central.snapshot() as lines:
            version = self._replica.load_snapshot(lines)
        self._contact(applied=version, head=version)
        log.info("replica_snapshot_loaded", version=version)
        return version

    def pull_once(self) -> bool:
        """One step: a snapshot if none yet, else one page of changes. True: more wait."""
        since = self._replica.applied_version()
        if since is None:
            self.resync()
            return True
        try:
            pending = None if self.pusher is None else self.pusher.pending()
            page = self._central.changes(since, self._limit, pending=pending)
        except ResyncRequired as exc:
            log.warning("replica_resync", since=since, reason=exc.message)
            self.resync()
            return True
        applied = self._replica.apply_page(page["changes"], page["next_since"])
        self._contact(applied=applied, head=int(page.get("head", applied)))
        return bool(page.get("more"))

    def sync_once(self) -> bool:
        """One round: push a batch of the outbox, then pull a page. True: more wait."""
        pushed_more = self.pusher.push_once() if self.pusher is not None else False
        return self.pull_once() or pushed_more

    def catch_up(self, max_pages: int = 1_000_000) -> int:
        """Pull until nothing more waits (tests, and the first start); answer the version."""
        for _ in range(max_pages):
            if not self.pull_once():
                break
        return self._replica.applied_version() or 0

    def _contact(self, *, applied: int, head: int) -> None:
        self.status.applied = applied
        self.status.head = head
        self.status.last_contact = self._clock.now()
        self.status.last_error = ""

    def _loop(self) -> None:
        while not self._stop.is_set():
            more = False
            try:
                more = self.sync_once()
            except Exception as exc:  # central away, a broken answer: retried next round
                self.status.last_error = str(exc) or type(exc).__name__
                log.warning("replica_sync_failed", error=self.status.last_error)
            if self._after_round is not None:
                self._after_round()
            if not more:
                self._stop.wait(self._interval)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="pw-replica", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
