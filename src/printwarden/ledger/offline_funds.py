"""The ledger's port to its site's link with central: is the site cut off, and what has
it spent that central has not acknowledged yet.

Given by the composition root of a remote (``remote/bootstrap.py``); central has none
(central is never offline). The ledger asks ``is_offline`` each time it decides what an
account may give, and ``unsent_spending`` only while offline and only for accounts whose
policy needs it (``limit``), inside its own locking transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.engine import Connection

#: The sum (negative: spent) of this site's own entries on each account that central has
#: not acknowledged yet; an account with none may be left out.
UnsentSpending = Callable[[Connection, Sequence[str]], dict[str, int]]


@dataclass(frozen=True)
class OfflineFunds:
    is_offline: Callable[[], bool]
    unsent_spending: UnsentSpending
