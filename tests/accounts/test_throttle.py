"""The attempt throttle: a per-minute allowance, then growing delays; never a lock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from printwarden.core.clock import FixedClock
from printwarden.core.errors import TooManyAttempts
from printwarden.core.throttle import AttemptThrottle


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2025, 1, 1, tzinfo=UTC))


def test_the_allowance_is_free_and_the_next_attempt_waits(clock: FixedClock) -> None:
    throttle = AttemptThrottle(clock, per_minute=10)
    for _ in range(10):
        throttle.check(["k"])
        throttle.record_failure(["k"])
    with pytest.raises(TooManyAttempts) as caught:
        throttle.check(["k"])
    assert 1 <= caught.value.retry_after <= 60
    throttle.check(["other"])  # keys are counted apart
    clock.advance(timedelta(seconds=caught.value.retry_after))
    throttle.check(["k"])


def test_never_more_failures_in_a_rolling_minute_than_allowed(clock: FixedClock) -> None:
    throttle = AttemptThrottle(clock, per_minute=5)
    failures: list[datetime] = []
    for _ in range(400):  # one attempt a second for 400 s
        try:
            throttle.check(["k"])
        except TooManyAttempts:
            pass
        else:
            throttle.record_failure(["k"])
            failures.append(clock.now())
        clock.advance(timedelta(seconds=1))
    for i, when in enumerate(failures):
        assert sum(1 for t in failures[i:] if t < when + timedelta(seconds=60)) <= 5
    assert len(failures) < 5 * 400 / 60


def test_a_success_forgets_the_key(clock: FixedClock) -> None:
    throttle = AttemptThrottle(clock, per_minute=1)
    throttle.record_failure(["k"])
    with pytest.raises(TooManyAttempts):
        throttle.check(["k"])
    throttle.reset("k")
    throttle.check(["k"])


def test_the_memory_is_bounded(clock: FixedClock) -> None:
    throttle = AttemptThrottle(clock, per_minute=1, max_keys=3)
    for key in "abcd":
        throttle.record_failure([key])
        clock.advance(timedelta(seconds=1))
    throttle.check(["a"])  # the oldest key was forgotten
    with pytest.raises(TooManyAttempts):
        throttle.check(["d"])


def test_an_attempt_is_counted_as_it_is_allowed_and_forgiven_on_success(
        clock: FixedClock) -> None:
    throttle = AttemptThrottle(clock, per_minute=3)
    taken = [throttle.attempt(["k"]) for _ in range(3)]
    with pytest.raises(TooManyAttempts):
        throttle.attempt(["k"])  # refused attempts are not counted
    throttle.forgive(["k"], taken[0])  # the first one succeeded after all
    assert throttle.retry_after(["k"]) == 0
    throttle.attempt(["k"])
    assert throttle.retry_after(["k"]) >= 1


def test_parallel_attempts_never_share_a_free_slot(clock: FixedClock) -> None:
    import threading

    throttle = AttemptThrottle(clock, per_minute=7)
    start = threading.Barrier(50)
    allowed: list[int] = []

    def attempt() -> None:
        start.wait()
        try:
            throttle.attempt(["k", "other"])
            allowed.append(1)
        except TooManyAttempts:
            pass

    threads = [threading.Thread(target=attempt) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(allowed) == 7
