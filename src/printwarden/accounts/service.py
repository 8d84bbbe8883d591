"""``AccountsService``: the use cases of the accounts context, in one object.

It is assembled from small parts, each in its own module:

    AccountsBase          base.py            db, clock, audit log, HMAC keys, throttles
     +-- UsersMixin       users.py           users, passwords, print codes
     |    +-- CardsAndGroupsMixin  groups.py cards, groups, memberships
     |         +-- CsvImportMixin  csv_import.py
     +-- AuthenticationMixin  authentication.py  password/PIN/card login, API tokens, principals

Mutating methods take ``actor`` and write an audit line in the same transaction.
Methods ending in ``_in`` run inside a caller's transaction (``conn``).
"""

from __future__ import annotations

from printwarden.accounts.authentication import AuthenticationMixin
from printwarden.accounts.csv_import import CsvImportMixin


class AccountsService(CsvImportMixin, AuthenticationMixin):
    """Users, groups, cards, print codes, passwords, roles and API tokens.

    Constructed as ``AccountsService(db, clock, audit, card_hmac_key, login_per_minute=..,
    source_per_minute=..)``. The sign-in throttles live in this instance (per process).
    """


__all__ = ["AccountsService"]
