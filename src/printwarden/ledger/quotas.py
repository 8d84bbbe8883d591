"""Quota schedules, pure: the schedule record and the period arithmetic (no I/O).

Periods are computed on UTC calendar dates. A period is identified by its start
date, so ``period_key`` maps every instant to exactly one key, the key of the period
that contains it, and the key only changes at a period boundary:

- ``daily``: every day;
- ``weekly``: weeks starting on ``weekday`` (0 = Monday);
- ``monthly``: months starting on ``day_of_month`` (clamped to the month's last day, so
  31 means "the last day" in short months);
- ``custom``: every ``every_days`` days from ``anchor`` (no period before the anchor).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from printwarden.core.errors import ValidationError
from printwarden.core.money import Money

TARGET_KINDS = ("account", "group_members", "all_users")
MODES = ("reset", "topup")
PERIODS = ("daily", "weekly", "monthly", "custom")


@dataclass(frozen=True)
class Period:
    kind: str
    weekday: int = 0
    day_of_month: int = 1
    every_days: int = 1
    anchor: date | None = None

    def __post_init__(self) -> None:
        if self.kind not in PERIODS:
            raise ValidationError(f"period must be one of {', '.join(PERIODS)}")
        if not 0 <= self.weekday <= 6:
            raise ValidationError("weekday must be 0 (Monday) to 6 (Sunday)")
        if not 1 <= self.day_of_month <= 31:
            raise ValidationError("day of month must be 1 to 31")
        if self.every_days < 1:
            raise ValidationError("a custom period needs every_days >= 1")
        if self.kind == "custom" and self.anchor is None:
            raise ValidationError("a custom period needs an anchor date")


def _monthly_start(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def period_start(period: Period, now: datetime) -> date | None:
    """The first day of the period containing ``now``; None before a custom anchor."""
    today = now.astimezone(UTC).date()
    if period.kind == "daily":
        return today
    if period.kind == "weekly":
        return today - timedelta(days=(today.weekday() - period.weekday) % 7)
    if period.kind == "monthly":
        start = _monthly_start(today.year, today.month, period.day_of_month)
        if start <= today:
            return start
        year, month = (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)
        return _monthly_start(year, month, period.day_of_month)
    assert period.anchor is not None
    if today < period.anchor:
        return None
    elapsed = (today - period.anchor).days
    return period.anchor + timedelta(days=elapsed - elapsed % period.every_days)


def period_key(period: Period, now: datetime) -> str | None:
    """The key of the latest period due at ``now`` (its start date), None if none yet."""
    start = period_start(period, now)
    return None if start is None else f"{period.kind}:{start.isoformat()}"


@dataclass(frozen=True)
class QuotaSchedule:
    id: str
    name: str
    target_kind: str
    target_id: str | None
    amount: Money
    mode: str
    period: Period
    cap: Money | None = None
    active: bool = True
    #: The remote site that runs this schedule's allocations (its own accounts' entries
    #: reach central through its outbox), None: central runs them. Exactly one runner per
    #: schedule, so no period is allocated twice.
    delegated_to: str | None = None

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValidationError("a quota schedule needs a name")
        if self.delegated_to is not None and not (
                0 < len(self.delegated_to) <= 100 and self.delegated_to.isprintable()
                and self.delegated_to.strip() == self.delegated_to):
            raise ValidationError("delegated_to names a remote: 1 to 100 printable "
                                  "characters")
        if self.target_kind not in TARGET_KINDS:
            raise ValidationError(f"target kind must be one of {', '.join(TARGET_KINDS)}")
        if self.target_kind != "all_users" and not self.target_id:
            raise ValidationError(f"target kind {self.target_kind!r} needs a target id")
        if self.mode not in MODES:
            raise ValidationError("mode must be 'reset' or 'topup'")
        if self.amount.minor < 0:
            raise ValidationError("a quota amount cannot be negative")
        if self.cap is not None and (self.mode != "topup" or self.cap.minor < 0):
            raise ValidationError("a cap applies to top-up schedules only and cannot be negative")


def allocation_amount(schedule: QuotaSchedule, balance_minor: int) -> int:
    """The allocation entry for an account at ``balance_minor``: reset to, or top up by."""
    if schedule.mode == "reset":
        return schedule.amount.minor - balance_minor
    amount = schedule.amount.minor
    if schedule.cap is not None:
        amount = min(amount, schedule.cap.minor - balance_minor)
    return max(amount, 0)


def allocation_key(schedule_id: str, period: str, account_id: str) -> str:
    return f"alloc:{schedule_id}:{period}:{account_id}"


@dataclass(frozen=True)
class AllocationRun:
    schedule_id: str
    period_key: str
    accounts: int
    total_minor: int


@dataclass(frozen=True)
class AllocationReport:
    applied: tuple[AllocationRun, ...] = ()
    already_done: int = 0

    def __str__(self) -> str:
        return (f"{len(self.applied)} schedule(s) allocated "
                f"({sum(r.accounts for r in self.applied)} account(s)), "
                f"{self.already_done} already done this period")
