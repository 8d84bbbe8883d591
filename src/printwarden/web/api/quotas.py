"""REST: quota schedules (periodic allocations) and running the due ones now."""

from __future__ import annotations

from datetime import date
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from printwarden.container import ServerContainer
from printwarden.core.errors import ValidationError
from printwarden.ledger.model import QuotaSchedule
from printwarden.ledger.quotas import AllocationReport
from printwarden.web.api.ledger_schemas import AMOUNT_PATTERN, MoneyOut, actor_of, parse_amount
from printwarden.web.deps import Container, StaffOnly

router = APIRouter(prefix="/api/v1/quota-schedules", tags=["quotas"])

TargetKind = Literal["account", "group_members", "all_users"]
PeriodKind = Literal["daily", "weekly", "monthly", "custom"]


class ScheduleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    target_kind: TargetKind
    target_id: str | None = Field(default=None, description="account or group id")
    amount: str = Field(pattern=AMOUNT_PATTERN, examples=["20.00"])
    mode: Literal["reset", "topup"] = "reset"
    cap: str | None = Field(default=None, pattern=AMOUNT_PATTERN,
                            description="top-up mode: never above this balance")
    period: PeriodKind = "monthly"
    weekday: int = Field(default=0, ge=0, le=6, description="weekly: 0 = Monday")
    day_of_month: int = Field(default=1, ge=1, le=31, description="monthly")
    every_days: int = Field(default=1, ge=1, le=3660, description="custom")
    anchor: date | None = Field(default=None, description="custom: first period start")
    active: bool = True
    delegated_to: str | None = Field(
        default=None, min_length=1, max_length=100,
        description="the remote site that runs this schedule's allocations (a remote "
                    "enrolled at central); null: central runs them")


class SchedulePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    amount: str | None = Field(default=None, pattern=AMOUNT_PATTERN)
    mode: Literal["reset", "topup"] | None = None
    cap: str | None = Field(default=None, pattern=AMOUNT_PATTERN)
    period: PeriodKind | None = None
    weekday: int | None = Field(default=None, ge=0, le=6)
    day_of_month: int | None = Field(default=None, ge=1, le=31)
    every_days: int | None = Field(default=None, ge=1, le=3660)
    anchor: date | None = None
    active: bool | None = None
    delegated_to: str | None = Field(default=None, min_length=1, max_length=100,
                                     description="a remote's name; null: back to central")


class ScheduleOut(BaseModel):
    id: str
    name: str
    target_kind: str
    target_id: str | None
    amount: MoneyOut
    mode: str
    cap: MoneyOut | None
    period: str
    weekday: int
    day_of_month: int
    every_days: int
    anchor: date | None
    active: bool
    delegated_to: str | None

    @classmethod
    def of(cls, s: QuotaSchedule) -> ScheduleOut:
        p = s.period
        return cls(id=s.id, name=s.name, target_kind=s.target_kind, target_id=s.target_id,
                   amount=MoneyOut.of(s.amount), mode=s.mode,
                   cap=MoneyOut.of(s.cap) if s.cap else None, period=p.kind,
                   weekday=p.weekday, day_of_month=p.day_of_month, every_days=p.every_days,
                   anchor=p.anchor, active=s.active, delegated_to=s.delegated_to)


class RunOut(BaseModel):
    schedule_id: str
    period_key: str
    accounts: int
    total_minor: int


class ReportOut(BaseModel):
    applied: list[RunOut]
    already_done: int

    @classmethod
    def of(cls, report: AllocationReport) -> ReportOut:
        return cls(already_done=report.already_done, applied=[
            RunOut(schedule_id=r.schedule_id, period_key=r.period_key, accounts=r.accounts,
                   total_minor=r.total_minor) for r in report.applied])


@router.get("", response_model=list[ScheduleOut], summary="All quota schedules")
def list_schedules(container: Container, _staff: StaffOnly) -> list[ScheduleOut]:
    return [ScheduleOut.of(s) for s in container.ledger.list_quota_schedules()]


@router.post("", response_model=ScheduleOut, status_code=201,
             summary="Create a quota schedule (reset to, or top up by, an amount per period)")
def create_schedule(body: ScheduleIn, container: Container, staff: StaffOnly) -> ScheduleOut:
    currency = container.ledger.currency
    _check_remote(container, body.delegated_to)
    return ScheduleOut.of(container.ledger.create_quota_schedule(
        body.name, target_kind=body.target_kind, target_id=body.target_id,
        amount=parse_amount(body.amount, currency),
        cap=parse_amount(body.cap, currency, "cap") if body.cap else None, mode=body.mode,
        period=body.period, weekday=body.weekday, day_of_month=body.day_of_month,
        every_days=body.every_days, anchor=body.anchor, active=body.active,
        delegated_to=body.delegated_to, actor=actor_of(staff)))


def _check_remote(container: ServerContainer, name: str | None) -> None:
    """A delegation names a remote known here (central's registry): a typo would leave
    the schedule run by no one."""
    if name is not None and name not in {
            status.remote.name for status in container.remotes.list(head=0)}:
        raise ValidationError(f"no remote named {name!r}: see 'printwarden admin remotes "
                              "list'")


@router.post("/run", response_model=ReportOut,
             summary="Run the due allocations now (each period applies once)")
def run_due(container: Container, _staff: StaffOnly) -> ReportOut:
    return ReportOut.of(container.ledger.run_due_allocations())


@router.get("/{schedule_id}", response_model=ScheduleOut, summary="One quota schedule")
def get_schedule(schedule_id: str, container: Container, _staff: StaffOnly) -> ScheduleOut:
    return ScheduleOut.of(container.ledger.get_quota_schedule(schedule_id))


@router.patch("/{schedule_id}", response_model=ScheduleOut,
              summary="Change a schedule (fields given only)")
def update_schedule(schedule_id: str, body: SchedulePatch, container: Container,
                    staff: StaffOnly) -> ScheduleOut:
    currency = container.ledger.currency
    changes = body.model_dump(exclude_unset=True)
    if "amount" in changes:
        if body.amount is None:
            del changes["amount"]
        else:
            changes["amount"] = parse_amount(body.amount, currency)
    if "cap" in changes:
        changes["cap"] = parse_amount(body.cap, currency, "cap") if body.cap else None
    if "delegated_to" in changes:
        _check_remote(container, body.delegated_to)
    return ScheduleOut.of(container.ledger.update_quota_schedule(
        schedule_id, actor=actor_of(staff), **changes))
