"""The money path of every copy session, terminal-reported or SNMP-counted.

One path, so both kinds of copy session keep the same promises:

- what a session may spend is what the user may spend (personal quota + prepaid credit;
  ``None``: no limit; at a remote cut off from central, within each account's offline
  credit policy), capped by the ``copy_session_max_minor`` setting; nothing left to
  spend refuses the session;
- copies price with the default ``copy`` price list (no list: copies are not offered);
- the session's allowance is reserved at open under ``copy-reserve:SESSION``, settled
  once at close under ``copy:SESSION`` (a repeat answers the first settlement), or
  released without a charge under ``copy-release:SESSION``. The caller holds the session
  row locked in the same transaction, so its state and the money never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Connection

from printwarden.core.errors import ConflictError
from printwarden.core.money import Money
from printwarden.core.pricing import PriceList
from printwarden.ledger.model import OFFLINE_MESSAGE, Account, Reservation, Settlement
from printwarden.ledger.service import LedgerService

__all__ = ["CopyAllowance", "NothingToSpend", "Spending", "copy_allowance",
           "release_copies_in", "reserve_copies_in", "settle_copies_in", "spending"]


class NothingToSpend(ConflictError):
    code = "insufficient_funds"


@dataclass(frozen=True)
class Spending:
    """What a user holds and may spend (``may_spend`` None: no limit)."""

    balance: Money
    may_spend: Money | None
    #: The site is cut off from central and an offline credit policy lowered ``may_spend``.
    offline: bool = False


@dataclass(frozen=True)
class CopyAllowance:
    """What a copy session about to open prices with and may spend."""

    price_list: PriceList
    limit: Money


def spending(ledger: LedgerService, user_id: str) -> Spending:
    """What the user may spend on copies here now (offline: within each account's offline
    credit policy, the same ``can_give`` that reserving applies)."""
    return _spending(ledger.spending_accounts(user_id))


def _spending(payers: list[Account]) -> Spending:
    gives = [account.can_give() for account in payers]
    balance = payers[0].balance + payers[1].balance
    if any(give is None for give in gives):
        return Spending(balance, None, offline=False)
    return Spending(balance, Money(sum(g or 0 for g in gives), balance.currency),
                    offline=any(account.offline_capped for account in payers))


def copy_allowance(ledger: LedgerService, user_id: str, cap_minor: int) -> CopyAllowance:
    price_list = ledger.default_price_list("copy")
    if price_list is None:
        raise ConflictError("no copy price list is set up: copies are not available")
    can = spending(ledger, user_id)
    may = can.may_spend
    limit = min(cap_minor, may.minor) if may is not None else cap_minor
    if limit <= 0:
        raise NothingToSpend(f"{OFFLINE_MESSAGE}: no copies" if can.offline
                             else "nothing left to spend on copies: top up first")
    return CopyAllowance(price_list, Money(limit, ledger.currency))


def reserve_copies_in(conn: Connection, ledger: LedgerService, session_id: str,
                      user_id: str, allowance: CopyAllowance, *, actor: str) -> Reservation:
    return ledger.reserve_in(conn, job_id=session_id, user_id=user_id,
                             amount=allowance.limit,
                             idempotency_key=f"copy-reserve:{session_id}", actor=actor)


def settle_copies_in(conn: Connection, ledger: LedgerService, session_id: str,
                     reservation_id: str, cost: Money, *, actor: str) -> Settlement:
    return ledger.settle_in(conn, reservation_id, cost, idempotency_key=f"copy:{session_id}",
                            actor=actor)


def release_copies_in(conn: Connection, ledger: LedgerService, session_id: str,
                      reservation_id: str, *, actor: str) -> Reservation:
    return ledger.release_in(conn, reservation_id,
                             idempotency_key=f"copy-release:{session_id}", actor=actor)
