"""``send_with_retry``: repeat a send on retryable failures, with exponential back-off.

The wait before attempt n+1 is ``min(initial_delay * multiplier**(n-1), max_delay)``,
scaled by a random factor in ``[1 - jitter, 1 + jitter]``. It stops on success, on a
permanent failure, after ``max_attempts`` or once ``max_elapsed`` seconds would be
exceeded by the next wait; the last result is returned (``detail`` says it gave up).

``on_status`` receives printer-state-reason keywords only, so the queue can copy them
into its printer-state-reasons: the backend's own (``media-jam-error``,
``connecting-to-device``...) and, for a failed attempt whose backend reported none,
``offline-report``. ``on_attempt(n, result)`` receives every failed attempt's result
(its detail is the human-readable message).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from printwarden.agent.forwarding.interface import (
    Forwarder,
    ForwardJob,
    ForwardResult,
    StatusCallback,
    notify,
)

__all__ = ["RetryPolicy", "send_with_retry"]


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    max_elapsed: float = 600.0
    initial_delay: float = 2.0
    max_delay: float = 120.0
    multiplier: float = 2.0
    jitter: float = 0.2
    random: Callable[[], float] = field(default=random.random, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if not 0 <= self.jitter < 1:
            raise ValueError("jitter must be in [0, 1)")

    def delay(self, failed_attempts: int) -> float:
        """Seconds to wait after ``failed_attempts`` (>= 1) failures."""
        base = min(self.initial_delay * self.multiplier ** (failed_attempts - 1), self.max_delay)
        return base * (1 - self.jitter + 2 * self.jitter * self.random())


async def send_with_retry(forwarder: Forwarder, job: ForwardJob, policy: RetryPolicy, *,
                          on_status: StatusCallback | None = None,
                          on_attempt: Callable[[int, ForwardResult], None] | None = None,
                          sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
                          clock: Callable[[], float] = time.monotonic) -> ForwardResult:
    started = clock()
    attempt, waited = 0, 0.0
    while True:
        attempt += 1
        relay = _Relay(on_status)
        result = await forwarder.send(job, on_status=relay)
        if result.ok:
            return result
        if not relay.reported:
            notify(on_status, "offline-report" if result.retryable else "other-error")
        if on_attempt is not None:
            on_attempt(attempt, result)
        if not result.retryable:
            return result
        if attempt >= policy.max_attempts:
            return _give_up(result, f"after {attempt} attempts")
        wait = policy.delay(attempt)
        elapsed = max(clock() - started, waited)  # an injected sleep still counts
        if elapsed + wait > policy.max_elapsed:
            return _give_up(result, f"after {attempt} attempts in {elapsed:.0f} s")
        await sleep(wait)
        waited += wait


class _Relay:
    """Passes reasons on and remembers whether the attempt reported any."""

    def __init__(self, on_status: StatusCallback | None) -> None:
        self.on_status = on_status
        self.reported = False

    def __call__(self, reason: str) -> None:
        self.reported = True
        notify(self.on_status, reason)


def _give_up(result: ForwardResult, why: str) -> ForwardResult:
    return ForwardResult(ok=False, pages_printed=result.pages_printed,
                         copies_printed=result.copies_printed,
                         detail=f"{result.detail} (gave up {why})",
                         remote_job_id=result.remote_job_id, retryable=True)
