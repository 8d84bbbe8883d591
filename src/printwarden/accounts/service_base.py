"""What every part of the accounts service shares: database, clock, audit log, keys, limiter."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy.exc import IntegrityError

from printwarden.accounts.credentials import KeyedHasher
from printwarden.core.clock import Clock
from printwarden.core.errors import ConflictError
from printwarden.core.throttle import AttemptThrottle
from printwarden.db.engine import Database

if TYPE_CHECKING:
    from printwarden.db.audit import AuditLog

T = TypeVar("T")


class AccountsBase:
    """State shared by the service's parts (see ``AccountsService``)."""

    def __init__(self, db: Database, clock: Clock, audit: AuditLog, card_hmac_key: bytes, *,
                 login_per_minute: int = 10, source_per_minute: int = 20) -> None:
        self._db = db
        self._clock = clock
        self._audit = audit
        self._keys = KeyedHasher(card_hmac_key)
        #: Failed sign-ins per (name, source) and per PIN/card/token source: growing
        #: delays past ``login_per_minute`` (setting ``login_rate_limit_per_minute``).
        self._throttle = AttemptThrottle(clock, per_minute=login_per_minute)
        #: Failed sign-ins per source over every name (``login_source_rate_limit_per_minute``).
        self._source_throttle = AttemptThrottle(clock, per_minute=source_per_minute)

    def _write_unique(self, work: Callable[..., T], conflict: str) -> T:
        """``db.write(work)``; a unique-constraint race becomes ConflictError(``conflict``)."""
        try:
            return self._db.write(work)
        except IntegrityError as exc:
            raise ConflictError(conflict) from exc
