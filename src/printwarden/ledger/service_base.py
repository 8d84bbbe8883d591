"""What every part of the ledger service shares: the ports and the idempotent write."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from printwarden.core.clock import Clock
from printwarden.core.errors import ValidationError
from printwarden.core.money import Money
from printwarden.db.engine import Database
from printwarden.ledger import store
from printwarden.ledger.model import Account, Entry, validate_offline_credit
from printwarden.ledger.offline_funds import OfflineFunds

if TYPE_CHECKING:
    from printwarden.db.audit import AuditLog

T = TypeVar("T")
#: Told of every entry written, in the writing transaction (the notifier's ledger webhooks):
#: it may write in ``conn`` and must do no other I/O.
EntriesPosted = Callable[[Connection, Sequence[Entry]], None]
#: The ``site`` of central's ledger (a remote's is its name): entries' ``origin_site``.
CENTRAL_SITE = "central"


class LedgerBase:
    def __init__(self, db: Database, clock: Clock, audit: AuditLog, *, currency: str,
                 site: str = CENTRAL_SITE, max_posting_minor: int | None = None,
                 on_entries: EntriesPosted | None = None,
                 offline: OfflineFunds | None = None,
                 offline_credit_default: str = "balance") -> None:
        self._db = db
        self._clock = clock
        self._audit = audit
        self.currency = Money.zero(currency).currency  # validates the code
        self.site = site
        #: The largest amount one direct posting (top-up, refund, adjustment, transfer)
        #: may move, in minor units; None = no limit (setting ``max_top_up_minor``).
        self.max_posting_minor = max_posting_minor
        self._on_entries = on_entries
        #: The site's link with central (a remote); None at central, never offline.
        self._offline = offline
        validate_offline_credit(offline_credit_default, 0)
        #: The offline credit policy of accounts opened here (setting
        #: ``offline_credit_default``).
        self.offline_credit_default = offline_credit_default

    def _owned_in(self, conn: Connection, kind: str, name: str, *,
                  user_id: str | None = None, group_id: str | None = None) -> Account:
        """The owner's one ``kind`` account, opened now (this site's default offline credit
        policy) if it has none."""
        return store.get_or_create_owned(
            conn, self._db, kind=kind, name=name, currency=self.currency,
            owner_user_id=user_id, group_id=group_id, now=self._clock.now(),
            offline_credit=self.offline_credit_default)

    def is_offline(self) -> bool:
        """This site is a remote cut off from central (never at central)."""
        return self._offline is not None and self._offline.is_offline()

    def _as_offline(self, conn: Connection, found: Sequence[Account]) -> list[Account]:
        """``found`` as this site may spend them now: online, unchanged; offline, each
        account whose policy caps it carries its unsent spending (``Account.can_give``
        then applies the cap). Called in the transaction that locked the accounts."""
        if self._offline is None or not self._offline.is_offline():
            return list(found)
        capped = [account.id for account in found if account.offline_credit != "balance"]
        limited = [account.id for account in found if account.offline_credit == "limit"]
        unsent = self._offline.unsent_spending(conn, limited) if limited else {}
        return [replace(account, unsent_minor=unsent.get(account.id, 0))
                if account.id in capped else account for account in found]

    def _insert_entries_in(self, conn: Connection, entries: Sequence[Entry]) -> None:
        """The one way entries are written: insert them, then tell ``on_entries``."""
        store.insert_entries(conn, entries)
        if entries and self._on_entries is not None:
            self._on_entries(conn, entries)

    def _post_in(self, conn: Connection, account: Account, amount_minor: int, kind: str, *,
                 key: str, actor: str, now: datetime, job_id: str | None = None,
                 reference: str | None = None, note: str = "") -> Entry:
        """One entry on a locked ``account``, its balance moved (``store.post``), told."""
        entry = store.post(conn, account, amount_minor, kind, key=key, actor=actor, now=now,
                           site=self.site, job_id=job_id, reference=reference, note=note)
        if self._on_entries is not None:
            self._on_entries(conn, [entry])
        return entry

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
