"""The fast path of a user import: the new users of a chunk, inserted a table at a time.

A line goes this way when nothing in it can clash: its user does not exist, and its name,
card and ID number are each unused in the database and appear on no other line of the
chunk, and an ID number it needs still has room. Everything about those lines is then
known to succeed, so users, cards, memberships and audit lines are written with one
executemany each, not a statement apiece: 20,000 new users take seconds. Every other
line (an update, a duplicate, a card in use...) is applied one by one, in a savepoint of
its own (``csv_import.py``), where a clash fails that line alone.

The result is the same either way: the same rows, the same audit lines.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Connection

from printwarden.accounts import bulk_store, store
from printwarden.accounts.credentials import new_id_number
from printwarden.accounts.csv_rows import ImportLine, ImportOptions, LineOutcome
from printwarden.accounts.groups import CardsAndGroupsMixin
from printwarden.accounts.model import Group, card_hint, group_key, id_numbers_allowed
from printwarden.core.ids import new_id


@dataclass
class BulkChunk:
    """What the fast path wrote, and what it left to the one-by-one path."""

    outcomes: list[LineOutcome] = field(default_factory=list)
    left: list[ImportLine] = field(default_factory=list)
    users: list[dict[str, Any]] = field(default_factory=list)
    cards: list[dict[str, Any]] = field(default_factory=list)
    members: list[dict[str, Any]] = field(default_factory=list)
    audit: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    id_numbers_added: int = 0


def _once(values: Iterable[str | None]) -> set[str]:
    counts = Counter(value for value in values if value is not None)
    return {value for value, count in counts.items() if count == 1}


class CsvBulkMixin(CardsAndGroupsMixin):
    def _create_in_bulk(self, conn: Connection, lines: list[ImportLine],
                        options: ImportOptions, assigned: int | None) -> BulkChunk:
        """Insert the chunk's new users that cannot clash; ``assigned`` is the count of ID
        numbers out (None: this chunk assigns none, and no lock is held)."""
        chunk = BulkChunk()
        card_hashes = {line.line: self._keys.card(line.card) for line in lines if line.card}
        id_hashes = {line.line: self._keys.id_number(line.id_number)
                     for line in lines if line.id_number}
        existing = bulk_store.users_by_keys(conn, {line.key for line in lines})
        cards_taken = bulk_store.taken_card_hashes(conn, card_hashes.values())
        ids_taken = bulk_store.taken_id_number_hashes(conn, id_hashes.values())
        single_keys = _once(line.key for line in lines)
        single_cards = _once(card_hashes.values())
        single_ids = _once(id_hashes.values())
        fresh: list[ImportLine] = []
        for line in lines:
            user = existing.get(line.key)
            if user is not None and not options.update_existing:
                chunk.outcomes.append(LineOutcome(line.line, "skipped"))
                continue
            card, id_hash = card_hashes.get(line.line), id_hashes.get(line.line)
            needs_number = id_hash is not None or options.generate_id_numbers
            clear = (user is None and line.key in single_keys
                     and (card is None or (card in single_cards and card not in cards_taken))
                     and (id_hash is None or (id_hash in single_ids
                                              and id_hash not in ids_taken)))
            if clear and needs_number:
                length = len(line.id_number) if line.id_number else self.id_number_length
                clear = assigned is not None and (
                    assigned + chunk.id_numbers_added < id_numbers_allowed(length))
                chunk.id_numbers_added += int(clear)
            (fresh if clear else chunk.left).append(line)
        if fresh:
            self._write_fresh(conn, fresh, options, chunk, card_hashes, id_hashes)
        return chunk

    def _write_fresh(self, conn: Connection, lines: list[ImportLine], options: ImportOptions,
                     chunk: BulkChunk, card_hashes: dict[int, str],
                     id_hashes: dict[int, str]) -> None:
        groups = self._groups_for(conn, lines, options.actor)
        generated = self._fresh_numbers(conn, sum(
            1 for line in lines if line.id_number is None and options.generate_id_numbers),
            avoid=set(id_hashes.values()))
        now = self._clock.now()
        for line in lines:
            user_id = new_id()
            roles = line.roles or frozenset({"user"})
            id_hash = id_hashes.get(line.line)
            number = None
            if id_hash is None and options.generate_id_numbers:
                number, id_hash = generated.pop()
            chunk.users.append({
                "id": user_id, "username": line.username, "username_key": line.key,
                "full_name": line.profile.get("full_name", ""),
                "email": line.profile.get("email", ""),
                "department": line.profile.get("department", ""),
                "roles": store.roles_text(roles), "active": True, "created_at": now,
                "password_hash": None, "legacy_pin_hash": None,
                "pin_hash": self._keys.user_pin(user_id, line.pin) if line.pin else None,
                "id_number_hash": id_hash})
            chunk.audit.append(("user.create", user_id, {
                "username": line.username, "roles": sorted(roles), "active": True}))
            if line.card:
                card_id = new_id()
                chunk.cards.append({"id": card_id, "user_id": user_id,
                                    "number_hash": card_hashes[line.line],
                                    "last4": card_hint(line.card), "created_at": now})
                chunk.audit.append(("card.add", user_id, {"card_id": card_id,
                                                          "last4": card_hint(line.card)}))
            for key in dict.fromkeys(group_key(name) for name in line.groups):
                group_id = groups[key].id
                chunk.members.append({"group_id": group_id, "user_id": user_id})
                chunk.audit.append(("group.member.add", group_id, {"user_id": user_id}))
            if id_hash is not None:
                chunk.audit.append(("user.id_number", user_id,
                                    {"generated": line.id_number is None}))
            chunk.outcomes.append(LineOutcome(
                line.line, "created",
                generated=(line.username, number) if number is not None else None))
        bulk_store.insert_users(conn, chunk.users)
        bulk_store.insert_cards(conn, chunk.cards)
        bulk_store.insert_members(conn, chunk.members)
        self._audit.record_many_in(conn, options.actor, chunk.audit)

    def _groups_for(self, conn: Connection, lines: list[ImportLine],
                    actor: str) -> dict[str, Group]:
        """Every group the lines name, by key; missing ones are created (and audited)."""
        names: dict[str, str] = {}
        for line in lines:
            for name in line.groups:
                names.setdefault(group_key(name), name)  # the first spelling, as one by one
        found = bulk_store.groups_by_keys(conn, names) if names else {}
        for key, name in names.items():
            if key not in found:
                found[key] = self.create_group_in(conn, Group(
                    id=new_id(), name=name, description="", created_at=self._clock.now()),
                    actor=actor)
        return found

    def _fresh_numbers(self, conn: Connection, count: int,
                       avoid: set[str]) -> list[tuple[str, str]]:
        """``count`` random ``(ID number, digest)``, none in use nor in ``avoid`` (the
        chunk's chosen numbers); at the density allowed, one draw nearly always does."""
        drawn: dict[str, str] = {}
        while len(drawn) < count:
            batch: dict[str, str] = {}
            for _ in range(count - len(drawn)):
                number = new_id_number(self.id_number_length)
                batch[self._keys.id_number(number)] = number
            taken = bulk_store.taken_id_number_hashes(conn, batch) | avoid | set(drawn)
            drawn.update({digest: number for digest, number in batch.items()
                          if digest not in taken})
        return [(number, digest) for digest, number in drawn.items()]
