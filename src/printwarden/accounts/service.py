"""``AccountsService``: the use cases of the accounts context, in one object.

It is assembled from small parts, each in its own module:

    AccountsBase          service_base.py    db, clock, audit log, HMAC keys, throttles
     +-- UsersMixin       users.py           users, passwords
     |    +-- PinsAndIdNumbersMixin  pins_and_id_numbers.py  PINs, ID numbers
     |         +-- CardsAndGroupsMixin  groups.py  cards, groups, memberships
     |              +-- CsvImportMixin  csv_import.py
     +-- SignInAttemptsMixin  sign_in_attempts.py  throttle keys and audit of sign-ins
          +-- AuthenticationMixin  authentication.py  password login, API tokens, principals
          +-- DeviceSignInMixin    device_sign_in.py  card, card + PIN, username + PIN,
                                                      ID number

Mutating methods take ``actor`` and write an audit line in the same transaction.
Methods ending in ``_in`` run inside a caller's transaction (``conn``).
"""

from __future__ import annotations

from printwarden.accounts.authentication import AuthenticationMixin
from printwarden.accounts.csv_import import CsvImportMixin
from printwarden.accounts.device_sign_in import DeviceSignInMixin


class AccountsService(CsvImportMixin, AuthenticationMixin, DeviceSignInMixin):
    """Users, groups, cards, PINs, ID numbers, passwords, roles and API tokens.

    Constructed as ``AccountsService(db, clock, audit, card_hmac_key, login_per_minute=..,
    source_per_minute=.., pin_per_minute=.., terminal_per_minute=..,
    card_alone_allowed=.., id_number_length=..)``. The sign-in throttles live in this
    instance (per process).
    """


__all__ = ["AccountsService"]
