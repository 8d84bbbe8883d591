"""Which waiting analysis runs next: fair across queues and users. Pure, no I/O.

Queues take turns; within a queue its users take turns; and no user runs more than
``per_user`` requests at once, however many they queued. So a user who sends a few
documents that take the whole time budget (an endless PostScript program) holds at most
``per_user`` workers, and everyone else's documents go through the others meanwhile.

A user is the job's owner as the queue established it; on a ``trusted-network`` queue
that is the client's claim, so the turns there are as fair as the names are true.
"""

from __future__ import annotations

from collections import Counter, deque
from typing import Generic, TypeVar

__all__ = ["FairShare"]

T = TypeVar("T")


class FairShare(Generic[T]):
    def __init__(self, per_user: int) -> None:
        if per_user < 1:
            raise ValueError("per_user must be at least 1")
        self.per_user = per_user
        #: queue -> user -> waiting items; dict order is the turn order (next first)
        self._waiting: dict[str, dict[str, deque[T]]] = {}
        self._running: Counter[str] = Counter()

    def __len__(self) -> int:
        return sum(len(items) for users in self._waiting.values() for items in users.values())

    def running(self, user: str) -> int:
        return self._running[user]

    def add(self, queue: str, user: str, item: T) -> None:
        self._waiting.setdefault(queue, {}).setdefault(user, deque()).append(item)

    def take(self) -> tuple[str, str, T] | None:
        """The next item to run (counted as running for its user), or None when every
        waiting item belongs to a user already at the limit."""
        for queue, users in self._waiting.items():
            for user, items in users.items():
                if self._running[user] >= self.per_user:
                    continue
                item = items.popleft()
                del users[user]  # this user's turn is over: to the end of the line
                if items:
                    users[user] = items
                del self._waiting[queue]  # and this queue's too
                if users:
                    self._waiting[queue] = users
                self._running[user] += 1
                return queue, user, item
        return None

    def finish(self, user: str) -> None:
        """One of ``user``'s items stopped running."""
        self._running[user] -= 1
        if self._running[user] <= 0:
            del self._running[user]
