"""What every part of the accounts service shares: database, clock, audit log, keys, limiter."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy.exc import IntegrityError

from printwarden.accounts.credentials import KeyedHasher
from printwarden.accounts.ratelimit import FailureRateLimiter
from printwarden.core.clock import Clock
from printwarden.core.errors import ConflictError
from printwarden.db.engine import Database

if TYPE_CHECKING:
    from printwarden.db.audit import AuditLog

T = TypeVar("T")


class AccountsBase:
    """State shared by the service's parts (see ``AccountsService``)."""

    def __init__(self, db: Database, clock: Clock, audit: AuditLog, card_hmac_key: bytes) -> None:
        self._db = db
        self._clock = clock
        self._audit = audit
        self._keys = KeyedHasher(card_hmac_key)
        #: Failed logins per username and per PIN/card source, in this process only.
        self._limiter = FailureRateLimiter(clock)

    def _write_unique(self, work: Callable[..., T], conflict: str) -> T:
        """``db.write(work)``; a unique-constraint race becomes ConflictError(``conflict``)."""
        try:
            return self._db.write(work)
        except IntegrityError as exc:
            raise ConflictError(conflict) from exc
