"""What the jobs context needs from the accounts, ledger and devices contexts (structural
types: jobs imports none of their services)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.engine import Connection

from printwarden.core.money import Money
from printwarden.jobs.model import Job
from printwarden.jobs.question_model import Question
from printwarden.ledger.model import CostBreakdown, JobSpec, PriceList
from printwarden.policy.evaluation import CompiledRules


class UserView(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def username(self) -> str: ...
    @property
    def active(self) -> bool: ...
    @property
    def roles(self) -> frozenset[str]: ...


class GroupView(Protocol):
    @property
    def id(self) -> str: ...


class Directory(Protocol):
    """The accounts service as seen from jobs."""

    def find_user_by_username(self, username: str) -> UserView | None: ...
    def groups_of(self, user_id: str) -> Sequence[GroupView]: ...
    def find_user_by_username_in(self, conn: Connection,
                                 username: str) -> UserView | None: ...
    def group_ids_of_in(self, conn: Connection, user_id: str) -> Sequence[str]: ...
    def group_refs_of_in(self, conn: Connection,
                         user_id: str) -> Sequence[tuple[str, str]]: ...


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
    """The ledger service as seen from jobs: price, reserve, settle or release.

    The ``*_in`` variants run inside the caller's write transaction, so a whole
    authorize (or complete) is one transaction: one BEGIN IMMEDIATE and one fsync on
    SQLite, and the job row can never disagree with the money.
    """

    def cost(self, price_list_id: str | None, spec: JobSpec) -> CostBreakdown: ...

    def reserve(self, *, job_id: str, user_id: str, amount: Money, idempotency_key: str,
                group_ids: Sequence[str] = (), shared_account_id: str | None = None,
                actor: str) -> ReservationView: ...

    def settle(self, reservation_id: str, actual: Money, *, idempotency_key: str,
               actor: str) -> SettlementView: ...

    def release(self, reservation_id: str, *, idempotency_key: str, actor: str) -> object: ...

    def cost_in(self, conn: Connection, price_list_id: str | None, spec: JobSpec) -> CostBreakdown:
        ...

    def pricer_in(self, conn: Connection,
                  price_list_id: str | None) -> Callable[[JobSpec], CostBreakdown]:
        """``cost_in`` with the list read once, for pricing many jobs with it."""
        ...

    def reserve_in(self, conn: Connection, *, job_id: str, user_id: str, amount: Money,
                   idempotency_key: str, group_ids: Sequence[str] = (),
                   shared_account_id: str | None = None, actor: str,
                   resume: bool = False, only_shared: bool = False) -> ReservationView: ...

    def settle_in(self, conn: Connection, reservation_id: str, actual: Money, *,
                  idempotency_key: str, actor: str) -> SettlementView: ...

    def release_in(self, conn: Connection, reservation_id: str, *, idempotency_key: str,
                   actor: str) -> object: ...

    @property
    def currency(self) -> str: ...

    def price_list_in(self, conn: Connection, price_list_id: str | None) -> PriceList | None:
        """The list ``price_list_id`` prices with (else the default); None: free."""
        ...

    def charge_printed_in(self, conn: Connection, *, job_id: str, user_id: str,
                          amount: Money, idempotency_key: str, group_ids: Sequence[str] = (),
                          actor: str) -> OfflineChargeView:
        """Charge a job that printed without a reservation, past the limit if need be."""
        ...


class OfflineChargeView(Protocol):
    @property
    def charged(self) -> Money: ...
    @property
    def past_limit(self) -> bool: ...


class QueueView(Protocol):
    """A queue as authorize and complete see it (``id`` is a job's ``printer_id``)."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def agent_id(self) -> str | None: ...
    @property
    def enabled(self) -> bool: ...
    @property
    def hold_for_release(self) -> bool: ...
    @property
    def job_lifetime_seconds(self) -> int: ...
    @property
    def device_id(self) -> str | None: ...
    @property
    def release_group_id(self) -> str | None: ...
    @property
    def offline_charging(self) -> str: ...


class PriceTargetView(Protocol):
    """A device a queue's job may print at, and the price list it prices with."""

    @property
    def device_id(self) -> str: ...
    @property
    def device_name(self) -> str: ...
    @property
    def enabled(self) -> bool: ...
    @property
    def price_list_id(self) -> str | None: ...


class DeviceView(Protocol):
    """A device a held job was released to, as completion prices it."""

    @property
    def id(self) -> str: ...
    @property
    def agent_id(self) -> str | None: ...
    @property
    def color_capable(self) -> bool: ...
    @property
    def duplex_capable(self) -> bool: ...
    @property
    def price_list_id(self) -> str | None: ...
    @property
    def group_id(self) -> str | None: ...


class Devices(Protocol):
    """The devices service as seen from jobs: queues, their devices' prices, agent events."""

    def find_queue_by_name_in(self, conn: Connection, name: str) -> QueueView | None: ...

    def get_queue_in(self, conn: Connection, queue_id: str) -> QueueView: ...

    def price_targets_in(self, conn: Connection,
                         queue: QueueView) -> Sequence[PriceTargetView]:
        """The devices a job of ``queue`` may print at: a direct queue's device, every
        device of a release queue's group."""
        ...

    def device_in(self, conn: Connection, device_id: str) -> DeviceView: ...

    def price_list_for_device_in(self, conn: Connection, device: DeviceView) -> str | None: ...

    def append_event_in(self, conn: Connection, agent_id: str | None, kind: str,
                        payload: dict[str, Any]) -> object: ...

    def revoke_agent_in(self, conn: Connection, agent_id: str, *, actor: str) -> object:
        """Revoke the agent's token inside the caller's transaction."""
        ...


class RuleSet(Protocol):
    """The print rules as authorize evaluates them (``policy.service.RulesService``)."""

    def compiled_in(self, conn: Connection) -> CompiledRules: ...


class Asker(Protocol):
    """Where authorize records a rule's question (``jobs.questions.QuestionService``)."""

    def ask_in(self, conn: Connection, question: Question) -> None: ...


class Dispatcher(Protocol):
    """Sends a held job on to its device now (a rule redirected it, or its owner answered
    "print"): the release machinery, implemented in ``release``. Answers None when the
    job went, else why it stays held."""

    def dispatch_in(self, conn: Connection, job: Job, *, why: str,
                    transforms: Sequence[str]) -> str | None: ...


class Notifier(Protocol):
    """Tells people what happened (``notify.notifier.Notifier``): pop-up, e-mail,
    webhooks, queued in the caller's transaction."""

    def emit_in(self, conn: Connection, kind: str, *, user_id: str | None,
                data: Mapping[str, Any], once_key: str | None = None,
                at: datetime | None = None) -> str | None: ...
