"""Idempotency keys of direct postings: one key, one request, one result.

A caller's key is remembered with the request it came with (``PostingRequest``). The same
key with the same request answers the stored entries and changes nothing; the same key
with any other request (another amount, account, operation, note or reference) is a
``ConflictError`` (HTTP 409) that says what the key was used for, as payment APIs do: a
caller must never mistake a refused posting for a repeated one.

Entries themselves carry a key scoped by operation and account
(``top-up:ACCOUNT:KEY``, ``transfer-out:ACCOUNT:KEY``), so a caller's key can never meet
the ledger's own keys (``settle:JOB:0``, ``release:JOB``) or another operation's entries.
Entries posted before the request table existed carried the bare key; ``legacy_request``
rebuilds their request so a retry across an upgrade is still recognised.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from printwarden.core.errors import ConflictError
from printwarden.core.money import Money
from printwarden.ledger import store
from printwarden.ledger.model import Entry
from printwarden.ledger.tables import ledger_entries, ledger_request_keys


@dataclass(frozen=True)
class PostingRequest:
    """What a caller asked for under one key; equal requests are the same request."""

    operation: str
    account_ids: tuple[str, ...]
    amount_minor: int
    currency: str
    note: str = ""
    reference: str | None = None

    def describe(self) -> str:
        amount = Money(self.amount_minor, self.currency).format()
        where = " -> ".join(self.account_ids)
        return f"{self.operation} of {amount} on {where}"

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["account_ids"] = list(self.account_ids)
        return data

    @classmethod
    def of_json(cls, data: dict[str, Any]) -> PostingRequest:
        return cls(operation=str(data["operation"]),
                   account_ids=tuple(str(a) for a in data["account_ids"]),
                   amount_minor=int(data["amount_minor"]), currency=str(data["currency"]),
                   note=str(data.get("note", "")), reference=data.get("reference"))


def scoped_key(operation: str, account_id: str, key: str) -> str:
    """The idempotency key an entry of ``operation`` on ``account_id`` is stored under."""
    return f"{operation}:{account_id}:{key}"


def differences(stored: PostingRequest, asked: PostingRequest) -> list[str]:
    """The names of what differs between two requests under one key."""
    names = ("operation", "account_ids", "amount_minor", "currency", "note", "reference")
    labels = {"account_ids": "account", "amount_minor": "amount"}
    return [labels.get(n, n) for n in names if getattr(stored, n) != getattr(asked, n)]


def refuse_reuse(key: str, stored: PostingRequest, asked: PostingRequest) -> ConflictError:
    changed = ", ".join(differences(stored, asked))
    return ConflictError(
        f"idempotency key {key[:60]!r} was already used for a {stored.describe()}; this "
        f"request differs ({changed}) and was not applied: use a new key for a new request")


def replay(conn: Connection, key: str, asked: PostingRequest) -> list[Entry] | None:
    """The entries of ``key`` when it was seen with this very request, None when it is new;
    ConflictError when the key was used for another request."""
    row = conn.execute(sa.select(ledger_request_keys)
                       .where(ledger_request_keys.c.key == key)).mappings().first()
    if row is None:
        return _legacy_replay(conn, key, asked)
    stored = PostingRequest.of_json(dict(row["request"]))
    if stored != asked:
        raise refuse_reuse(key, stored, asked)
    return _entries(conn, str(row["entry_ids"]).split(","))


def remember(conn: Connection, key: str, asked: PostingRequest, entries: Sequence[Entry],
             now: datetime) -> None:
    """Record ``key`` with its request and result (in the posting's own transaction)."""
    conn.execute(ledger_request_keys.insert().values(
        key=key, operation=asked.operation, request=asked.as_json(),
        entry_ids=",".join(e.id for e in entries), created_at=now))


def _entries(conn: Connection, ids: list[str]) -> list[Entry]:
    rows = conn.execute(sa.select(ledger_entries).where(ledger_entries.c.id.in_(ids)))
    by_id = {row["id"]: store.to_entry(row) for row in rows.mappings()}
    return [by_id[i] for i in ids]


_LEGACY_SUFFIXES = {"transfer": (":debit", ":credit")}


def _legacy_replay(conn: Connection, key: str, asked: PostingRequest) -> list[Entry] | None:
    """Entries posted under the bare key before 0006 (or a ledger key such as
    ``settle:JOB:0`` given by a caller): a replay when they match, else a conflict."""
    suffixes = _LEGACY_SUFFIXES.get(asked.operation, ("",))
    found = [store.entry_by_key(conn, key + suffix) for suffix in suffixes]
    present = [entry for entry in found if entry is not None]
    if not present:
        return None
    first = present[0]
    stored = PostingRequest(
        operation="transfer" if first.kind == "transfer" else first.kind,
        account_ids=tuple(e.account_id for e in present),
        amount_minor=abs(first.amount.minor) if first.kind == "transfer" else first.amount.minor,
        currency=first.amount.currency, note=first.note,
        reference=None if first.kind == "transfer" else first.reference)
    if stored != asked or len(present) != len(found):
        raise refuse_reuse(key, stored, asked)
    return present
