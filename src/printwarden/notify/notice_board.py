"""The pop-up's notices as a service: read by cursor for the pop-up channel, posted inside
a producer's transaction with the user's bell rung after the commit.

The bell is the one the question service rings (``container.questions.bell``, keyed by
user id): a pop-up channel waits on one bell for both questions and notices. A ring is a
hint to read now; a notice posted by another server process is found at the channel's
next poll.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.engine import Connection

from printwarden.core.clock import Clock
from printwarden.core.event_bell import EventBell
from printwarden.db.engine import Database
from printwarden.notify import notices
from printwarden.notify.notices import Notice


class NoticeBoard:
    def __init__(self, db: Database, clock: Clock, bell: EventBell) -> None:
        self._db = db
        self._clock = clock
        self.bell = bell

    def post_in(self, conn: Connection, *, user_id: str, kind: str, text: str,
                data: Mapping[str, Any] | None = None) -> int:
        """Post a notice in the caller's transaction; the user's pop-up is woken after the
        commit. Answers the notice id."""
        notice_id = notices.post_in(conn, user_id=user_id, kind=kind, text=text,
                                    at=self._clock.now(), data=data)
        self._db.after_commit(conn, lambda: self.bell.ring(user_id))
        return notice_id

    def post(self, *, user_id: str, kind: str, text: str,
             data: Mapping[str, Any] | None = None) -> int:
        """Post a notice in a transaction of its own."""
        return self._db.write(lambda conn: self.post_in(conn, user_id=user_id, kind=kind,
                                                        text=text, data=data))

    def since(self, user_id: str, after_id: int = 0) -> list[Notice]:
        """The user's notices after the cursor ``after_id``, oldest first (a bounded page)."""
        return self._db.read(lambda conn: notices.since(conn, user_id, after_id))

    def last_id(self, user_id: str) -> int:
        return self._db.read(lambda conn: notices.last_id(conn, user_id))
