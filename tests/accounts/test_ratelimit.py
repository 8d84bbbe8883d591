from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from printwarden.accounts.ratelimit import TOO_MANY_ATTEMPTS, FailureRateLimiter
from printwarden.core.clock import FixedClock
from printwarden.core.errors import AuthenticationFailed


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2025, 1, 1, tzinfo=UTC))


def test_ten_failures_are_tolerated_and_the_eleventh_blocks(clock: FixedClock) -> None:
    limiter = FailureRateLimiter(clock)
    for _ in range(10):
        limiter.record_failure("alice")
    limiter.check("alice")
    limiter.record_failure("alice")
    with pytest.raises(AuthenticationFailed, match=TOO_MANY_ATTEMPTS):
        limiter.check("alice")


def test_failures_older_than_the_window_are_forgotten(clock: FixedClock) -> None:
    limiter = FailureRateLimiter(clock)
    for _ in range(11):
        limiter.record_failure("alice")
    assert limiter.is_blocked("alice")
    clock.advance(timedelta(seconds=61))
    assert not limiter.is_blocked("alice")


def test_keys_are_counted_separately(clock: FixedClock) -> None:
    limiter = FailureRateLimiter(clock)
    for _ in range(11):
        limiter.record_failure("alice")
    assert limiter.is_blocked("alice")
    assert not limiter.is_blocked("bob")


def test_reset_forgets_a_keys_failures(clock: FixedClock) -> None:
    limiter = FailureRateLimiter(clock, max_failures=1)
    limiter.record_failure("alice")
    limiter.record_failure("alice")
    limiter.reset("alice")
    assert not limiter.is_blocked("alice")


def test_the_number_of_remembered_keys_is_bounded(clock: FixedClock) -> None:
    limiter = FailureRateLimiter(clock, max_failures=0, max_keys=3)
    for name in ("a", "b", "c", "d"):
        clock.advance(timedelta(seconds=1))
        limiter.record_failure(name)
    assert not limiter.is_blocked("a")
    assert limiter.is_blocked("d")
