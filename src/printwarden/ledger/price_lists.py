"""Price lists: stored rules (JSON), one default per kind, and quoting a job."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, replace
from functools import partial
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping
from sqlalchemy.exc import IntegrityError

from printwarden.core.errors import ConflictError, NotFoundError
from printwarden.core.ids import new_id
from printwarden.core.money import Money
from printwarden.core.pricing import CostBreakdown, JobSpec, PriceList, PriceRule, price_job
from printwarden.ledger.service_base import LedgerBase
from printwarden.ledger.tables import ledger_price_lists as price_lists


def _to_price_list(row: RowMapping) -> PriceList:
    return PriceList(
        id=row["id"], name=row["name"], kind=row["kind"], currency=row["currency"],
        per_job_fee_minor=int(row["per_job_fee_minor"]),
        rules=tuple(PriceRule(**rule) for rule in row["rules"]), default=bool(row["is_default"]))


#: Prebuilt (compiled once, cached by SQLAlchemy): pricing runs on every authorize/complete.
_BY_ID = sa.select(price_lists).where(price_lists.c.id == sa.bindparam("b_id"))
_DEFAULT = sa.select(price_lists).where(price_lists.c.kind == sa.bindparam("b_kind"),
                                        price_lists.c.is_default == sa.true())


def _load(conn: Connection, price_list_id: str) -> PriceList:
    found = conn.execute(_BY_ID, {"b_id": price_list_id}).mappings().first()
    if found is None:
        raise NotFoundError(f"no price list {price_list_id}")
    return _to_price_list(found)


def _default(conn: Connection, kind: str) -> PriceList | None:
    row = conn.execute(_DEFAULT, {"b_kind": kind}).mappings().first()
    return None if row is None else _to_price_list(row)


def _values(price_list: PriceList) -> dict[str, Any]:
    return {"name": price_list.name, "kind": price_list.kind, "currency": price_list.currency,
            "per_job_fee_minor": price_list.per_job_fee_minor,
            "rules": [asdict(rule) for rule in price_list.rules],
            "is_default": price_list.default}


class PriceListOps(LedgerBase):
    def create_price_list(self, name: str, *, kind: str = "print", currency: str | None = None,
                          per_job_fee: Money | None = None, rules: Sequence[PriceRule] = (),
                          default: bool = False, actor: str) -> PriceList:
        the_currency = currency or self.currency
        fee = self._money(per_job_fee, the_currency).minor if per_job_fee else 0
        price_list = PriceList(new_id(), name.strip(), kind, the_currency, fee, tuple(rules),
                               default)
        return self._save(price_list, actor=actor, create=True)

    def update_price_list(self, price_list_id: str, *, name: str | None = None,
                          per_job_fee: Money | None = None,
                          rules: Sequence[PriceRule] | None = None, default: bool | None = None,
                          actor: str) -> PriceList:
        current = self.get_price_list(price_list_id)
        changes: dict[str, Any] = {}
        if name is not None:
            changes["name"] = name.strip()
        if per_job_fee is not None:
            changes["per_job_fee_minor"] = self._money(per_job_fee, current.currency).minor
        if rules is not None:
            changes["rules"] = tuple(rules)
        if default is not None:
            changes["default"] = default
        return self._save(replace(current, **changes), actor=actor, create=False)

    def _save(self, price_list: PriceList, *, actor: str, create: bool) -> PriceList:
        def work(conn: Connection) -> PriceList:
            now = self._clock.now()
            if price_list.default:
                conn.execute(price_lists.update().where(
                    price_lists.c.kind == price_list.kind, price_lists.c.id != price_list.id,
                ).values(is_default=False))
            try:
                with conn.begin_nested():
                    if create:
                        conn.execute(price_lists.insert().values(
                            id=price_list.id, created_at=now, updated_at=now,
                            **_values(price_list)))
                    else:
                        conn.execute(price_lists.update()
                                     .where(price_lists.c.id == price_list.id)
                                     .values(updated_at=now, **_values(price_list)))
            except IntegrityError as exc:
                raise ConflictError(f"a price list named {price_list.name!r} exists") from exc
            self._audit.record_in(conn, actor, "ledger.price_list." +
                                  ("create" if create else "update"), price_list.id,
                                  **_values(price_list))
            return price_list

        return self._db.write(work)

    def get_price_list(self, price_list_id: str) -> PriceList:
        return self._db.read(lambda conn: _load(conn, price_list_id))

    def list_price_lists(self) -> list[PriceList]:
        def read(conn: Connection) -> list[PriceList]:
            rows = conn.execute(sa.select(price_lists)
                                .order_by(price_lists.c.kind, price_lists.c.name)).mappings()
            return [_to_price_list(row) for row in rows]

        return self._db.read(read)

    def default_price_list(self, kind: str = "print") -> PriceList | None:
        return self._db.read(lambda conn: _default(conn, kind))

    def price_list_currency_in(self, conn: Connection, price_list_id: str | None, *,
                               kind: str = "print") -> str:
        """The currency ``price_list_id`` prices in; None: the default list of ``kind``'s,
        else (no default) the ledger's. An unknown id raises NotFoundError."""
        price_list = _load(conn, price_list_id) if price_list_id else _default(conn, kind)
        return price_list.currency if price_list is not None else self.currency

    def price_list_in(self, conn: Connection, price_list_id: str | None, *,
                      kind: str = "print") -> PriceList | None:
        """The list that prices with ``price_list_id``: that list, else the default of
        ``kind``; None when there is none (jobs are free)."""
        return _load(conn, price_list_id) if price_list_id else _default(conn, kind)

    def cost(self, price_list_id: str | None, spec: JobSpec, *,
             kind: str = "print") -> CostBreakdown:
        """Price ``spec``: with the given list, else the default of ``kind``, else free."""
        return self._db.read(lambda conn: self.cost_in(conn, price_list_id, spec, kind=kind))

    def cost_in(self, conn: Connection, price_list_id: str | None, spec: JobSpec, *,
                kind: str = "print") -> CostBreakdown:
        """``cost`` inside the caller's transaction."""
        return self.pricer_in(conn, price_list_id, kind=kind)(spec)

    def pricer_in(self, conn: Connection, price_list_id: str | None, *,
                  kind: str = "print") -> Callable[[JobSpec], CostBreakdown]:
        """What ``cost_in`` does, with the price list read once: for pricing many jobs
        with one list (a listing of held jobs at a device)."""
        price_list = self.price_list_in(conn, price_list_id, kind=kind)
        if price_list is None:
            free = CostBreakdown.free(self.currency)
            return lambda spec: free
        return partial(price_job, price_list)
