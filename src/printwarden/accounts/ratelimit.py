"""A sliding-window limit on failed authentication attempts.

The limiter is an in-process object: its counts live in THIS instance only (one per
``AccountsService``, so per server process). Several server instances behind a load
balancer each allow the limit. It never does I/O; the clock is injected.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta

from printwarden.core.clock import Clock
from printwarden.core.errors import AuthenticationFailed

TOO_MANY_ATTEMPTS = "too many attempts, try again in a minute"


class FailureRateLimiter:
    """Blocks a key once it has more than ``max_failures`` failures within ``window``."""

    def __init__(self, clock: Clock, *, max_failures: int = 10,
                 window: timedelta = timedelta(seconds=60), max_keys: int = 10_000) -> None:
        self._clock = clock
        self._max_failures = max_failures
        self._window = window
        self._max_keys = max_keys
        self._failures: dict[str, deque[datetime]] = {}

    def _recent(self, key: str) -> deque[datetime]:
        times = self._failures.get(key)
        if times is None:
            return deque()
        horizon = self._clock.now() - self._window
        while times and times[0] <= horizon:
            times.popleft()
        if not times:
            del self._failures[key]
        return times

    def is_blocked(self, key: str) -> bool:
        return len(self._recent(key)) > self._max_failures

    def check(self, key: str) -> None:
        """Raise AuthenticationFailed when ``key`` is over the limit."""
        if self.is_blocked(key):
            raise AuthenticationFailed(TOO_MANY_ATTEMPTS)

    def record_failure(self, key: str) -> None:
        self._recent(key)
        if key not in self._failures and len(self._failures) >= self._max_keys:
            self._forget_oldest()
        self._failures.setdefault(key, deque()).append(self._clock.now())

    def reset(self, key: str) -> None:
        """Forget ``key``'s failures (after a success)."""
        self._failures.pop(key, None)

    def _forget_oldest(self) -> None:
        oldest = min(self._failures, key=lambda k: self._failures[k][-1])
        del self._failures[oldest]
