"""Held jobs as a user sees them at a device: pure values and rules, no I/O.

A held job is priced for the device it would print on: a device that cannot print colour
prints a colour job in grey and charges it mono; one that cannot print duplex prints it
simplex (more sheets). A held job expires ``held_job_lifetime`` after it arrived.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from printwarden.core.money import Money

#: How long a held job waits for its owner by default (per queue:
#: ``held_job_lifetime_seconds``).
DEFAULT_HELD_JOB_LIFETIME_SECONDS = 8 * 3600
MIN_HELD_JOB_LIFETIME_SECONDS = 60


class ReleaseTarget(Protocol):
    """A device a held job may be released to (the devices context's record of it)."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def agent_id(self) -> str | None: ...
    @property
    def device_uri(self) -> str: ...
    @property
    def color_capable(self) -> bool: ...
    @property
    def duplex_capable(self) -> bool: ...
    @property
    def enabled(self) -> bool: ...
    @property
    def release_on_sign_in(self) -> bool: ...
    @property
    def price_list_id(self) -> str | None: ...
    @property
    def group_id(self) -> str | None: ...


@dataclass(frozen=True)
class PrintShape:
    """What a device prints of a job: the figures it is priced with."""

    pages: int
    color_pages: int
    copies: int
    duplex: bool


def shape_at(target: ReleaseTarget, *, pages: int, color_pages: int, copies: int,
             duplex: bool) -> PrintShape:
    """The job as ``target`` prints it: grey on a mono device, simplex without duplex."""
    return PrintShape(pages=pages, color_pages=color_pages if target.color_capable else 0,
                      copies=copies, duplex=duplex and target.duplex_capable)


@dataclass(frozen=True)
class HeldJob:
    """One held job in a user's list, priced for the device asked about (if any)."""

    job_id: str
    queue_id: str
    username: str
    title: str
    pages: int | None
    color_pages: int | None
    copies: int
    duplex: bool
    media: str
    created_at: datetime
    expires_at: datetime
    #: The reservation made at authorization (what release at any device is covered by).
    reserved: Money | None
    #: The cost at the device asked about; None when no device was named or the job cannot
    #: print there (``releasable`` is False then, with ``why``).
    cost: Money | None = None
    releasable: bool = True
    why: str = ""

    def age(self, now: datetime) -> timedelta:
        return now - self.created_at


def expires_at(created_at: datetime, lifetime_seconds: int) -> datetime:
    return created_at + timedelta(seconds=max(lifetime_seconds, MIN_HELD_JOB_LIFETIME_SECONDS))


@dataclass(frozen=True)
class ReleaseOutcome:
    """What happened to one job of a release or delete request."""

    job_id: str
    ok: bool
    message: str
    cost: Money | None = None
