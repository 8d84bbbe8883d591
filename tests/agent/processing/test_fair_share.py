"""The analysis line: queues and users take turns, one user holds at most its share."""

from __future__ import annotations

import pytest

from printwarden.agent.processing.analysis_pool import pool_size, user_share
from printwarden.agent.processing.fair_share import FairShare


def test_a_user_with_many_documents_cannot_take_more_than_its_share() -> None:
    line: FairShare[str] = FairShare(per_user=1)
    for n in range(5):
        line.add("hall", "mallory", f"loop-{n}")
    line.add("hall", "alice", "memo")
    assert line.take() == ("hall", "mallory", "loop-0")
    assert line.take() == ("hall", "alice", "memo")  # mallory is at the limit
    assert line.take() is None  # only mallory waits, and she runs her share already
    line.finish("mallory")
    assert line.take() == ("hall", "mallory", "loop-1")
    assert len(line) == 3


def test_queues_take_turns_and_users_take_turns_within_a_queue() -> None:
    line: FairShare[str] = FairShare(per_user=10)
    for item in ("a1", "a2", "a3"):
        line.add("hall", "ann", item)
    line.add("hall", "bob", "b1")
    line.add("lab", "cid", "c1")
    order = [line.take() for _ in range(5)]
    assert [taken[2] for taken in order if taken] == ["a1", "c1", "b1", "a2", "a3"]


def test_the_pool_is_sized_from_the_cpus_and_shared_by_half() -> None:
    assert 2 <= pool_size() <= 8
    assert pool_size(3) == 3
    assert user_share(2) == 1 and user_share(8) == 4 and user_share(1) == 1
    assert user_share(8, 2) == 2
    with pytest.raises(ValueError):
        FairShare(per_user=0)
