"""Central applies a remote's pushed outbox: each entry once, in site-sequence order,
with the remote's acked sequence moved in the same transaction.

One transaction per push: the remote's ``sync_remotes`` row is locked first (two pushes
of one remote take turns; the second sees what the first applied), then the keys the
push names are looked up (central's ledger and this remote's problems), the accounts it
names are locked once each in id order, ``reconcile_plan.plan`` decides, and the result
is written with one executemany per table (entries, balance moves, problems, reports).
Entries keep the remote's ``created_at``, ``actor`` and ``note``; their ``origin_site``
is the remote's name (as central knows it, whatever the remote says). Central emits no
``ledger.entry`` webhook for them: webhooks are called by the server that has the event
(the remote emitted its own when it wrote them; ``LOCAL`` in ``replicated.py``).

An owner account a remote created on the fly (a user's first print there) is created
here first, in the push's transaction, as central's own lazy creation would make it
(central's currency and default offline credit policy, limited, empty) and with the same
id (derived from its owner key): its entries are then posted like any others, and the
feed brings central's row to the remote as the row it already has.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from printwarden.core.clock import Clock
from printwarden.core.errors import NotFoundError
from printwarden.core.ids import new_ids
from printwarden.core.money import Money
from printwarden.db.engine import Database, one_of
from printwarden.ledger import store
from printwarden.ledger.model import Account, Entry, split_owner_key
from printwarden.ledger.tables import ledger_entries as entries
from printwarden.sync.reconcile_plan import Incoming, Plan, owner_accounts_to_create, plan
from printwarden.sync.tables import sync_reconcile_problems as problems
from printwarden.sync.tables import sync_reconcile_reports as reports
from printwarden.sync.tables import sync_remotes

#: Keys per lookup statement: a whole push (at most 1,000 entries) in one.
_KEY_CHUNK = 1000
#: The names central's lazy creation gives owner accounts (``ledger/account_ops.py``).
_OWNED_NAMES = {"personal": "Personal quota", "credit": "Prepaid credit",
                "group": "Group quota"}


@dataclass(frozen=True)
class PushResult:
    acked_through: int
    applied: int
    duplicates: int
    problems: int
    reports: int


@dataclass(frozen=True)
class ProblemRow:
    id: str
    remote_name: str
    seq: int
    idempotency_key: str
    reason: str
    message: str
    entry: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class ReportRow:
    id: str
    remote_name: str
    account_id: str
    amount: Money
    balance_after_minor: int
    created_at: datetime

    @property
    def balance_after(self) -> Money:
        return Money(self.balance_after_minor, self.amount.currency)


class Reconciler:
    def __init__(self, db: Database, clock: Clock, *, currency: str,
                 offline_credit_default: str = "balance") -> None:
        """``currency`` and ``offline_credit_default``: central's ledger's, for the owner
        accounts created here for a remote's entries."""
        self._db = db
        self._clock = clock
        self._currency = currency
        self._offline_credit = offline_credit_default

    def apply(self, remote_id: str, pushed: Sequence[Incoming], *,
              pending: int | None = None) -> PushResult:
        """Apply one push of remote ``remote_id`` (``OutboxGap`` when it leaves a hole).

        A key inserted meanwhile by another writer (another remote, central itself) fails
        the insert on its unique index: the push runs again and finds it known."""
        def run(conn: Connection) -> PushResult:
            return self._apply_in(conn, remote_id, pushed, pending)

        try:
            return self._db.write(run)
        except IntegrityError:
            return self._db.write(run)

    def _apply_in(self, conn: Connection, remote_id: str, pushed: Sequence[Incoming],
                  pending: int | None) -> PushResult:
        remote = conn.execute(self._db.for_update(
            sa.select(sync_remotes.c.name, sync_remotes.c.outbox_acked_seq)
            .where(sync_remotes.c.id == remote_id))).first()
        if remote is None:
            raise NotFoundError("this remote is gone")
        keys = [entry.idempotency_key for entry in pushed]
        known = _known(conn, keys)
        accounts = store.load_accounts(conn, self._db, {e.account_id for e in pushed},
                                       lock=True)
        fresh = [e for e in pushed if e.idempotency_key not in known]
        for account_id, owner_key in sorted(owner_accounts_to_create(fresh, accounts).items()):
            created = self._create_owned(conn, owner_key)
            if created is not None and created.id == account_id:
                accounts[account_id] = created
        decided = plan(pushed, acked=int(remote.outbox_acked_seq), known=known,
                       problem_keys=_problem_keys(conn, remote_id, keys), accounts=accounts)
        self._write(conn, remote_id, str(remote.name), decided)
        values: dict[str, Any] = {"outbox_acked_seq": decided.acked_through,
                                  "last_contact_at": self._clock.now()}
        if pending is not None:
            values["pending_entries"] = pending
        conn.execute(sync_remotes.update().where(sync_remotes.c.id == remote_id)
                     .values(**values))
        return PushResult(decided.acked_through, len(decided.postings), decided.duplicates,
                          len(decided.problems), len(decided.reports))

    def _create_owned(self, conn: Connection, owner_key: str) -> Account | None:
        """The owner's account, created now if it has none (None: no such owner here). An
        account the owner already has under another id (made before ids were derived) is
        answered as it is: the caller then leaves the entry unknown."""
        split = split_owner_key(owner_key)
        if split is None:
            return None
        kind, owner = split
        try:
            return store.get_or_create_owned(
                conn, self._db, kind=kind, name=_OWNED_NAMES[kind], currency=self._currency,
                owner_user_id=None if kind == "group" else owner,
                group_id=owner if kind == "group" else None, now=self._clock.now(),
                offline_credit=self._offline_credit)
        except NotFoundError:
            return None

    def _write(self, conn: Connection, remote_id: str, remote_name: str,
               decided: Plan) -> None:
        posted = [Entry(id=entry_id, account_id=e.account_id,
                        amount=Money(e.amount_minor, e.currency), kind=e.kind,
                        job_id=e.job_id, reference=e.reference,
                        idempotency_key=e.idempotency_key, origin_site=remote_name,
                        created_at=e.created_at, actor=e.actor, balance_after_minor=after,
                        note=e.note)
                  for entry_id, (e, after) in zip(new_ids(len(decided.postings)),
                                                  decided.postings, strict=True)]
        store.insert_entries(conn, posted)
        store.move_many(conn, [(account_id, delta, 0)
                               for account_id, delta in sorted(decided.moves.items())
                               if delta])
        now = self._clock.now()
        if decided.problems:
            conn.execute(problems.insert(), [
                {"id": problem_id, "remote_id": remote_id, "remote_name": remote_name,
                 "seq": p.entry.seq, "idempotency_key": p.entry.idempotency_key,
                 "reason": p.reason, "message": p.message[:500],
                 "entry": _as_json(p.entry), "created_at": now}
                for problem_id, p in zip(new_ids(len(decided.problems)), decided.problems,
                                         strict=True)])
        if decided.reports:
            conn.execute(reports.insert(), [
                {"id": report_id, "remote_id": remote_id, "remote_name": remote_name,
                 "account_id": r.account_id, "amount_minor": r.amount_minor,
                 "currency": r.currency, "balance_after_minor": r.balance_after_minor,
                 "created_at": now}
                for report_id, r in zip(new_ids(len(decided.reports)), decided.reports,
                                        strict=True)])

    def problems(self, *, limit: int = 100) -> list[ProblemRow]:
        rows = self._db.read(lambda conn: conn.execute(
            sa.select(problems).order_by(problems.c.created_at.desc(), problems.c.id.desc())
            .limit(limit)).mappings().all())
        return [ProblemRow(id=r["id"], remote_name=r["remote_name"], seq=int(r["seq"]),
                           idempotency_key=r["idempotency_key"], reason=r["reason"],
                           message=r["message"], entry=dict(r["entry"]),
                           created_at=r["created_at"]) for r in rows]

    def reports(self, *, limit: int = 100) -> list[ReportRow]:
        rows = self._db.read(lambda conn: conn.execute(
            sa.select(reports).order_by(reports.c.created_at.desc(), reports.c.id.desc())
            .limit(limit)).mappings().all())
        return [ReportRow(id=r["id"], remote_name=r["remote_name"],
                          account_id=r["account_id"],
                          amount=Money(int(r["amount_minor"]), r["currency"]),
                          balance_after_minor=int(r["balance_after_minor"]),
                          created_at=r["created_at"]) for r in rows]


def problem_counts(conn: Connection) -> dict[str, tuple[int, int]]:
    """(problems, reports) per remote id."""
    found: dict[str, list[int]] = {}
    for position, table in enumerate((problems, reports)):
        for remote_id, count in conn.execute(sa.select(table.c.remote_id, sa.func.count())
                                             .group_by(table.c.remote_id)):
            found.setdefault(str(remote_id), [0, 0])[position] = int(count)
    return {remote_id: (pair[0], pair[1]) for remote_id, pair in found.items()}


def _chunks(keys: Sequence[str]) -> Iterable[list[str]]:
    unique = sorted(set(keys))
    for start in range(0, len(unique), _KEY_CHUNK):
        yield unique[start:start + _KEY_CHUNK]


def _known(conn: Connection, keys: Sequence[str]) -> dict[str, tuple[object, ...]]:
    """The content of each key central's ledger holds (``Incoming.content``'s shape)."""
    found: dict[str, tuple[object, ...]] = {}
    columns = (entries.c.account_id, entries.c.amount_minor, entries.c.currency,
               entries.c.kind, entries.c.job_id, entries.c.reference)
    for chunk in _chunks(keys):
        for row in conn.execute(sa.select(entries.c.idempotency_key, *columns)
                                .where(one_of(conn, entries.c.idempotency_key, chunk))):
            found[str(row[0])] = (row[1], int(row[2]), row[3], row[4], row[5], row[6])
    return found


def _problem_keys(conn: Connection, remote_id: str, keys: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(keys):
        found.update(str(row[0]) for row in conn.execute(
            sa.select(problems.c.idempotency_key).where(
                problems.c.remote_id == remote_id,
                one_of(conn, problems.c.idempotency_key, chunk))))
    return found


def _as_json(entry: Incoming) -> dict[str, Any]:
    return {"seq": entry.seq, "idempotency_key": entry.idempotency_key,
            "account_id": entry.account_id, "amount_minor": entry.amount_minor,
            "currency": entry.currency, "kind": entry.kind, "job_id": entry.job_id,
            "reference": entry.reference, "created_at": entry.created_at.isoformat(),
            "actor": entry.actor, "note": entry.note, "owner_key": entry.owner_key}
