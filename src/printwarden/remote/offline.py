"""Whether a remote is cut off from central: its last successful pull is older than
``remote_offline_after_seconds``, or none succeeded since it started.

Central is never offline (it has no watch). The watch reads the puller's ``SyncStatus``
and the remote's clock only: a skewed clock shifts when the remote counts itself offline,
never what it replicates. Each change of state is logged once (``remote_offline`` /
``remote_online``), whoever notices it first (the pull loop after each round, the ledger,
/readyz, /metrics).
"""

from __future__ import annotations

import threading
from datetime import datetime

import structlog

from printwarden.core.clock import Clock
from printwarden.remote.puller import SyncStatus

log = structlog.get_logger("printwarden.remote")


class OfflineWatch:
    """The remote's link state, and (for /readyz and /metrics) its replica's status."""

    def __init__(self, status: SyncStatus, clock: Clock, *, after_seconds: float) -> None:
        self._status = status
        self._clock = clock
        self._after = after_seconds
        self._lock = threading.Lock()
        self._was: bool | None = None

    def is_offline(self) -> bool:
        last = self._status.last_contact
        offline = last is None or (self._clock.now() - last).total_seconds() > self._after
        with self._lock:
            if offline != self._was:
                if offline:
                    log.warning("remote_offline", last_contact=last and last.isoformat(),
                                after_seconds=self._after,
                                last_error=self._status.last_error)
                elif self._was is not None:
                    log.info("remote_online", last_contact=last and last.isoformat())
                self._was = offline
        return offline

    @property
    def offline(self) -> bool:
        return self.is_offline()

    @property
    def applied(self) -> int | None:
        return self._status.applied

    @property
    def lag_versions(self) -> int | None:
        return self._status.lag_versions

    @property
    def last_contact(self) -> datetime | None:
        return self._status.last_contact
