"""Signing in at a device: card, card + PIN, username + PIN, ID number.

One method per way a person identifies himself at a printer; a terminal protocol, a kiosk
page or an agent calls them with the ``terminal`` it speaks for and the ``source`` address.
Each returns the active ``User`` or raises:

- ValidationError: the input cannot be a credential at all (a PIN of 3 digits or of
  Arabic-Indic digits, an ID number of 4 digits): the rule is public, nothing was looked
  up or counted;
- PinRequired: a card alone where the site wants a PIN with it (``card_alone_allowed``),
  before the card is looked up;
- TooManyAttempts: too many failures from this source, at this terminal or on this user's
  PIN ("try again in N s"), whether or not the credential is right;
- AuthenticationFailed("invalid credentials"): anything else, the same answer for an
  unknown card, name or number, a wrong PIN, a user without a PIN and an inactive user.

A PIN is checked against the user it goes with (``pin_hash``; a print code from before
migration 0008 in ``legacy_pin_hash`` is re-stored as a ``pin_hash`` on its first
successful use). Throttles and audit lines: ``sign_in_attempts.py``.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.engine import Connection

from printwarden.accounts import store
from printwarden.accounts.credentials import digests_match
from printwarden.accounts.model import (
    User,
    normalise_card,
    username_key,
    validate_id_number,
    validate_pin,
)
from printwarden.accounts.sign_in_attempts import (
    CARD_PREFIX,
    Gate,
    Place,
    SignInAttemptsMixin,
    typed_name,
)
from printwarden.core.errors import PinRequired

#: A user with his two PIN digests (one of them None, or both when he has no PIN).
WithPins = tuple[User, str | None, str | None]


class DeviceSignInMixin(SignInAttemptsMixin):
    def authenticate_card(self, card_number: str, *, terminal: str = "",
                          source: str = "") -> User:
        """The active owner of the card, where a card alone is enough."""
        if not self.card_alone_allowed:
            raise PinRequired()
        number_hash = self._keys.card(normalise_card(card_number))
        place = Place.of(source, terminal)
        gates = self._place_gates(place)
        taken = self._enter(gates)
        found = self._db.read(lambda conn: store.pins_by_card_hash(conn, number_hash))
        user = found[0] if found else None
        if user is None or not user.active:
            self._failed("card", gates, place, user_id=user.id if user else None,
                         card=number_hash[:CARD_PREFIX])
        self._succeeded(gates, taken)
        return user

    def authenticate_card_and_pin(self, card_number: str, pin: str, *, terminal: str = "",
                                  source: str = "") -> User:
        """The active owner of the card, whose PIN ``pin`` is."""
        number_hash = self._keys.card(normalise_card(card_number))
        code = validate_pin(pin)
        card = number_hash[:CARD_PREFIX]
        return self._with_pin(
            "card+pin", code, Place.of(source, terminal), f"card:{card}",
            lambda conn: store.pins_by_card_hash(conn, number_hash), card=card)

    def authenticate_username_and_pin(self, username: str, pin: str, *, terminal: str = "",
                                      source: str = "") -> User:
        """The active user named ``username`` (any case), whose PIN ``pin`` is."""
        name = username_key(username)[:256]
        code = validate_pin(pin)
        return self._with_pin(
            "username+pin", code, Place.of(source, terminal), f"name:{name}",
            lambda conn: store.pins_by_username_key(conn, name),
            username=typed_name(username))

    def authenticate_id_number(self, number: str, *, terminal: str = "",
                               source: str = "") -> User:
        """The active user whose ID number ``number`` is."""
        digest = self._keys.id_number(validate_id_number(number))
        place = Place.of(source, terminal)
        gates = self._place_gates(place)
        taken = self._enter(gates)
        user = self._db.read(lambda conn: store.load_user_by_id_number_hash(conn, digest))
        if user is None or not user.active:
            self._failed("id-number", gates, place, user_id=user.id if user else None)
        self._succeeded(gates, taken)
        return user

    def _with_pin(self, method: str, code: str, place: Place, unknown_key: str,
                  lookup: Callable[[Connection], WithPins | None], **who: str) -> User:
        gates: list[Gate] = self._place_gates(place)
        self._precheck(gates)
        found = self._db.read(lookup)
        user, pin_hash, legacy = found if found else (None, None, None)
        gates.append(self._pin_gate(user.id if user else None, unknown_key))
        taken = self._enter(gates)
        if user is None:
            self._keys.user_pin("", code)  # the same work as for a known user
            self._failed(method, gates, place, user_id=None, **who)
        if not (self._pin_matches(user.id, code, pin_hash, legacy) and user.active):
            self._failed(method, gates, place, user_id=user.id, **who)
        self._succeeded(gates, taken)
        if pin_hash is None:
            self._store_legacy_pin_anew(user.id, code)
        return user

    def _pin_matches(self, user_id: str, code: str, pin_hash: str | None,
                     legacy: str | None) -> bool:
        if pin_hash is not None:
            return digests_match(pin_hash, self._keys.user_pin(user_id, code))
        return digests_match(legacy, self._keys.legacy_print_code(code))

    def _store_legacy_pin_anew(self, user_id: str, code: str) -> None:
        """A print code from before 0008 was just used as the PIN: store it bound to its
        user, as every PIN is now (unless the PIN changed meanwhile)."""
        new_hash = self._keys.user_pin(user_id, code)
        legacy = self._keys.legacy_print_code(code)

        def work(conn: Connection) -> None:
            if store.replace_legacy_pin(conn, user_id, legacy, new_hash):
                self._audit.record_in(conn, "system", "user.pin.rehash", user_id)

        self._db.write(work)
