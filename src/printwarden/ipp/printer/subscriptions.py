"""Subscription objects and the events kept for ``ippget`` (RFC 3995, RFC 3996); no I/O.

Memory is bounded whatever clients do: at most ``max_subscriptions`` subscriptions per
printer and ``max_per_user`` per owner; each keeps its last ``events_kept`` events, and
no event outlives ``event_life`` seconds (ippget-event-life). Printer subscriptions end
when their lease runs out (no lease is unlimited); a job subscription ends with its job
and is forgotten ``event_life`` seconds later, once its last events could be fetched.
Sequence numbers count per subscription from 1 (notify-sequence-number).

Times are printer-up-time seconds (``clock``), so leases do not jump with the wall clock.
"""

from __future__ import annotations

import uuid
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from printwarden.ipp.printer.events import NOTIFY_EVENTS, Occurrence

__all__ = ["Notification", "NotifyLimits", "Subscription", "SubscriptionBook"]


@dataclass(frozen=True, slots=True)
class NotifyLimits:
    """The bounds of one printer's subscriptions (advertised as notify-* attributes)."""

    max_subscriptions: int = 100
    max_per_user: int = 20
    events_kept: int = 100
    lease_default: int = 3600
    lease_max: int = 86400
    event_life: int = 60
    get_interval: int = 10
    max_events: int = len(NOTIFY_EVENTS)
    """notify-max-events-supported: event keywords one subscription may name."""


@dataclass(frozen=True, slots=True)
class Notification:
    sequence: int
    subscribed_event: str
    occurrence: Occurrence


@dataclass(slots=True)
class Subscription:
    """One subscription; ``job_id`` None for a printer subscription."""

    id: int
    owner: str
    events: tuple[str, ...]
    printer_uri: str
    job_id: int | None
    lease: int
    created: int
    expires: int | None
    user_data: bytes = b""
    charset: str = "utf-8"
    language: str = "en"
    time_interval: int = 0
    uuid: str = field(default_factory=lambda: f"urn:uuid:{uuid.uuid4()}")
    sequence: int = 0
    ended: int | None = None
    """printer-up-time when its job ended (job subscriptions)."""
    kept: deque[Notification] = field(default_factory=deque)

    def since(self, sequence: int) -> list[Notification]:
        return [n for n in self.kept if n.sequence >= sequence]


class SubscriptionBook:
    """The subscriptions of one printer and the events kept for them."""

    def __init__(self, limits: NotifyLimits | None = None,
                 clock: Callable[[], int] = lambda: 0) -> None:
        self.limits = limits or NotifyLimits()
        self._clock = clock
        self._subscriptions: dict[int, Subscription] = {}
        self._next_id = 1

    def __len__(self) -> int:
        return len(self._subscriptions)

    def __iter__(self) -> Iterator[Subscription]:
        self.expire()
        return iter(list(self._subscriptions.values()))

    def owned_by(self, owner: str) -> int:
        return sum(1 for s in self._subscriptions.values() if s.owner == owner)

    def room_for(self, owner: str) -> bool:
        self.expire()
        return (len(self._subscriptions) < self.limits.max_subscriptions
                and self.owned_by(owner) < self.limits.max_per_user)

    def add(self, *, owner: str, events: tuple[str, ...], printer_uri: str,
            job_id: int | None, lease: int, user_data: bytes = b"", charset: str = "utf-8",
            language: str = "en", time_interval: int = 0) -> Subscription:
        """A new subscription; the caller checked ``room_for`` and the values."""
        now = self._clock()
        subscription = Subscription(self._next_id, owner, events, printer_uri, job_id, lease,
                                    now, None if job_id is not None else now + lease,
                                    user_data, charset, language, time_interval)
        self._next_id += 1
        self._subscriptions[subscription.id] = subscription
        return subscription

    def get(self, subscription_id: int) -> Subscription | None:
        self.expire()
        return self._subscriptions.get(subscription_id)

    def cancel(self, subscription_id: int) -> None:
        self._subscriptions.pop(subscription_id, None)

    def renew(self, subscription: Subscription, lease: int) -> None:
        subscription.lease = lease
        subscription.expires = self._clock() + lease

    def end_job(self, job_id: int) -> None:
        """The job ended: its subscriptions stop and are forgotten after event_life."""
        now = self._clock()
        for subscription in self._subscriptions.values():
            if subscription.job_id == job_id and subscription.ended is None:
                subscription.ended = now

    def publish(self, occurrence: Occurrence) -> None:
        """Keep a notification of ``occurrence`` for every subscription it matches."""
        if not self._subscriptions:
            return
        for subscription in self._subscriptions.values():
            if subscription.ended is not None:
                continue
            if subscription.job_id is not None and occurrence.job_id not in (
                    None, subscription.job_id):
                continue
            event = occurrence.subscribed_event(subscription.events)
            if event is None:
                continue
            subscription.sequence += 1
            subscription.kept.append(Notification(subscription.sequence, event, occurrence))
            while len(subscription.kept) > self.limits.events_kept:
                subscription.kept.popleft()
        if occurrence.ends_job and occurrence.job_id is not None:
            self.end_job(occurrence.job_id)

    def expire(self) -> None:
        """Forget lapsed subscriptions and events older than ippget-event-life."""
        now = self._clock()
        life = self.limits.event_life
        gone = [s.id for s in self._subscriptions.values()
                if (s.expires is not None and s.expires <= now)
                or (s.ended is not None and s.ended + life <= now)]
        for subscription_id in gone:
            del self._subscriptions[subscription_id]
        for subscription in self._subscriptions.values():
            kept = subscription.kept
            while kept and kept[0].occurrence.up_time + life <= now:
                kept.popleft()

    def seconds_left(self, subscription: Subscription) -> int:
        """notify-lease-expiration-time relative to now (0 for job subscriptions)."""
        if subscription.expires is None:
            return 0
        return max(0, subscription.expires - self._clock())
