"""What every part of the accounts service shares: database, clock, audit log, keys, limiters."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy.exc import IntegrityError

from printwarden.accounts.credentials import KeyedHasher
from printwarden.accounts.model import MAX_ID_NUMBER_LENGTH, MIN_ID_NUMBER_LENGTH
from printwarden.core.clock import Clock
from printwarden.core.errors import ConfigurationError, ConflictError
from printwarden.core.throttle import AttemptThrottle
from printwarden.db.engine import Database

if TYPE_CHECKING:
    from printwarden.db.audit import AuditLog

T = TypeVar("T")

#: A PIN has 10,000 values at 4 digits: its failures are remembered a day, not 15 minutes,
#: so a card thief's delays stay long (see docs/security.md).
PIN_MEMORY = timedelta(hours=24)


class AccountsBase:
    """State shared by the service's parts (see ``AccountsService``)."""

    def __init__(self, db: Database, clock: Clock, audit: AuditLog, card_hmac_key: bytes, *,
                 login_per_minute: int = 10, source_per_minute: int = 20,
                 pin_per_minute: int = 5, terminal_per_minute: int = 20,
                 card_alone_allowed: bool = True,
                 id_number_length: int = MIN_ID_NUMBER_LENGTH) -> None:
        if not MIN_ID_NUMBER_LENGTH <= id_number_length <= MAX_ID_NUMBER_LENGTH:
            raise ConfigurationError(f"id_number_length must be {MIN_ID_NUMBER_LENGTH} to "
                                     f"{MAX_ID_NUMBER_LENGTH}")
        self._db = db
        self._clock = clock
        self._audit = audit
        self._keys = KeyedHasher(card_hmac_key)
        #: Failed passwords per (name, source) and failed API tokens per source: growing
        #: delays past ``login_per_minute`` (setting ``login_rate_limit_per_minute``).
        self._throttle = AttemptThrottle(clock, per_minute=login_per_minute)
        #: Failed sign-ins per source over every name and method
        #: (``login_source_rate_limit_per_minute``).
        self._source_throttle = AttemptThrottle(clock, per_minute=source_per_minute)
        #: Failed PINs per user, over every card, terminal and source
        #: (``pin_rate_limit_per_minute``).
        self._pin_throttle = AttemptThrottle(clock, per_minute=pin_per_minute,
                                             memory=PIN_MEMORY)
        #: Failed sign-ins per terminal (``terminal_rate_limit_per_minute``).
        self._terminal_throttle = AttemptThrottle(clock, per_minute=terminal_per_minute)
        #: Whether a card alone signs in at a device (``card_alone_allowed``).
        self.card_alone_allowed = card_alone_allowed
        #: Digits of a generated ID number (``id_number_length``).
        self.id_number_length = id_number_length

    def _write_unique(self, work: Callable[..., T], conflict: str) -> T:
        """``db.write(work)``; a unique-constraint race is retried once in a new transaction
        (which sees the other write and names what clashed), a second one becomes
        ConflictError(``conflict``)."""
        try:
            return self._db.write(work)
        except IntegrityError:
            pass
        try:
            return self._db.write(work)
        except IntegrityError as exc:
            raise ConflictError(conflict) from exc
