"""What a remote has spent that central does not have yet, per account: for offline
authorization (an offline credit limit counts it).

The remote's ``ledger_accounts.balance_minor`` already includes these entries
(``replica_balances.py``): subtract this from central's balance, never from the remote's
own row, or the spending counts twice.
"""

from __future__ import annotations

from collections.abc import Collection

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from printwarden.sync.outbox import acked_through
from printwarden.sync.tables import ledger_outbox as outbox


def unsent_spending(conn: Connection, account_ids: Collection[str]) -> dict[str, int]:
    """The remote's entries central has not acked, per account, as money spent in minor
    units (positive: charged; refunds and top-ups made here count against it). Accounts
    with none are absent."""
    if not account_ids:
        return {}
    rows = conn.execute(
        sa.select(outbox.c.account_id, sa.func.sum(outbox.c.amount_minor))
        .where(outbox.c.account_id.in_(sorted(set(account_ids))),
               outbox.c.seq > acked_through(conn))
        .group_by(outbox.c.account_id))
    return {str(account_id): -int(total) for account_id, total in rows if total}
