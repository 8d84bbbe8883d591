"""Use cases on cards and groups: a user's cards, groups and their members."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from printwarden.accounts import group_store, store
from printwarden.accounts.model import (
    Card,
    Group,
    User,
    card_hint,
    normalise_card,
    validate_group_name,
)
from printwarden.accounts.pins_and_id_numbers import PinsAndIdNumbersMixin
from printwarden.core.errors import ConflictError, NotFoundError
from printwarden.core.ids import new_id

_CARD_TAKEN = "this card is already registered"


class CardsAndGroupsMixin(PinsAndIdNumbersMixin):
    # --- cards ----------------------------------------------------------------------------
    def add_card(self, user_id: str, card_number: str, *, actor: str) -> Card:
        number = normalise_card(card_number)
        return self._write_unique(
            lambda conn: self.add_card_in(conn, user_id, number, actor=actor), _CARD_TAKEN)

    def add_card_in(self, conn: Connection, user_id: str, number: str, *, actor: str) -> Card:
        """Register the normalised card ``number`` for ``user_id`` in the caller's transaction."""
        self.user_in(conn, user_id)
        number_hash = self._keys.card(number)
        existing = store.card_id_by_hash(conn, number_hash)
        if existing is not None:
            owner = "this user" if existing[1] == user_id else "another user"
            raise ConflictError(f"this card is already registered to {owner}")
        card = Card(id=new_id(), user_id=user_id, last4=card_hint(number),
                    created_at=self._clock.now())
        store.insert_card(conn, card, number_hash)
        self._audit.record_in(conn, actor, "card.add", user_id, card_id=card.id,
                              last4=card.last4)
        return card

    def remove_card(self, card_id: str, *, actor: str) -> None:
        def work(conn: Connection) -> None:
            card = store.load_card(conn, card_id)
            if card is None:
                raise NotFoundError(f"no card with id {card_id!r}")
            store.delete_card(conn, card_id)
            self._audit.record_in(conn, actor, "card.remove", card.user_id, card_id=card_id,
                                  last4=card.last4)

        self._db.write(work)

    def list_cards(self, user_id: str) -> list[Card]:
        def read(conn: Connection) -> list[Card]:
            self.user_in(conn, user_id)
            return store.cards_of(conn, user_id)

        return self._db.read(read)

    # --- groups ---------------------------------------------------------------------------
    def create_group(self, name: str, *, description: str = "", actor: str) -> Group:
        group = Group(id=new_id(), name=validate_group_name(name),
                      description=description.strip(), created_at=self._clock.now())
        return self._write_unique(lambda conn: self.create_group_in(conn, group, actor=actor),
                                  f"a group named {group.name!r} already exists")

    def create_group_in(self, conn: Connection, group: Group, *, actor: str) -> Group:
        if group_store.load_group_by_name(conn, group.name) is not None:
            raise ConflictError(f"a group named {group.name!r} already exists")
        group_store.insert_group(conn, group)
        self._audit.record_in(conn, actor, "group.create", group.id, name=group.name)
        return group

    def get_group(self, group_id: str) -> Group:
        return self._db.read(lambda conn: self.group_in(conn, group_id))

    def group_in(self, conn: Connection, group_id: str) -> Group:
        group = group_store.load_group(conn, group_id)
        if group is None:
            raise NotFoundError(f"no group with id {group_id!r}")
        return group

    def find_group_by_name(self, name: str) -> Group | None:
        return self._db.read(lambda conn: group_store.load_group_by_name(conn, name))

    def list_groups(self) -> list[Group]:
        return self._db.read(group_store.all_groups)

    def add_member(self, group_id: str, user_id: str, *, actor: str) -> None:
        """Add ``user_id`` to the group; adding a member twice changes nothing."""
        self._write_unique(lambda conn: self.add_member_in(conn, group_id, user_id, actor=actor),
                           "this user is already a member")

    def add_member_in(self, conn: Connection, group_id: str, user_id: str, *,
                      actor: str) -> None:
        self.group_in(conn, group_id)
        self.user_in(conn, user_id)
        if group_store.is_member(conn, group_id, user_id):
            return
        group_store.insert_member(conn, group_id, user_id)
        self._audit.record_in(conn, actor, "group.member.add", group_id, user_id=user_id)

    def remove_member(self, group_id: str, user_id: str, *, actor: str) -> None:
        def work(conn: Connection) -> None:
            self.group_in(conn, group_id)
            if group_store.delete_member(conn, group_id, user_id) == 0:
                raise NotFoundError("this user is not a member of the group")
            self._audit.record_in(conn, actor, "group.member.remove", group_id,
                                  user_id=user_id)

        self._db.write(work)

    def groups_of(self, user_id: str) -> list[Group]:
        def read(conn: Connection) -> list[Group]:
            self.user_in(conn, user_id)
            return group_store.groups_of_user(conn, user_id)

        return self._db.read(read)

    def group_ids_of_in(self, conn: Connection, user_id: str) -> list[str]:
        """The ids of ``user_id``'s groups inside the caller's transaction (no user check)."""
        return group_store.group_ids_of_user(conn, user_id)

    def group_refs_of_in(self, conn: Connection, user_id: str) -> list[tuple[str, str]]:
        """(id, name) of ``user_id``'s groups inside the caller's transaction."""
        return group_store.group_refs_of_user(conn, user_id)

    def members(self, group_id: str) -> list[User]:
        def read(conn: Connection) -> list[User]:
            self.group_in(conn, group_id)
            return group_store.members_of_group(conn, group_id)

        return self._db.read(read)
