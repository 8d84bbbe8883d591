"""What the devices context needs from the ledger (a structural type: devices imports
none of the ledger)."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.engine import Connection


class PriceListCurrencies(Protocol):
    """The ledger's price lists as the devices context sees them: only their currency."""

    def price_list_currency_in(self, conn: Connection, price_list_id: str | None) -> str:
        """The currency ``price_list_id`` prices in (None: the default list's); an unknown
        id raises ``NotFoundError``."""
        ...
