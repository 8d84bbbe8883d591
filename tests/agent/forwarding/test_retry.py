"""``RetryPolicy``: the back-off between attempts to reach a device that does not answer."""

from __future__ import annotations

import pytest

from printwarden.agent.forwarding import RetryPolicy


def test_waits_double_from_the_first_delay_up_to_the_cap() -> None:
    policy = RetryPolicy(initial_delay=2, max_delay=30, multiplier=2, jitter=0)

    assert [policy.delay(n) for n in range(1, 7)] == [2, 4, 8, 16, 30, 30]


def test_delays_are_capped_and_jitter_stays_in_its_band() -> None:
    low = RetryPolicy(initial_delay=10, max_delay=60, jitter=0.5, random=lambda: 0.0)
    high = RetryPolicy(initial_delay=10, max_delay=60, jitter=0.5, random=lambda: 1.0)

    assert [low.delay(n) for n in (1, 2, 3, 4, 5)] == [5, 10, 20, 30, 30]
    assert high.delay(5) == 90


def test_a_policy_that_cannot_work_is_refused() -> None:
    with pytest.raises(ValueError, match="initial_delay <= max_delay"):
        RetryPolicy(initial_delay=60, max_delay=10)
    with pytest.raises(ValueError, match="jitter"):
        RetryPolicy(jitter=1.5)
