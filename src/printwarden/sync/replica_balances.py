"""A remote's account balances: central's, plus what central does not have yet.

``ledger_accounts`` replicates from central, balances included, while the remote's own
ledger moves ``balance_minor`` and ``reserved_minor`` locally. Writing central's row over
them would forget the remote's spending; so whenever the replica writes a
``ledger_accounts`` row (a feed page, a snapshot) it calls ``rebase`` in the same
transaction, which:

1. keeps central's values in ``sync_account_shadow``;
2. marks the account's acked outbox entries ``reflected``: the row was fetched after
   their ack (the pusher and the puller take turns on one thread, ``remote/puller.py``),
   so central's balance in it includes them;
3. sets ``balance_minor`` = central's + the account's entries not reflected, and
   ``reserved_minor`` = central's + the remote's own open reservations (central's sum
   holds only central's, reservations stay where they are held).

So a balance at the remote never forgets an entry of its own (no over-estimate). It may
count one twice for a while (an under-estimate): central applied a push whose answer was
lost, and the feed brought central's balance, which includes it, before the resend's
ack; or an acked entry central kept as a problem instead of posting. The next row of
that account fetched after the ack corrects it. Between two feed rows the remote's own
ledger keeps moving the row by deltas as any server does.
"""

from __future__ import annotations

from collections.abc import Collection

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from printwarden.ledger.tables import ledger_accounts as accounts
from printwarden.ledger.tables import ledger_reservation_parts as parts
from printwarden.ledger.tables import ledger_reservations as reservations
from printwarden.sync.outbox import acked_through
from printwarden.sync.tables import ledger_outbox as outbox
from printwarden.sync.tables import sync_account_shadow as shadow

#: Account ids per statement (bound parameters stay well under every driver's limit).
_CHUNK = 500


def rebase(conn: Connection, account_ids: Collection[str] | None) -> None:
    """Central's values of ``account_ids`` (None: every account, after a snapshot) were
    just written to ``ledger_accounts``: keep them and add back the remote's own."""
    if account_ids is None:
        conn.execute(shadow.delete())
        conn.execute(shadow.insert().from_select(
            ["account_id", "balance_minor", "reserved_minor"],
            sa.select(accounts.c.id, accounts.c.balance_minor, accounts.c.reserved_minor)))
        conn.execute(outbox.update().where(outbox.c.seq <= acked_through(conn))
                     .values(reflected=True))
        _add_own(conn, None)
        return
    ids = sorted(set(account_ids))
    acked = acked_through(conn)
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        conn.execute(shadow.delete().where(shadow.c.account_id.in_(chunk)))
        conn.execute(shadow.insert().from_select(
            ["account_id", "balance_minor", "reserved_minor"],
            sa.select(accounts.c.id, accounts.c.balance_minor, accounts.c.reserved_minor)
            .where(accounts.c.id.in_(chunk))))
        conn.execute(outbox.update().where(outbox.c.account_id.in_(chunk),
                                           outbox.c.seq <= acked).values(reflected=True))
        _add_own(conn, chunk)


def _add_own(conn: Connection, chunk: list[str] | None) -> None:
    """balance += the account's unreflected entries, reserved += its open reservations
    here, for the accounts that have any (the others hold central's values already)."""
    unreflected = (sa.select(sa.func.coalesce(sa.func.sum(outbox.c.amount_minor), 0))
                   .where(outbox.c.account_id == accounts.c.id, sa.not_(outbox.c.reflected))
                   .scalar_subquery())
    held = (sa.select(sa.func.coalesce(sa.func.sum(parts.c.amount_minor), 0))
            .join(reservations, reservations.c.id == parts.c.reservation_id)
            .where(parts.c.account_id == accounts.c.id, reservations.c.status == "open")
            .scalar_subquery())
    has_own = sa.or_(
        accounts.c.id.in_(sa.select(outbox.c.account_id).where(sa.not_(outbox.c.reflected))),
        accounts.c.id.in_(sa.select(parts.c.account_id)
                          .join(reservations, reservations.c.id == parts.c.reservation_id)
                          .where(reservations.c.status == "open")))
    where = [has_own] if chunk is None else [has_own, accounts.c.id.in_(chunk)]
    conn.execute(accounts.update().where(*where).values(
        balance_minor=accounts.c.balance_minor + unreflected,
        reserved_minor=accounts.c.reserved_minor + held))


def central_balances(conn: Connection, account_ids: Collection[str]) -> dict[str, int]:
    """Central's balance of each account as the feed last brought it."""
    rows = conn.execute(sa.select(shadow.c.account_id, shadow.c.balance_minor)
                        .where(shadow.c.account_id.in_(sorted(set(account_ids)))))
    return {str(row[0]): int(row[1]) for row in rows}
