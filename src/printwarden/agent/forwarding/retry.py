"""``RetryPolicy``: the exponential back-off between attempts to reach a device.

The wait after the n-th failed attempt is ``min(initial_delay * multiplier**(n-1),
max_delay)``, scaled by a random factor in ``[1 - jitter, 1 + jitter]`` (so that many
agents do not hammer a printer that comes back at the same moment). How long a job keeps
trying is not the policy's business: the queue's job lifetime decides
(``agent.processing.delivery``).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["RetryPolicy"]


@dataclass(frozen=True)
class RetryPolicy:
    initial_delay: float = 2.0
    max_delay: float = 30.0
    multiplier: float = 2.0
    jitter: float = 0.2
    random: Callable[[], float] = field(default=random.random, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.initial_delay < 0 or self.max_delay < self.initial_delay:
            raise ValueError("delays must satisfy 0 <= initial_delay <= max_delay")
        if not 0 <= self.jitter < 1:
            raise ValueError("jitter must be in [0, 1)")

    def delay(self, failed_attempts: int) -> float:
        """Seconds to wait after ``failed_attempts`` (>= 1) failures."""
        base = min(self.initial_delay * self.multiplier ** (failed_attempts - 1), self.max_delay)
        return base * (1 - self.jitter + 2 * self.jitter * self.random())
