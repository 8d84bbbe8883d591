"""Copy pages from two counter readings (pure): what to charge, or why an operator must look.

A copy session reads the device's counters when it opens and when it closes. The pages
the device made in between, less the pages of the jobs released to it during the
session, are the copies. :func:`count_copies` returns a :class:`CopyCharge` only when
every check passes; otherwise a :class:`CopyFlag` says why nothing should be charged
automatically. A charge is never negative and never above the session's ceiling.

The checks, in order (the first that fails is the flag's reason):

- ``reading-missing``: a reading is absent (the device did not answer: timeout), or a
  mono/colour counter answered at one reading only.
- ``profile-changed``: the readings were taken with different profiles.
- ``clock-went-backwards``: the end reading is older than the start reading.
- ``device-restarted``: ``sysUpTime`` went backwards, or advanced less than the wall
  clock by more than the tolerance (the device restarted in between; its counters may
  have been reset, or it is another device on the same address). A TimeTicks wrap
  (every 497 days) is recognised: the wrapped uptime agrees with the wall clock.
- ``counter-out-of-range``: a value at or above its counter's modulus.
- ``counter-went-backwards``: a counter is lower at the end and the wrapped difference
  is not plausible (a reset, a replaced board). A counter that wrapped (Counter32 at
  2**32, or the profile's modulus) with a plausible wrapped difference is accepted.
- ``absurd-delta``: a counter advanced more than the ceiling: the device's rated pages
  per minute times the session's minutes (rounded up) plus a slack, and never more than
  a hard cap whatever the session's length.
- ``counters-disagree``: colour pages exceed the total (mono derived as total - colour).
- ``released-exceed-delta``: the released jobs' pages (mono or colour) exceed what the
  device counted: a job may still be waiting in the device, or the counter is wrong.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from printwarden.release.snmp_model import (
    TIMETICKS_MODULUS,
    CounterOid,
    CounterReading,
    DeviceProfile,
)

__all__ = ["CopyCharge", "CopyCount", "CopyFlag", "CountingLimits", "FlagReason",
           "ReleasedPages", "count_copies"]


@dataclass(frozen=True)
class CountingLimits:
    """What a session may plausibly have made (a setting per device, later)."""

    pages_per_minute: int = 60
    slack_pages: int = 20
    hard_cap_pages: int = 2000
    uptime_tolerance_seconds: int = 60

    def __post_init__(self) -> None:
        for name in ("pages_per_minute", "slack_pages", "hard_cap_pages",
                     "uptime_tolerance_seconds"):
            value = getattr(self, name)
            if type(value) is not int or not 0 <= value <= 10**6:
                raise ValueError(f"{name} must be a whole number from 0 to 1000000")

    def ceiling(self, elapsed: timedelta) -> int:
        minutes = max(1, math.ceil(elapsed.total_seconds() / 60))
        return min(self.hard_cap_pages, self.pages_per_minute * minutes + self.slack_pages)


@dataclass(frozen=True)
class ReleasedPages:
    """Pages of the jobs released to the device during the session."""

    mono: int = 0
    colour: int = 0

    def __post_init__(self) -> None:
        if self.mono < 0 or self.colour < 0:
            raise ValueError("released pages are never negative")

    @property
    def total(self) -> int:
        return self.mono + self.colour


@dataclass(frozen=True)
class CopyCharge:
    """Copy pages to charge at copy prices. ``colour_counted`` is False when the profile
    has no colour counter: every copy page is then a mono page."""

    mono: int
    colour: int
    device_pages: int
    released_pages: int
    colour_counted: bool


FlagReason = Literal[
    "reading-missing", "profile-changed", "clock-went-backwards", "device-restarted",
    "counter-out-of-range", "counter-went-backwards", "absurd-delta", "counters-disagree",
    "released-exceed-delta",
]


@dataclass(frozen=True)
class CopyFlag:
    """No automatic charge: an operator decides. ``detail`` says what was seen."""

    reason: FlagReason
    detail: str


CopyCount = CopyCharge | CopyFlag


class _Flagged(Exception):
    def __init__(self, reason: FlagReason, detail: str) -> None:
        super().__init__(detail)
        self.flag = CopyFlag(reason, detail)


def count_copies(start: CounterReading | None, end: CounterReading | None,
                 released: ReleasedPages, profile: DeviceProfile,
                 limits: CountingLimits) -> CopyCount:
    try:
        return _count(start, end, released, profile, limits)
    except _Flagged as flagged:
        return flagged.flag


def _count(start: CounterReading | None, end: CounterReading | None,
           released: ReleasedPages, profile: DeviceProfile,
           limits: CountingLimits) -> CopyCharge:
    if start is None or end is None:
        which = "start" if start is None else "end"
        raise _Flagged("reading-missing", f"no counter reading at the session's {which}")
    if not start.profile == end.profile == profile.name:
        raise _Flagged("profile-changed", f"read as {start.profile!r} then {end.profile!r}, "
                       f"counted as {profile.name!r}")
    elapsed = end.read_at - start.read_at
    if elapsed < timedelta(0):
        raise _Flagged("clock-went-backwards", f"the end reading is {-elapsed} older")
    _check_uptime(start.uptime, end.uptime, elapsed, limits.uptime_tolerance_seconds)
    ceiling = limits.ceiling(elapsed)
    total = _delta("total", start.total, end.total, profile.total, ceiling)
    colour = _optional_delta("colour", start.colour, end.colour, profile.colour, ceiling)
    mono = _optional_delta("mono", start.mono, end.mono, profile.mono, ceiling)
    if colour is None:
        copies = total - released.total
        if copies < 0:
            raise _Flagged("released-exceed-delta", f"the device counted {total} pages, "
                           f"the released jobs had {released.total}")
        return CopyCharge(copies, 0, total, released.total, colour_counted=False)
    if mono is None:
        mono = total - colour
        if mono < 0:
            raise _Flagged("counters-disagree", f"{colour} colour pages but {total} in all")
    copies_mono, copies_colour = mono - released.mono, colour - released.colour
    if copies_mono < 0 or copies_colour < 0:
        raise _Flagged("released-exceed-delta", f"the device counted {mono} mono and "
                       f"{colour} colour pages, the released jobs had {released.mono} mono "
                       f"and {released.colour} colour")
    return CopyCharge(copies_mono, copies_colour, total, released.total, colour_counted=True)


def _check_uptime(start: int, end: int, elapsed: timedelta, tolerance: int) -> None:
    advanced = ((end - start) % TIMETICKS_MODULUS) / 100
    wall = elapsed.total_seconds()
    lagging = advanced < wall - tolerance
    went_back = end < start and advanced > wall + tolerance  # not a TimeTicks wrap
    if lagging or went_back:
        raise _Flagged("device-restarted", f"sysUpTime went from {start} to {end} ticks "
                       f"in {wall:.0f} s")


def _optional_delta(name: str, start: int | None, end: int | None, counter: CounterOid | None,
                    ceiling: int) -> int | None:
    if counter is None or (start is None and end is None):
        return None
    if start is None or end is None:
        raise _Flagged("reading-missing", f"the {name} counter answered at one reading only")
    return _delta(name, start, end, counter, ceiling)


def _delta(name: str, start: int, end: int, counter: CounterOid, ceiling: int) -> int:
    if start >= counter.modulus or end >= counter.modulus:
        raise _Flagged("counter-out-of-range", f"the {name} counter read {start} then {end}, "
                       f"beyond its modulus {counter.modulus}")
    delta = (end - start) % counter.modulus
    if end < start and delta > ceiling:
        raise _Flagged("counter-went-backwards", f"the {name} counter went from {start} to "
                       f"{end}: a reset or another device, not a wrap")
    if delta > ceiling:
        raise _Flagged("absurd-delta", f"the {name} counter advanced {delta} pages, more "
                       f"than the {ceiling} this session could make")
    return delta
