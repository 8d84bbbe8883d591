"""Reserve a job's estimated cost, then settle it at the actual cost or release it.

Locking: ``reserve`` locks the payer's source accounts (``FOR UPDATE`` on PostgreSQL;
SQLite write transactions are exclusive) before it reads what they can give, so
concurrent jobs can never overspend a limited account. ``settle``/``release`` lock the
reservation row first, then the accounts.

Settling at a cost above the reservation: the reserved parts are charged first, then
the same sources in order give what they still can; no limited account goes below its
overdraft, and what no source can cover is recorded as ``uncollected`` on the
settlement (the job has printed: it is not refused after the fact).

Offline (a remote cut off from central): both read the locked accounts through
``_as_offline``, so ``Account.can_give`` caps what each gives by its offline credit
policy; reserve and settle (prints, releases, copy sessions) decide availability there
and nowhere else. A hold made before the site went offline is still charged in full at
settle (it was granted): the cap limits only what goes beyond it.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from printwarden.core.errors import (
    ConflictError,
    InsufficientFunds,
    NotFoundError,
    PermissionDenied,
    ValidationError,
)
from printwarden.core.ids import new_id
from printwarden.core.money import Money
from printwarden.ledger import reservation_store as rstore
from printwarden.ledger import store
from printwarden.ledger.charge_policy import load_policy
from printwarden.ledger.model import (
    DEFAULT_CHARGE_ORDER,
    Account,
    ChargePolicy,
    Entry,
    Reservation,
    Settlement,
    settle_split,
    split_cost,
)
from printwarden.ledger.service_base import LedgerBase
from printwarden.ledger.tables import ledger_accounts as accounts
from printwarden.ledger.tables import ledger_charge_policy as policy_table

#: The payer's candidate accounts (by owner key, or the shared id) and the current
#: charge order, in one statement; prebuilt so SQLAlchemy compiles it once.
_CANDIDATES = (
    sa.select(accounts, sa.select(policy_table.c.source_order)
              .order_by(policy_table.c.version.desc()).limit(1)
              .scalar_subquery().label("policy_order"))
    .where(accounts.c.owner_key.in_(sa.bindparam("b_keys", expanding=True))
           | (accounts.c.id == sa.bindparam("b_shared")))
    .order_by(accounts.c.id)
)
_CANDIDATES_LOCKED = _CANDIDATES.with_for_update()


class ReservationOps(LedgerBase):
    def reserve(self, *, job_id: str, user_id: str, amount: Money, idempotency_key: str,
                group_ids: Sequence[str] = (), shared_account_id: str | None = None,
                actor: str) -> Reservation:
        """Hold ``amount`` on the payer's sources in charge order (InsufficientFunds if short)."""
        key = idempotency_key

        def work(conn: Connection) -> Reservation:
            return self.reserve_in(conn, job_id=job_id, user_id=user_id, amount=amount,
                                   idempotency_key=key, group_ids=group_ids,
                                   shared_account_id=shared_account_id, actor=actor)

        def replay(conn: Connection) -> Reservation | None:
            found = rstore.load(conn, self._db, key=key)
            return None if found is None else found[0]

        self._check_reservable(amount)
        return self._idempotent(work, replay)

    def _check_reservable(self, amount: Money) -> None:
        self._money(amount)
        if amount.minor < 0:
            raise ValidationError("a reservation cannot be negative")

    def reserve_in(self, conn: Connection, *, job_id: str, user_id: str, amount: Money,
                   idempotency_key: str, group_ids: Sequence[str] = (),
                   shared_account_id: str | None = None, actor: str,
                   resume: bool = False, only_shared: bool = False) -> Reservation:
        """``reserve`` inside the caller's write transaction.

        ``only_shared``: the shared account alone pays (the person chose it for this job),
        whatever the charge policy's order.

        ``resume=True`` looks the idempotency key up first (a retry that may find its
        reservation); otherwise a repeated key fails on its UNIQUE constraint, which
        aborts the caller's transaction (``reserve`` then replays the first result).
        Raising ``InsufficientFunds`` leaves the transaction usable: nothing was held.
        """
        self._check_reservable(amount)
        key = idempotency_key
        if resume:
            existing = rstore.load(conn, self._db, key=key)
            if existing is not None:
                return existing[0]
        sources = self._sources(conn, user_id, group_ids, shared_account_id)
        if only_shared and shared_account_id is not None:
            sources = [a for a in sources if a.id == shared_account_id]
        try:
            parts = split_cost(amount, sources)
        except InsufficientFunds:
            existing = rstore.load(conn, self._db, key=key)  # a retry of a success?
            if existing is not None:
                return existing[0]
            raise
        reservation = Reservation(new_id(), job_id, amount, parts, "open", self._clock.now())
        rstore.insert(conn, reservation, user_id=user_id, key=key)
        store.move_many(conn, [(part.account_id, 0, part.amount.minor)
                               for part in parts if part.amount.minor])
        return reservation

    def _sources(self, conn: Connection, user_id: str, group_ids: Sequence[str],
                 shared_account_id: str | None) -> list[Account]:
        """The payer's active accounts in charge-policy order, locked (one statement)."""
        keys = {"personal": [store.owner_key("personal", user_id)],
                "credit": [store.owner_key("credit", user_id)],
                "group": [store.owner_key("group", g) for g in group_ids]}
        stmt = _CANDIDATES_LOCKED if self._db.dialect == "postgresql" else _CANDIDATES
        rows = list(conn.execute(stmt, {
            "b_keys": [k for kind_keys in keys.values() for k in kind_keys],
            "b_shared": shared_account_id}).mappings())
        if not rows:
            policy = load_policy(conn)
        elif rows[0]["policy_order"] is None:  # never set: the default order
            policy = ChargePolicy(DEFAULT_CHARGE_ORDER)
        else:
            policy = ChargePolicy(tuple(rows[0]["policy_order"].split(",")))
        by_key = {row["owner_key"] or row["id"]: store.to_account(row) for row in rows}
        ordered: list[Account] = []
        for kind in policy.order:
            if kind == "shared":
                if shared_account_id is not None:
                    ordered.append(self._shared(conn, by_key.get(shared_account_id),
                                                shared_account_id, user_id))
                continue
            for key in keys[kind]:
                account = by_key.get(key)
                if account is None and kind in ("personal", "credit"):
                    account = self._owned_in(
                        conn, kind, "Personal quota" if kind == "personal" else "Prepaid credit",
                        user_id=user_id)
                if account is not None:
                    ordered.append(account)
        return self._as_offline(conn, [a for a in ordered
                                       if a.active and a.currency == self.currency])

    @staticmethod
    def _shared(conn: Connection, account: Account | None, account_id: str,
                user_id: str) -> Account:
        if account is None or account.kind != "shared":
            raise NotFoundError(f"no shared account {account_id}")
        if not store.is_member(conn, account_id, user_id):
            raise PermissionDenied(f"you are not a member of account {account.name!r}")
        return account

    def _load(self, conn: Connection, reservation_id: str) -> tuple[Reservation, RowMapping]:
        found = rstore.load(conn, self._db, reservation_id=reservation_id, lock=True)
        if found is None:
            raise NotFoundError(f"no reservation {reservation_id}")
        return found

    def get_reservation(self, reservation_id: str) -> Reservation:
        def read(conn: Connection) -> Reservation:
            found = rstore.load(conn, self._db, reservation_id=reservation_id)
            if found is None:
                raise NotFoundError(f"no reservation {reservation_id}")
            return found[0]

        return self._db.read(read)

    def settle(self, reservation_id: str, actual: Money, *, idempotency_key: str,
               actor: str) -> Settlement:
        """Charge the actual cost and drop the hold; a repeat returns the first settlement."""
        def work(conn: Connection) -> Settlement:
            return self.settle_in(conn, reservation_id, actual,
                                  idempotency_key=idempotency_key, actor=actor)

        return self._idempotent(work, lambda conn: self._settled(conn, reservation_id))

    def settle_in(self, conn: Connection, reservation_id: str, actual: Money, *,
                  idempotency_key: str, actor: str) -> Settlement:
        """``settle`` inside the caller's write transaction (locks the reservation first)."""
        found = rstore.load_for_settle(conn, self._db, reservation_id)
        if found is None:
            raise NotFoundError(f"no reservation {reservation_id}")
        reservation, locked = found
        if reservation.status == "settled":
            return _stored_settlement(conn, *self._load(conn, reservation_id))
        if reservation.status == "released":
            raise ConflictError(f"reservation {reservation_id} was released: not settling")
        self._money(actual, reservation.amount.currency)
        if actual.minor < 0:
            raise ValidationError("an actual cost cannot be negative")
        parts = reservation.parts
        locked = {account.id: account for account in self._as_offline(conn, [*locked.values()])}
        room = {p.account_id: locked[p.account_id].can_give_after_release(p.amount.minor)
                for p in parts}
        charges, uncollected = settle_split(
            actual.minor, [(p.account_id, p.amount.minor) for p in parts], room)
        now = self._clock.now()
        new: list[Entry] = []
        moves: list[tuple[str, int, int]] = []
        for position, ((account_id, charge), part) in enumerate(zip(charges, parts,
                                                                    strict=True)):
            account = locked[account_id]
            if charge:
                new.append(store.new_entry(
                    account, -charge, "charge", key=f"{idempotency_key}:{position}",
                    actor=actor, now=now, site=self.site,
                    balance_after=account.balance_minor - charge,
                    job_id=reservation.job_id, reference=reservation.id))
            if charge or part.amount.minor:
                moves.append((account_id, -charge, -part.amount.minor))
        self._insert_entries_in(conn, new)
        store.move_many(conn, moves)
        charged = actual.minor - uncollected
        rstore.close(conn, reservation.id, status="settled", now=now,
                     charged_minor=charged, uncollected_minor=uncollected)
        currency = actual.currency
        return Settlement(reservation.id, Money(charged, currency), tuple(new),
                          Money(uncollected, currency) if uncollected else None)

    def _settled(self, conn: Connection, reservation_id: str) -> Settlement | None:
        found = rstore.load(conn, self._db, reservation_id=reservation_id)
        if found is None or found[0].status != "settled":
            return None
        return _stored_settlement(conn, *found)

    def release(self, reservation_id: str, *, idempotency_key: str,
                actor: str) -> Reservation:
        """Drop the hold without charging; a repeat changes nothing."""
        return self._db.write(lambda conn: self.release_in(
            conn, reservation_id, idempotency_key=idempotency_key, actor=actor))

    def release_in(self, conn: Connection, reservation_id: str, *, idempotency_key: str,
                   actor: str) -> Reservation:
        """``release`` inside the caller's write transaction."""
        reservation, _ = self._load(conn, reservation_id)
        if reservation.status == "released":
            return reservation
        if reservation.status == "settled":
            raise ConflictError(f"reservation {reservation_id} was settled: not releasing")
        store.move_many(conn, [(part.account_id, 0, -part.amount.minor)
                               for part in reservation.parts if part.amount.minor])
        rstore.close(conn, reservation.id, status="released", now=self._clock.now())
        return Reservation(reservation.id, reservation.job_id, reservation.amount,
                           reservation.parts, "released", reservation.created_at)


def _stored_settlement(conn: Connection, reservation: Reservation,
                       row: RowMapping) -> Settlement:
    conditions = store.entries_where(reference=reservation.id, kind="charge")
    found, _ = store.list_entries(conn, conditions, offset=0, limit=1000)
    currency = reservation.amount.currency
    uncollected = int(row["uncollected_minor"] or 0)
    return Settlement(reservation.id, Money(int(row["charged_minor"] or 0), currency),
                      tuple(sorted(found, key=lambda e: e.idempotency_key)),
                      Money(uncollected, currency) if uncollected else None)
