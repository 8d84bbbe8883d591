"""A remote's ledger outbox: each ledger entry it writes gets a site sequence, in the
entry's own transaction, and waits there until central acks it.

Sequences are contiguous (1, 2, 3...) because they come from one counter row of
``sync_state`` (``outbox_seq``) updated in the writing transaction: on PostgreSQL the
update's row lock makes concurrent writers take their turns until each commits (a rolled
back writer gives its numbers back with its entries); on SQLite writers never overlap.
Central applies entries in that order and answers a gap with 409, so a number skipped or
given twice would stall the outbox: the counter is the one source of them.

``outbox_acked`` is the highest sequence central said it holds. Entries above it are
unacked (sent again until acked: a lost answer only means a resend, central skips what
it has). Central's answer may be lower than ours (central restored from an older backup:
we send again from there) or higher than any sequence we gave (this remote restored from
an older backup: our counter jumps past it, so new entries never reuse a number central
has already taken).

This module is the remote's only writer of the outbox; central never has one (its ledger
service gets no entry sink).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from printwarden.ledger.model import Entry
from printwarden.ledger.tables import ledger_accounts as accounts
from printwarden.ledger.tables import ledger_entries as entries
from printwarden.sync.feed import read_counter, write_counter
from printwarden.sync.tables import ledger_outbox as outbox
from printwarden.sync.tables import sync_state

SEQ = "outbox_seq"
ACKED = "outbox_acked"

_TAKE = (sync_state.update().where(sync_state.c.name == SEQ)
         .values(value=sync_state.c.value + sa.bindparam("b_count")))
_INSERT = outbox.insert()


def record_entries(conn: Connection, written: Sequence[Entry]) -> None:
    """The remote ledger's entry sink: give ``written`` the next site sequences, in the
    writing transaction (``EntriesPosted``)."""
    if not written:
        return
    if conn.execute(_TAKE, {"b_count": len(written)}).rowcount == 0:
        write_counter(conn, SEQ, len(written))  # a database older than the counter row
    last = read_counter(conn, SEQ) or len(written)
    first = last - len(written) + 1
    conn.execute(_INSERT, [{"seq": first + position, "entry_id": entry.id,
                            "account_id": entry.account_id, "amount_minor": entry.amount.minor}
                           for position, entry in enumerate(written)])


def acked_through(conn: Connection) -> int:
    return read_counter(conn, ACKED) or 0


def pending_count(conn: Connection) -> int:
    """How many entries central has not acked."""
    return int(conn.execute(sa.select(sa.func.count()).select_from(outbox)
                            .where(outbox.c.seq > acked_through(conn))).scalar_one())


_ENTRY_FIELDS = ("idempotency_key", "account_id", "amount_minor", "currency", "kind",
                 "job_id", "reference", "created_at", "actor", "note")


def unacked(conn: Connection, limit: int) -> list[dict[str, Any]]:
    """The next ``limit`` unacked entries in sequence order, as the push sends them.

    Each names its account's owner key (None for a shared account): an owner account
    this remote created on the fly is unknown at central, which creates it from the key
    (its id is derived from the key on every site, ``ledger.model.owner_account_id``)."""
    rows = conn.execute(
        sa.select(outbox.c.seq, *(entries.c[name] for name in _ENTRY_FIELDS),
                  accounts.c.owner_key)
        .join(entries, entries.c.id == outbox.c.entry_id)
        .outerjoin(accounts, accounts.c.id == entries.c.account_id)
        .where(outbox.c.seq > acked_through(conn)).order_by(outbox.c.seq).limit(limit)
    ).mappings()
    return [{**row, "created_at": row["created_at"].isoformat()} for row in rows]


def record_ack(conn: Connection, through: int) -> None:
    """Central holds every entry up to ``through`` (its answer, whatever ours was)."""
    if through < acked_through(conn):  # central lost some (restored): they count again
        conn.execute(outbox.update().where(outbox.c.seq > through, outbox.c.reflected)
                     .values(reflected=False))
    write_counter(conn, ACKED, through)
    if through > (read_counter(conn, SEQ) or 0):  # we were restored from an older backup
        write_counter(conn, SEQ, through)
