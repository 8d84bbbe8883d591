"""The printer's clock: printer-up-time (seconds, always > 0) and the wall clock."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

from printwarden.ipp.printer.job import TimeStamp

__all__ = ["PrinterClock"]


class PrinterClock:
    """``up_time()`` counts whole seconds since start, from 1; ``now()`` pairs it with UTC."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic,
                 wall: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)) -> None:
        self._monotonic = monotonic
        self._wall = wall
        self._started = monotonic()

    def up_time(self) -> int:
        return int(self._monotonic() - self._started) + 1

    def wall(self) -> dt.datetime:
        return self._wall()

    def now(self) -> TimeStamp:
        return TimeStamp(self.up_time(), self.wall().replace(microsecond=0))
