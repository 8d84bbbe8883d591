"""Charge a job that already printed while no server could be asked (tracker mode).

Nothing was reserved and nothing can be refused after the fact: the payer's sources, in
charge-policy order, give what they have available, and whatever is left is charged to
the first source past its limit (its balance may go below its overdraft). The answer
says whether that happened, so the job and the account are flagged for an operator.

Idempotent by key: the entries are ``KEY:0``, ``KEY:1``...; a repeat finds ``KEY:0`` (or
nothing to charge) and answers what was charged first, never charging twice. A
concurrent duplicate fails on the entries' UNIQUE key and aborts its transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from printwarden.core.errors import ValidationError
from printwarden.core.money import Money
from printwarden.ledger import store
from printwarden.ledger.model import Entry
from printwarden.ledger.reservations import ReservationOps
from printwarden.ledger.tables import ledger_entries as entries


@dataclass(frozen=True)
class OfflineCharge:
    charged: Money
    entries: tuple[Entry, ...]
    #: Some of it was charged past a limited account's overdraft.
    past_limit: bool


class OfflineChargeOps(ReservationOps):
    def charge_printed_in(self, conn: Connection, *, job_id: str, user_id: str,
                          amount: Money, idempotency_key: str, group_ids: Sequence[str] = (),
                          actor: str) -> OfflineCharge:
        """Charge ``amount`` for a job that printed without a reservation (see above)."""
        self._money(amount)
        if amount.minor < 0:
            raise ValidationError("a charge cannot be negative")
        stored = _stored(conn, idempotency_key, job_id, amount.currency)
        if stored is not None or not amount.minor:
            return stored or OfflineCharge(amount, (), past_limit=False)
        sources = self._sources(conn, user_id, group_ids, None)
        if not sources:
            raise ValidationError(f"no account in {amount.currency} can pay this job")
        left = amount.minor
        shares: dict[str, int] = {}
        for account in sources:
            give = left if not account.limited else min(left, max(account.available_minor, 0))
            if give:
                shares[account.id] = give
                left -= give
            if not left:
                break
        past_limit = left > 0
        if past_limit:  # it printed: the first source carries the rest, below its limit
            shares[sources[0].id] = shares.get(sources[0].id, 0) + left
        now = self._clock.now()
        by_id = {account.id: account for account in sources}
        new = [store.new_entry(by_id[account_id], -share, "charge",
                               key=f"{idempotency_key}:{position}", actor=actor, now=now,
                               site=self.site,
                               balance_after=by_id[account_id].balance_minor - share,
                               job_id=job_id, note="printed offline (tracker)")
               for position, (account_id, share) in enumerate(shares.items())]
        self._insert_entries_in(conn, new)
        store.move_many(conn, [(account_id, -share, 0) for account_id, share in shares.items()])
        return OfflineCharge(amount, tuple(new), past_limit)


def _stored(conn: Connection, key: str, job_id: str, currency: str) -> OfflineCharge | None:
    """What a first charge with ``key`` wrote (its first entry is ``KEY:0``), or None."""
    if store.entry_by_key(conn, f"{key}:0") is None:
        return None
    rows = conn.execute(sa.select(entries).where(entries.c.job_id == job_id,
                                                 entries.c.kind == "charge")).mappings()
    found = [entry for entry in map(store.to_entry, rows)
             if entry.idempotency_key.rpartition(":")[0] == key]
    total = -sum(entry.amount.minor for entry in found)
    return OfflineCharge(Money(total, currency), tuple(found),
                         past_limit=any(entry.balance_after_minor < 0 for entry in found))
