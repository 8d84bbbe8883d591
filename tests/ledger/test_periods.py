"""Quota periods: exactly one key per period, changing only at period boundaries."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from printwarden.core.errors import ValidationError
from printwarden.core.money import Money
from printwarden.ledger.quotas import (
    Period,
    QuotaSchedule,
    allocation_amount,
    period_key,
    period_start,
)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_daily_periods_are_calendar_days_in_utc() -> None:
    assert period_key(Period("daily"), at("2026-03-02T23:59:59")) == "daily:2026-03-02"
    assert period_key(Period("daily"), at("2026-03-03T00:00:00")) == "daily:2026-03-03"


def test_weekly_periods_start_on_the_chosen_weekday() -> None:
    wednesday = Period("weekly", weekday=2)
    assert period_key(wednesday, at("2026-03-03T12:00")) == "weekly:2026-02-25"
    assert period_key(wednesday, at("2026-03-04T00:00")) == "weekly:2026-03-04"


def test_monthly_periods_clamp_the_day_to_short_months() -> None:
    last_day = Period("monthly", day_of_month=31)
    assert period_start(last_day, at("2026-02-28T08:00")) == date(2026, 2, 28)
    assert period_start(last_day, at("2026-02-27T08:00")) == date(2026, 1, 31)
    assert period_start(Period("monthly", day_of_month=15), at("2026-01-10T00:00")) \
        == date(2025, 12, 15)


def test_custom_periods_count_from_the_anchor_and_not_before_it() -> None:
    every_ten = Period("custom", every_days=10, anchor=date(2026, 1, 1))
    assert period_key(every_ten, at("2025-12-31T23:00")) is None
    assert period_start(every_ten, at("2026-01-10T23:00")) == date(2026, 1, 1)
    assert period_start(every_ten, at("2026-01-11T00:00")) == date(2026, 1, 11)


def test_a_custom_period_without_an_anchor_is_rejected() -> None:
    with pytest.raises(ValidationError):
        Period("custom", every_days=3)


periods = st.one_of(
    st.just(Period("daily")),
    st.builds(Period, kind=st.just("weekly"), weekday=st.integers(0, 6)),
    st.builds(Period, kind=st.just("monthly"), day_of_month=st.integers(1, 31)),
    st.builds(Period, kind=st.just("custom"), every_days=st.integers(1, 60),
              anchor=st.dates(date(2020, 1, 1), date(2030, 1, 1))),
)
instants = st.datetimes(datetime(2021, 1, 1), datetime(2031, 1, 1), timezones=st.just(UTC))


@given(periods, instants)
def test_every_instant_lies_in_the_period_its_key_names(period: Period, now: datetime) -> None:
    start = period_start(period, now)
    if start is None:
        assert period.anchor is not None and now.date() < period.anchor
        return
    assert start <= now.date()
    # the next period starts after today: the day after "now" either keeps the key or
    # starts a new period exactly on that day
    tomorrow = now + timedelta(days=1)
    next_start = period_start(period, tomorrow)
    assert next_start is not None
    assert next_start == start or next_start == tomorrow.date()


@given(periods, instants, st.integers(min_value=0, max_value=400 * 24))
def test_keys_never_go_back_and_repeat_only_within_one_period(period: Period, now: datetime,
                                                              hours: int) -> None:
    later = now + timedelta(hours=hours)
    first, second = period_start(period, now), period_start(period, later)
    if first is None:
        return
    assert second is not None and second >= first
    if second == first:  # same key: no period boundary in between
        assert all(period_start(period, now + timedelta(days=d)) == first
                   for d in range((later.date() - now.date()).days + 1))


def schedule(mode: str, amount: int, cap: int | None = None) -> QuotaSchedule:
    return QuotaSchedule("s", "Quota", "all_users", None, Money(amount), mode, Period("daily"),
                         cap=None if cap is None else Money(cap))


def test_reset_sets_the_balance_and_topup_adds_up_to_the_cap() -> None:
    assert allocation_amount(schedule("reset", 500), 120) == 380
    assert allocation_amount(schedule("reset", 500), 900) == -400
    assert allocation_amount(schedule("topup", 500), 900) == 500
    assert allocation_amount(schedule("topup", 500, cap=1000), 900) == 100
    assert allocation_amount(schedule("topup", 500, cap=1000), 1200) == 0
