"""Quota schedules: manage them, and run due allocations exactly once per period.

``run_due_allocations`` handles each schedule in its own transaction: it claims the
``(schedule, period)`` run row first (UNIQUE), so of two concurrent runners one applies
the allocation and the other fails on the claim and counts it as already done. After a
gap of several periods only the latest period is applied (catch-up once).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from printwarden.core.ids import new_id
from printwarden.core.money import Money
from printwarden.ledger import quota_store, store
from printwarden.ledger import reservation_store as rstore
from printwarden.ledger.quotas import (
    AllocationReport,
    AllocationRun,
    Period,
    QuotaSchedule,
    allocation_amount,
    allocation_key,
    period_key,
)
from printwarden.ledger.service_base import CENTRAL_SITE, LedgerBase

_UNSET: Any = object()


class QuotaOps(LedgerBase):
    def create_quota_schedule(
        self, name: str, *, target_kind: str, target_id: str | None = None, amount: Money,
        mode: str = "reset", period: str = "monthly", weekday: int = 0, day_of_month: int = 1,
        every_days: int = 1, anchor: date | None = None, cap: Money | None = None,
        active: bool = True, delegated_to: str | None = None, actor: str,
    ) -> QuotaSchedule:
        schedule = QuotaSchedule(
            id=new_id(), name=name.strip(), target_kind=target_kind, target_id=target_id,
            amount=self._money(amount), mode=mode, cap=cap and self._money(cap),
            period=Period(period, weekday, day_of_month, every_days, anchor), active=active,
            delegated_to=delegated_to)

        def work(conn: Connection) -> QuotaSchedule:
            self._check_target(conn, schedule)
            quota_store.insert(conn, schedule, self._clock.now())
            self._audit.record_in(conn, actor, "ledger.quota.create", schedule.id,
                                  **_audit_values(schedule))
            return schedule

        return self._db.write(work)

    def _check_target(self, conn: Connection, schedule: QuotaSchedule) -> None:
        if schedule.target_kind == "account" and schedule.target_id:
            store.load_account(conn, self._db, schedule.target_id, lock=False)

    def get_quota_schedule(self, schedule_id: str) -> QuotaSchedule:
        return self._db.read(lambda conn: quota_store.load(conn, schedule_id))

    def list_quota_schedules(self) -> list[QuotaSchedule]:
        return self._db.read(quota_store.load_all)

    def update_quota_schedule(
        self, schedule_id: str, *, name: str | None = None, amount: Money | None = None,
        mode: str | None = None, cap: Money | None = _UNSET, period: str | None = None,
        weekday: int | None = None, day_of_month: int | None = None,
        every_days: int | None = None, anchor: date | None = _UNSET,
        active: bool | None = None, delegated_to: str | None = _UNSET, actor: str,
    ) -> QuotaSchedule:
        """Change a schedule; ``cap=None`` / ``anchor=None`` / ``delegated_to=None`` clear
        them (a delegation taken back: central runs the next period)."""
        def work(conn: Connection) -> QuotaSchedule:
            current = quota_store.load(conn, schedule_id)
            p = current.period
            new_period = Period(
                period if period is not None else p.kind,
                weekday if weekday is not None else p.weekday,
                day_of_month if day_of_month is not None else p.day_of_month,
                every_days if every_days is not None else p.every_days,
                p.anchor if anchor is _UNSET else anchor)
            changed = replace(
                current, name=name.strip() if name is not None else current.name,
                amount=self._money(amount) if amount is not None else current.amount,
                mode=mode or current.mode,
                cap=current.cap if cap is _UNSET else (cap and self._money(cap)),
                period=new_period, active=current.active if active is None else active,
                delegated_to=(current.delegated_to if delegated_to is _UNSET
                              else delegated_to))
            quota_store.update(conn, changed)
            self._audit.record_in(conn, actor, "ledger.quota.update", schedule_id,
                                  **_audit_values(changed))
            return changed

        return self._db.write(work)

    def deactivate_quota_schedule(self, schedule_id: str, *, actor: str) -> QuotaSchedule:
        return self.update_quota_schedule(schedule_id, active=False, actor=actor)

    def run_due_allocations(self, now: datetime | None = None) -> AllocationReport:
        """Apply the latest due period, not run yet, of every active schedule this site
        runs: at central those delegated to no remote, at a remote those delegated to it
        (``site``)."""
        at = now or self._clock.now()
        applied: list[AllocationRun] = []
        already = 0
        runner = None if self.site == CENTRAL_SITE else self.site
        for schedule in self._db.read(lambda conn: quota_store.load_runnable(conn, runner)):
            key = period_key(schedule.period, at)
            if key is None:
                continue
            try:
                run = self._db.write(self._applier(schedule, key, at))
            except IntegrityError:
                run = None  # another runner claimed this period first
            if run is None:
                already += 1
            else:
                applied.append(run)
        return AllocationReport(tuple(applied), already)

    def _applier(self, schedule: QuotaSchedule, key: str,
                 at: datetime) -> Callable[[Connection], AllocationRun | None]:
        return lambda conn: self._apply(conn, schedule, key, at)

    def _apply(self, conn: Connection, schedule: QuotaSchedule, key: str,
               at: datetime) -> AllocationRun | None:
        if quota_store.run_exists(conn, schedule.id, key):
            return None
        run_id = quota_store.claim_run(conn, schedule.id, key, at)
        total = count = 0
        for account in self._targets(conn, schedule).values():
            amount = allocation_amount(schedule, account.balance_minor)
            entry_key = allocation_key(schedule.id, key, account.id)
            if amount == 0 or store.entry_by_key(conn, entry_key) is not None:
                continue
            self._post_in(conn, account, amount, "allocation", key=entry_key,
                          actor="scheduler", now=self._clock.now(), reference=schedule.id,
                          note=f"{schedule.name} ({key})")
            total += amount
            count += 1
        quota_store.finish_run(conn, run_id, count, total)
        return AllocationRun(schedule.id, key, count, total)

    def _targets(self, conn: Connection, schedule: QuotaSchedule) -> dict[str, Any]:
        if schedule.target_kind == "account":
            ids = [schedule.target_id] if schedule.target_id else []
        else:
            group = schedule.target_id if schedule.target_kind == "group_members" else None
            ids = [self._owned_in(conn, "personal", "Personal quota", user_id=user_id).id
                   for user_id in rstore.active_user_ids(conn, group)]
        locked = store.load_accounts(conn, self._db, ids, lock=True)
        return {i: a for i, a in locked.items()
                if a.active and a.currency == schedule.amount.currency}


def _audit_values(schedule: QuotaSchedule) -> dict[str, Any]:
    values = quota_store.values_of(schedule)
    values["anchor"] = None if values["anchor"] is None else values["anchor"].isoformat()
    return values
