"""Idempotency keys of terminal requests: one key, one request, one answer.

A terminal with several servers (one database) retries a request that failed on a
connection error on the next server with the same ``Idempotency-Key``. When the first
server did the work and only its answer was lost, the retry must get that answer, not do
the request again: a release done twice would answer "not held" for the job it released,
a sign-in done twice would open a second session. So the routes that change something
(sign-in, release, delete, sign-out) remember their answer under the terminal's key.

- The key is the terminal's own: another terminal's key never matches (no replay across
  terminals). The same key with another request (method, path or body) is a
  ``ConflictError``: a terminal must not mistake a refused request for a repeated one.
- Only answers are kept (an error keeps nothing: the retry runs the request again, which
  is what an error means). Two attempts of one key that run at the same moment both run;
  the first answer stored is the one both report, and the requests themselves are safe to
  run twice (a job is released once; a second sign-in replaces the first).
- Answers are kept ``KEEP`` and then swept with idle sessions.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from printwarden.core.clock import Clock
from printwarden.core.errors import ConflictError
from printwarden.db.engine import Database
from printwarden.release.tables import terminal_request_keys

#: How long an answer is kept for a retry.
KEEP = timedelta(days=1)


class KeyReused(ConflictError):
    code = "idempotency_key_reused"


def request_hash(method: str, path: str, body: Any) -> str:
    """What makes two requests the same request."""
    text = json.dumps([method.upper(), path, body], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


class TerminalAnswers:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def recall(self, terminal_id: str, key: str, digest: str) -> Any | None:
        """The answer stored for ``key`` (None: not seen); KeyReused for another request."""
        return self._db.read(lambda conn: self._recall_in(conn, terminal_id, key, digest))

    def remember(self, terminal_id: str, key: str, digest: str, answer: Any) -> Any:
        """Store ``answer`` for ``key``; answers the first one stored (a concurrent attempt
        of the same key may have stored its own first)."""
        def write(conn: Connection) -> None:
            conn.execute(terminal_request_keys.insert().values(
                terminal_id=terminal_id, key=key, request_hash=digest, answer=answer,
                created_at=self._clock.now()))

        try:
            self._db.write(write)
        except IntegrityError:
            first = self.recall(terminal_id, key, digest)
            return answer if first is None else first
        return answer

    def sweep(self) -> int:
        """Forget answers older than ``KEEP``; how many."""
        cutoff = self._clock.now() - KEEP
        return self._db.write(lambda conn: conn.execute(
            terminal_request_keys.delete()
            .where(terminal_request_keys.c.created_at < cutoff)).rowcount or 0)

    @staticmethod
    def _recall_in(conn: Connection, terminal_id: str, key: str, digest: str) -> Any | None:
        row = conn.execute(
            sa.select(terminal_request_keys.c.request_hash, terminal_request_keys.c.answer)
            .where(terminal_request_keys.c.terminal_id == terminal_id,
                   terminal_request_keys.c.key == key)).first()
        if row is None:
            return None
        if row.request_hash != digest:
            raise KeyReused("this Idempotency-Key was sent with another request: use a new "
                            "key for a new request")
        return row.answer
