"""The reconciliation plan (pure): whatever a remote's pushes look like (resends after
lost answers, replays from an old backup, pushes that skip ahead), every entry is posted
exactly once, in site-sequence order, and the balance is the sum of what was posted."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from printwarden.ledger.model import Account
from printwarden.sync.reconcile_plan import (
    KEY_CONFLICT,
    UNKNOWN_ACCOUNT,
    Incoming,
    OutboxGap,
    plan,
)

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def _account(balance: int = 0, *, limited: bool = True) -> Account:
    return Account(id="A", kind="shared", name="a", currency="EUR", limited=limited,
                   overdraft_minor=0, balance_minor=balance, reserved_minor=0,
                   owner_user_id=None, group_id=None, active=True, created_at=NOW)


def _entry(seq: int, amount: int, account: str = "A") -> Incoming:
    return Incoming(seq=seq, idempotency_key=f"k{seq}", account_id=account,
                    amount_minor=amount, currency="EUR", kind="charge", job_id=None,
                    reference=None, created_at=NOW, actor="remote", note="")


@settings(max_examples=150, deadline=None)
@given(amounts=st.lists(st.integers(-500, 500), min_size=1, max_size=30),
       pushes=st.lists(st.tuples(st.integers(-5, 3), st.integers(1, 8)), max_size=25))
def test_any_push_schedule_posts_each_entry_once_in_order(
        amounts: list[int], pushes: list[tuple[int, int]]) -> None:
    outbox = [_entry(seq, amount) for seq, amount in enumerate(amounts, start=1)]
    acked, balance = 0, 1000
    known: dict[str, tuple[object, ...]] = {}
    posted: list[int] = []
    for offset, length in [*pushes, (1, len(outbox))]:  # a final full resend
        first = max(1, acked + offset)
        batch = outbox[first - 1:first - 1 + length]
        try:
            decided = plan(batch, acked=acked, known=known, problem_keys=set(),
                           accounts={"A": _account(balance)})
        except OutboxGap as gap:
            assert batch and batch[0].seq > acked + 1 and gap.acked_through == acked
            continue
        for entry, after in decided.postings:
            balance += entry.amount_minor
            assert after == balance
            known[entry.idempotency_key] = entry.content
            posted.append(entry.seq)
        assert decided.duplicates == len(batch) - len(decided.postings)
        acked = decided.acked_through
    assert posted == list(range(1, len(outbox) + 1))  # each once, in site sequence
    assert balance == 1000 + sum(amounts) and acked == len(outbox)


def test_what_cannot_be_posted_is_kept_and_a_limit_crossed_is_reported_once() -> None:
    pushed = [_entry(1, -300), _entry(2, -400), _entry(3, -5, account="gone"),
              _entry(4, -100)]
    conflict = Incoming(**{**_entry(5, -1).__dict__, "idempotency_key": "k1"})
    decided = plan([*pushed, conflict], acked=0, known={}, problem_keys=set(),
                   accounts={"A": _account(500)})
    assert [e.seq for e, _ in decided.postings] == [1, 2, 4]
    assert [(p.entry.seq, p.reason) for p in decided.problems] == [
        (3, UNKNOWN_ACCOUNT), (5, KEY_CONFLICT)]
    assert [(r.account_id, r.amount_minor, r.balance_after_minor)
            for r in decided.reports] == [("A", -500, -300)]
    assert decided.acked_through == 5 and decided.moves == {"A": -800}
    unlimited = plan(pushed[:2], acked=0, known={}, problem_keys=set(),
                     accounts={"A": _account(0, limited=False)})
    assert unlimited.reports == []
