"""Use cases on a user's PIN and ID number.

- A **PIN** (4-8 ASCII digits) goes with a card or the username; it need not be unique and
  is stored as HMAC(key, "pin:USER_ID:PIN"), so equal PINs of two users look unrelated.
- An **ID number** identifies its user alone, so it is unique and sparse: the server
  generates it (``id_number_length`` random digits) and never lets more than
  ``id_numbers_allowed(length)`` numbers be assigned, fewer than 1 in ID_NUMBER_DENSITY
  of the space; past that it refuses and tells the admin to raise the length. An admin
  may set one explicitly under the same rules (length, ASCII digits, unique, room).
  Stored as HMAC(key, "id:NUMBER"); the plain number is returned once, to be shown once.

Assignments are serialised (an advisory lock on PostgreSQL; SQLite write transactions
are exclusive), so concurrent ones can never together pass the room check.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from printwarden.accounts import store
from printwarden.accounts.credentials import new_id_number
from printwarden.accounts.model import check_id_number_room, validate_id_number, validate_pin
from printwarden.accounts.users import UsersMixin
from printwarden.core.errors import ConflictError

ID_NUMBER_TAKEN = "this ID number is already in use; choose another or generate one"
#: Tries to draw a free number; at a density below 1/10,000 the first one nearly always is.
_DRAWS = 20


class PinsAndIdNumbersMixin(UsersMixin):
    # --- PIN ------------------------------------------------------------------------------
    def set_pin(self, user_id: str, pin: str | None, *, actor: str) -> None:
        """Set the user's PIN, or clear it with ``None``/``""``."""
        code = validate_pin(pin) if pin else None
        self._db.write(lambda conn: self.set_pin_in(conn, user_id, code, actor=actor))

    def set_pin_in(self, conn: Connection, user_id: str, pin: str | None, *,
                   actor: str) -> None:
        """Set a validated ``pin`` (or clear it) inside the caller's transaction."""
        self.user_in(conn, user_id)
        pin_hash = self._keys.user_pin(user_id, pin) if pin else None
        store.update_user_row(conn, user_id, pin_hash=pin_hash, legacy_pin_hash=None)
        self._audit.record_in(conn, actor, "user.pin", user_id, cleared=pin_hash is None)

    # --- ID number ------------------------------------------------------------------------
    def generate_id_number(self, user_id: str, *, actor: str) -> str:
        """Give the user a new random ID number (replacing his old one); the plain number."""
        return self._write_unique(
            lambda conn: self.generate_id_number_in(conn, user_id, actor=actor),
            ID_NUMBER_TAKEN)

    def generate_id_number_in(self, conn: Connection, user_id: str, *, actor: str,
                              assigned: int | None = None) -> str:
        """``generate_id_number`` inside the caller's transaction. A caller that already
        holds ``store.lock_id_numbers`` and keeps the count of other users' numbers passes
        it as ``assigned`` (a bulk import), saving the lock and a count per user."""
        self.user_in(conn, user_id)
        if assigned is None:
            store.lock_id_numbers(conn)
            assigned = store.count_id_numbers(conn, excluding=user_id)
        check_id_number_room(assigned, self.id_number_length)
        number, digest = self._draw_id_number(conn)
        store.update_user_row(conn, user_id, id_number_hash=digest)
        self._audit.record_in(conn, actor, "user.id_number", user_id, generated=True)
        return number

    def _draw_id_number(self, conn: Connection) -> tuple[str, str]:
        for _ in range(_DRAWS):
            number = new_id_number(self.id_number_length)
            digest = self._keys.id_number(number)
            if store.id_number_owner(conn, digest) is None:
                return number, digest
        raise ConflictError("no free ID number was found; raise the setting "
                            "id_number_length")

    def set_id_number(self, user_id: str, number: str, *, actor: str) -> None:
        """Give the user the ID number an admin chose (same rules as a generated one)."""
        code = validate_id_number(number, min_length=self.id_number_length)
        self._write_unique(lambda conn: self.set_id_number_in(conn, user_id, code,
                                                              actor=actor), ID_NUMBER_TAKEN)

    def set_id_number_in(self, conn: Connection, user_id: str, code: str, *, actor: str,
                         assigned: int | None = None) -> None:
        """Set the validated ``code`` inside the caller's transaction (``assigned``: as for
        ``generate_id_number_in``)."""
        self.user_in(conn, user_id)
        if assigned is None:
            store.lock_id_numbers(conn)
            assigned = store.count_id_numbers(conn, excluding=user_id)
        digest = self._keys.id_number(code)
        owner = store.id_number_owner(conn, digest)
        if owner == user_id:
            return
        if owner is not None:
            raise ConflictError(ID_NUMBER_TAKEN)
        check_id_number_room(assigned, len(code))
        store.update_user_row(conn, user_id, id_number_hash=digest)
        self._audit.record_in(conn, actor, "user.id_number", user_id, generated=False)

    def clear_id_number(self, user_id: str, *, actor: str) -> None:
        def work(conn: Connection) -> None:
            self.user_in(conn, user_id)
            store.update_user_row(conn, user_id, id_number_hash=None)
            self._audit.record_in(conn, actor, "user.id_number", user_id, cleared=True)

        self._db.write(work)
