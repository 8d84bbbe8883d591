"""``send_with_retry`` with a scripted forwarder (the real peers are in the backend tests)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from printwarden.agent.forwarding import (
    ForwardJob,
    ForwardResult,
    RetryPolicy,
    ScriptedForwarder,
    send_with_retry,
)

JOB = ForwardJob("01JOB", "t", "u", Path("doc.pdf"), "application/pdf")
BUSY = ForwardResult(False, None, 0, "busy", retryable=True)
BAD = ForwardResult(False, None, 0, "bad document", retryable=False)
OK = ForwardResult(True, 1, 1, "done", "7")


def _run(forwarder: ScriptedForwarder, policy: RetryPolicy, reasons: list[str] | None = None,
         ) -> tuple[ForwardResult, list[float]]:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    result = asyncio.run(send_with_retry(
        forwarder, JOB, policy, sleep=sleep,
        on_status=None if reasons is None else reasons.append))
    return result, waits


def test_retryable_failures_back_off_exponentially_until_success() -> None:
    reasons: list[str] = []
    policy = RetryPolicy(max_attempts=5, initial_delay=1, multiplier=2, jitter=0)
    result, waits = _run(ScriptedForwarder(BUSY, BUSY, BUSY, OK), policy, reasons)

    assert result == OK
    assert waits == [1, 2, 4]
    assert reasons == ["offline-report"] * 3


def test_the_backends_own_reason_is_passed_on_instead_of_a_generic_one() -> None:
    reasons: list[str] = []
    _run(ScriptedForwarder(BUSY, OK, reason="media-jam-error"), RetryPolicy(jitter=0), reasons)

    assert reasons == ["media-jam-error", "media-jam-error"]


def test_a_permanent_failure_is_not_retried() -> None:
    forwarder = ScriptedForwarder(BAD, OK)
    result, waits = _run(forwarder, RetryPolicy())

    assert result == BAD and forwarder.calls == 1 and waits == []


def test_it_gives_up_after_max_attempts_with_the_last_detail() -> None:
    result, waits = _run(ScriptedForwarder(BUSY, BUSY, BUSY), RetryPolicy(max_attempts=3, jitter=0))

    assert not result.ok and result.retryable
    assert result.detail == "busy (gave up after 3 attempts)"
    assert len(waits) == 2


def test_it_gives_up_when_the_next_wait_would_pass_max_elapsed() -> None:
    policy = RetryPolicy(max_attempts=10, initial_delay=10, max_elapsed=25, jitter=0)
    forwarder = ScriptedForwarder(BUSY, BUSY, BUSY, OK)
    result, waits = _run(forwarder, policy)

    assert not result.ok and "gave up after 2 attempts" in result.detail
    assert forwarder.calls == 2 and waits == [10]


def test_delays_are_capped_and_jitter_stays_in_its_band() -> None:
    low = RetryPolicy(initial_delay=10, max_delay=60, jitter=0.5, random=lambda: 0.0)
    high = RetryPolicy(initial_delay=10, max_delay=60, jitter=0.5, random=lambda: 1.0)

    assert [low.delay(n) for n in (1, 2, 3, 4, 5)] == [5, 10, 20, 30, 30]
    assert high.delay(5) == 90
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
