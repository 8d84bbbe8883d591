"""What every part of the ledger service shares: the ports and the idempotent write."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from printwarden.core.clock import Clock
from printwarden.core.errors import ValidationError
from printwarden.core.money import Money
from printwarden.db.engine import Database

if TYPE_CHECKING:
    from printwarden.db.audit import AuditLog

T = TypeVar("T")


class LedgerBase:
    def __init__(self, db: Database, clock: Clock, audit: AuditLog, *, currency: str,
                 site: str = "central", max_posting_minor: int | None = None) -> None:
        self._db = db
        self._clock = clock
        self._audit = audit
        self.currency = Money.zero(currency).currency  # validates the code
        self.site = site
        #: The largest amount one direct posting (top-up, refund, adjustment, transfer)
        #: may move, in minor units; None = no limit (setting ``max_top_up_minor``).
        self.max_posting_minor = max_posting_minor

    def _money(self, amount: Money, currency: str | None = None) -> Money:
        expected = currency or self.currency
        if amount.currency != expected:
            raise ValidationError(f"amount in {amount.currency}, the account uses {expected}")
        return amount

    def _idempotent(self, work: Callable[[Connection], T],
                    replay: Callable[[Connection], T | None]) -> T:
        """Run ``work``; if it lost a race on a unique idempotency key, return the winner's result.

        ``work`` checks the key itself first (under the account locks), so this fallback
        only matters when two transactions inserted the same key at the same moment.
        """
        try:
            return self._db.write(work)
        except IntegrityError:
            stored = self._db.read(replay)
            if stored is None:
                raise
            return stored
