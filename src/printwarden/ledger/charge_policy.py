"""The charge policy (which sources pay first): data in a versioned table, latest row wins."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from printwarden.ledger.model import DEFAULT_CHARGE_ORDER, ChargePolicy
from printwarden.ledger.service_base import LedgerBase
from printwarden.ledger.tables import ledger_charge_policy as policy_table


def load_policy(conn: Connection) -> ChargePolicy:
    row = conn.execute(sa.select(policy_table.c.version, policy_table.c.source_order)
                       .order_by(policy_table.c.version.desc()).limit(1)).first()
    if row is None:
        return ChargePolicy(DEFAULT_CHARGE_ORDER, 0)
    return ChargePolicy(tuple(str(row[1]).split(",")), int(row[0]))


class ChargePolicyOps(LedgerBase):
    def get_charge_policy(self) -> ChargePolicy:
        return self._db.read(load_policy)

    def set_charge_policy(self, order: Sequence[str], *, actor: str) -> ChargePolicy:
        """Store a new version of the charge order (a concurrent change wins or retries)."""
        wanted = ChargePolicy(tuple(order))

        def work(conn: Connection) -> ChargePolicy:
            current = load_policy(conn)
            new = ChargePolicy(wanted.order, current.version + 1)
            conn.execute(policy_table.insert().values(
                version=new.version, source_order=",".join(new.order),
                updated_at=self._clock.now(), actor=actor))
            self._audit.record_in(conn, actor, "ledger.charge_policy.set", "",
                                  order=list(new.order), version=new.version)
            return new

        for _attempt in range(5):
            try:
                return self._db.write(work)
            except IntegrityError:
                continue  # another admin stored the same version number first
        return self._db.write(work)
