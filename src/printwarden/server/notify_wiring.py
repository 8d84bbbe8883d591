"""How the server connects producers in other contexts to the notifier (they may not
import ``notify`` themselves): the ledger's entry listener and the user lookup."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.engine import Connection

from printwarden.accounts import store as accounts_store
from printwarden.accounts.model import User
from printwarden.ledger.model import Entry
from printwarden.ledger.service_base import EntriesPosted
from printwarden.notify.notifier import Notifier


def user_in(conn: Connection, user_id: str) -> User | None:
    return accounts_store.load_user(conn, user_id)


def ledger_entry_data(entry: Entry) -> dict[str, object]:
    """The ``data`` of a ``ledger.entry`` webhook (money in minor units + currency)."""
    return {"entry_id": entry.id, "account_id": entry.account_id, "kind": entry.kind,
            "amount_minor": entry.amount.minor, "currency": entry.amount.currency,
            "balance_after_minor": entry.balance_after_minor, "job_id": entry.job_id,
            "reference": entry.reference, "actor": entry.actor, "note": entry.note,
            "origin_site": entry.origin_site, "created_at": entry.created_at.isoformat()}


def ledger_entry_listener(notifier: Notifier) -> EntriesPosted:
    """One ``ledger.entry`` event per entry, in the posting's transaction."""
    def told(conn: Connection, entries: Sequence[Entry]) -> None:
        for entry in entries:
            notifier.emit_in(conn, "ledger.entry", user_id=None,
                             data=ledger_entry_data(entry), at=entry.created_at)

    return told


def both_told(first: EntriesPosted, second: EntriesPosted) -> EntriesPosted:
    """One listener telling two, in order, in the posting's transaction."""
    def told(conn: Connection, entries: Sequence[Entry]) -> None:
        first(conn, entries)
        second(conn, entries)

    return told
