"""Cards at a device: what an unknown card is told, and its self-registration.

Shared by every place a card is read (terminals, kiosks), so a person hears the same
thing everywhere. Invariants:

- An unknown card and a known card with a wrong PIN get the same words ("(or the PIN is
  wrong)"): a reader cannot probe which cards exist by trying PINs.
- Self-registration (setting ``terminal_card_self_registration``, default off) binds the
  card to whoever proves who he is by username and password at that moment, through the
  same throttled, audited password check as any sign-in; the registration itself is
  audited ``card.self_register`` with the place. A card already someone's is refused by
  ``add_card`` (a conflict), never moved.
"""

from __future__ import annotations

from collections.abc import Callable

from printwarden.accounts.model import User
from printwarden.accounts.service import AccountsService
from printwarden.core.errors import AuthenticationFailed, PermissionDenied
from printwarden.db.audit import AuditLog

__all__ = ["UnknownCard", "by_card", "register_card", "unknown_card_message"]

_UNKNOWN_CARD = "this card is not known{pin}"
_SELF_REGISTER = ": sign in with your username and password to register it"
_ASK_ADMIN = ": ask your administrator to register it"


def unknown_card_message(*, with_pin: bool, self_registration: bool) -> str:
    """What a card nobody holds (or a wrong PIN with it) is told at the device."""
    hint = _SELF_REGISTER if self_registration else _ASK_ADMIN
    return _UNKNOWN_CARD.format(pin=" (or the PIN is wrong)" if with_pin else "") + hint


class UnknownCard(AuthenticationFailed):
    """A card nobody holds (or a wrong PIN with it): told in ``unknown_card_message``'s
    words; a page may offer self-registration."""


def by_card(authenticate: Callable[[], User], *, with_pin: bool,
            self_registration: bool) -> User:
    """``authenticate()`` (a card, or a card and PIN, sign-in); its plain failure becomes
    ``UnknownCard``; a PIN required or a throttle (subclasses) passes as it is."""
    try:
        return authenticate()
    except AuthenticationFailed as exc:
        if type(exc) is not AuthenticationFailed:
            raise
        raise UnknownCard(unknown_card_message(
            with_pin=with_pin, self_registration=self_registration)) from exc


def register_card(accounts: AccountsService, audit: AuditLog, *, allowed: bool, card: str,
                  username: str, password: str, terminal: str, source: str) -> User:
    """Register ``card`` to the person who signs in with ``username`` and ``password``
    at ``terminal`` (a throttling and audit key such as ``terminal:ID`` or ``kiosk:ID``)."""
    if not allowed:
        raise PermissionDenied("cards are registered by an administrator at this "
                               "site: ask yours to register this card")
    user = accounts.authenticate_password(username, password, terminal=terminal,
                                          source=source)
    accounts.add_card(user.id, card, actor=user.username)
    audit.record(user.username, "card.self_register", user.id, terminal=terminal)
    return user
