"""What the jobs context needs from the accounts and ledger contexts (structural types)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from printwarden.core.money import Money
from printwarden.ledger.model import CostBreakdown, JobSpec


class UserView(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def username(self) -> str: ...
    @property
    def active(self) -> bool: ...


class GroupView(Protocol):
    @property
    def id(self) -> str: ...


class Directory(Protocol):
    """The accounts service as seen from jobs."""

    def find_user_by_username(self, username: str) -> UserView | None: ...
    def groups_of(self, user_id: str) -> Sequence[GroupView]: ...


class ReservationPartView(Protocol):
    @property
    def account_id(self) -> str: ...
    @property
    def amount(self) -> Money: ...


class ReservationView(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def parts(self) -> Sequence[ReservationPartView]: ...


class SettlementView(Protocol):
    @property
    def charged(self) -> Money: ...


class Ledger(Protocol):
    """The ledger service as seen from jobs: price, reserve, settle or release."""

    def cost(self, price_list_id: str | None, spec: JobSpec) -> CostBreakdown: ...

    def reserve(self, *, job_id: str, user_id: str, amount: Money, idempotency_key: str,
                group_ids: Sequence[str] = (), shared_account_id: str | None = None,
                actor: str) -> ReservationView: ...

    def settle(self, reservation_id: str, actual: Money, *, idempotency_key: str,
               actor: str) -> SettlementView: ...

    def release(self, reservation_id: str, *, idempotency_key: str, actor: str) -> object: ...
