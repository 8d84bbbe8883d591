"""Growing delays after failed attempts (sign-ins, PINs, enrolment codes), per key.

A key is what an attempt is counted under: ``user:alice@10.0.0.7`` (a name from one
source), ``source:10.0.0.7`` (every name from one source), ``pin:terminal-1``... Every
attempt names all its keys and must be allowed by each.

Per key, ``per_minute`` failures are free. Past that the key must wait until its rolling
minute has room again (never more than ``per_minute`` failures in any minute), and at
least ``base_delay`` doubled for each failure beyond the allowance (counted over
``memory``) after its last failure, at most ``max_delay``: a guesser slows down more the
longer he goes on, while a person who mistyped a few times never notices.
Nothing is locked: the owner of a name signing in from another source is not concerned,
and every key frees itself by waiting.

``attempt`` checks and counts in one step, under the throttle's lock: concurrent
attempts cannot all pass through the same free slot (a burst of 100 parallel guesses
is let through ``per_minute`` at most). The caller ``forgive``s an attempt that
succeeded, or ``reset``s the key.

The counts live in this process only (one throttle per service instance): several
server instances each allow the limit. No I/O; the clock is injected.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Iterable
from datetime import datetime, timedelta

from printwarden.core.clock import Clock
from printwarden.core.errors import TooManyAttempts

WINDOW = timedelta(seconds=60)


class AttemptThrottle:
    def __init__(self, clock: Clock, *, per_minute: int, base_delay: float = 1.0,
                 max_delay: float = 900.0, memory: timedelta = timedelta(minutes=15),
                 max_keys: int = 100_000) -> None:
        if per_minute < 1:
            raise ValueError("per_minute must be at least 1")
        self._clock = clock
        self.per_minute = per_minute
        self._base = base_delay
        self._max = max_delay
        self._memory = memory
        self._max_keys = max_keys
        self._failures: dict[str, deque[datetime]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: datetime) -> deque[datetime]:
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and times[0] <= now - self._memory:
            times.popleft()
        if not times:
            del self._failures[key]
        return times

    def allowed_at(self, key: str, now: datetime | None = None) -> datetime:
        """When ``key`` may next be tried (``now`` or earlier: it may be tried now)."""
        now = now or self._clock.now()
        times = self._recent(key, now)
        if len(times) < self.per_minute:
            return now
        in_window = [t for t in times if t > now - WINDOW]
        room = in_window[-self.per_minute] + WINDOW if len(in_window) >= self.per_minute \
            else now
        excess = len(times) - self.per_minute
        delay = min(self._base * (2.0 ** min(excess, 60)), self._max)
        return max(room, times[-1] + timedelta(seconds=delay))

    def check(self, keys: Iterable[str]) -> None:
        """Raise TooManyAttempts (with the seconds to wait) unless every key may try now."""
        with self._lock:
            self._check(list(keys), self._clock.now())

    def _check(self, keys: list[str], now: datetime) -> None:
        wait = max((self.allowed_at(key, now) - now for key in keys), default=timedelta(0))
        if wait > timedelta(0):
            raise TooManyAttempts(math.ceil(wait.total_seconds()))

    def attempt(self, keys: Iterable[str]) -> datetime:
        """Check that every key may try now and count this attempt as a failure of each,
        atomically; the instant returned lets ``forgive`` take it back on success."""
        wanted = list(keys)
        with self._lock:
            now = self._clock.now()
            self._check(wanted, now)
            self._record(wanted, now)
        return now

    def forgive(self, keys: Iterable[str], at: datetime) -> None:
        """Take back the attempt counted at ``at`` (it succeeded)."""
        with self._lock:
            for key in keys:
                times = self._failures.get(key)
                if times is not None and at in times:
                    times.remove(at)
                    if not times:
                        del self._failures[key]

    def retry_after(self, keys: Iterable[str]) -> int:
        """Seconds until every key may try again (0: now)."""
        with self._lock:
            now = self._clock.now()
            wait = max((self.allowed_at(key, now) - now for key in keys),
                       default=timedelta(0))
        return max(0, math.ceil(wait.total_seconds()))

    def record_failure(self, keys: Iterable[str]) -> None:
        with self._lock:
            self._record(list(keys), self._clock.now())

    def _record(self, keys: list[str], now: datetime) -> None:
        for key in keys:
            self._recent(key, now)
            if key not in self._failures and len(self._failures) >= self._max_keys:
                self._forget_oldest()
            self._failures.setdefault(key, deque()).append(now)

    def reset(self, key: str) -> None:
        """Forget ``key``'s failures (after a success under it)."""
        with self._lock:
            self._failures.pop(key, None)

    def _forget_oldest(self) -> None:
        oldest = min(self._failures, key=lambda k: self._failures[k][-1])
        del self._failures[oldest]
