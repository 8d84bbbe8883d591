"""Direct entries: top-ups, refunds, adjustments, transfers; and reading the ledger.

Every mutation locks the account rows, then looks up its idempotency key: a key seen
before with the same request returns the stored entry and changes nothing, with another
request it is refused (``idempotency``). A limited account never goes
below its overdraft by a direct entry (reserved money stays untouched too).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Connection

from printwarden.core.errors import InsufficientFunds, NotFoundError, ValidationError
from printwarden.core.money import Money
from printwarden.ledger import idempotency, store
from printwarden.ledger.idempotency import PostingRequest
from printwarden.ledger.model import ENTRY_KINDS, POSTABLE_KINDS, Account, Entry
from printwarden.ledger.service_base import LedgerBase
from printwarden.ledger.tables import ledger_entries


def _check_can_pay(account: Account, amount_minor: int, what: str) -> None:
    """A debit of ``amount_minor`` must leave a limited account's available >= 0."""
    if amount_minor >= 0 or not account.limited:
        return
    if account.available_minor + amount_minor < 0:
        needed = Money(-amount_minor, account.currency)
        available = Money(max(account.available_minor, 0), account.currency)
        raise InsufficientFunds(
            f"{what} of {needed.format()} exceeds what account {account.name!r} has available"
            f" ({available.format()}, balance {account.balance.format()}).",
            account_id=account.id, balance_minor=account.balance_minor,
            available_minor=max(account.available_minor, 0), needed_minor=-amount_minor,
            currency=account.currency)


def _check_key(key: str) -> str:
    if not key or len(key) > 150:
        raise ValidationError("an idempotency key of 1 to 150 characters is required")
    return key


class PostingOps(LedgerBase):
    def _check_size(self, amount: Money, what: str) -> None:
        """A direct posting moves at most ``max_posting_minor`` (the top-up maximum)."""
        limit = self.max_posting_minor
        if limit is not None and abs(amount.minor) > limit:
            raise ValidationError(f"a {what} may move at most "
                                  f"{Money(limit, amount.currency).format()} at once")

    def post_entry(self, account_id: str, amount: Money, kind: str, *, idempotency_key: str,
                   actor: str, reference: str | None = None, job_id: str | None = None,
                   note: str = "") -> Entry:
        """Post a top-up (> 0), refund (> 0) or adjustment (either sign) to an account.

        The key is the caller's: the same key with the same request answers the first
        entry, with another request a ConflictError (see ``idempotency``).
        """
        if kind not in POSTABLE_KINDS:
            raise ValidationError(f"entry kind must be one of {', '.join(POSTABLE_KINDS)} "
                                  "(charges come from settling, allocations from quotas)")
        if amount.minor == 0 or (kind != "adjustment" and amount.minor < 0):
            raise ValidationError(f"a {kind} needs a positive amount"
                                  if kind != "adjustment" else "an adjustment cannot be zero")
        self._check_size(amount, kind)
        key = _check_key(idempotency_key)
        asked = PostingRequest(operation=kind, account_ids=(account_id,),
                               amount_minor=amount.minor, currency=amount.currency,
                               note=note, reference=reference)

        def again(conn: Connection) -> Entry | None:
            found = idempotency.replay(conn, key, asked)
            return found[0] if found else None

        def work(conn: Connection) -> Entry:
            account = store.load_account(conn, self._db, account_id, lock=True)
            existing = again(conn)
            if existing is not None:
                return existing
            self._money(amount, account.currency)
            _check_can_pay(account, amount.minor, f"This {kind}")
            now = self._clock.now()
            entry = self._post_in(conn, account, amount.minor, kind,
                                  key=idempotency.scoped_key(kind, account_id, key),
                                  actor=actor, now=now, job_id=job_id,
                                  reference=reference, note=note)
            idempotency.remember(conn, key, asked, [entry], now)
            self._audit.record_in(conn, actor, f"ledger.{kind}", account_id,
                                  entry_id=entry.id, amount_minor=amount.minor, note=note)
            return entry

        return self._idempotent(work, again)

    def transfer(self, from_id: str, to_id: str, amount: Money, *, idempotency_key: str,
                 actor: str, note: str = "") -> tuple[Entry, Entry]:
        """Move money between two accounts of one currency: two entries, one transaction."""
        if from_id == to_id:
            raise ValidationError("a transfer needs two different accounts")
        if amount.minor <= 0:
            raise ValidationError("a transfer needs a positive amount")
        self._check_size(amount, "transfer")
        key = _check_key(idempotency_key)
        asked = PostingRequest(operation="transfer", account_ids=(from_id, to_id),
                               amount_minor=amount.minor, currency=amount.currency, note=note)

        def replay(conn: Connection) -> tuple[Entry, Entry] | None:
            found = idempotency.replay(conn, key, asked)
            return (found[0], found[1]) if found else None

        def work(conn: Connection) -> tuple[Entry, Entry]:
            locked = store.load_accounts(conn, self._db, (from_id, to_id), lock=True)
            for account_id in (from_id, to_id):
                if account_id not in locked:
                    raise NotFoundError(f"no ledger account {account_id}")
            stored = replay(conn)
            if stored is not None:
                return stored
            source, target = locked[from_id], locked[to_id]
            if source.currency != target.currency:
                raise ValidationError("a transfer needs two accounts of the same currency")
            self._money(amount, source.currency)
            _check_can_pay(source, -amount.minor, "This transfer")
            now = self._clock.now()
            debit = self._post_in(conn, source, -amount.minor, "transfer",
                                  key=idempotency.scoped_key("transfer-out", from_id, key),
                                  actor=actor, now=now, reference=to_id, note=note)
            credit = self._post_in(conn, target, amount.minor, "transfer",
                                   key=idempotency.scoped_key("transfer-in", to_id, key),
                                   actor=actor, now=now, reference=from_id, note=note)
            idempotency.remember(conn, key, asked, [debit, credit], now)
            self._audit.record_in(conn, actor, "ledger.transfer", from_id, to=to_id,
                                  amount_minor=amount.minor, note=note)
            return debit, credit

        return self._idempotent(work, replay)

    def list_entries(self, *, account_id: str | None = None, kind: str | None = None,
                     job_id: str | None = None, since: datetime | None = None,
                     until: datetime | None = None, offset: int = 0,
                     limit: int = 100) -> tuple[list[Entry], int]:
        """Entries, newest first, filtered; ``until`` is exclusive."""
        if kind is not None and kind not in ENTRY_KINDS:
            raise ValidationError(f"entry kind must be one of {', '.join(ENTRY_KINDS)}")
        conditions = store.entries_where(account_id=account_id, kind=kind, job_id=job_id,
                                         since=since, until=until)
        return self._db.read(lambda conn: store.list_entries(conn, conditions, offset=offset,
                                                             limit=limit))

    def get_entry(self, entry_id: str) -> Entry:
        def read(conn: Connection) -> Entry:
            found, _ = store.list_entries(conn, [ledger_entries.c.id == entry_id], offset=0,
                                          limit=1)
            if not found:
                raise NotFoundError(f"no ledger entry {entry_id}")
            return found[0]

        return self._db.read(read)
