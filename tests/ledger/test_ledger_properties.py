"""Random sequences of ledger operations, retried keys included, never break the books.

After every step: each balance equals the sum of its entries, each reserved sum equals
its open reservation parts, and no limited account is below minus its overdraft.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, field
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from printwarden.core.clock import FixedClock
from printwarden.core.errors import ConflictError, InsufficientFunds
from printwarden.core.ids import new_id
from printwarden.core.money import Money
from printwarden.db.engine import Database
from printwarden.ledger.model import Account
from printwarden.ledger.service import LedgerService
from tests.ledger.checks import assert_ledger_consistent
from tests.ledger.conftest import insert_group, insert_user

KINDS = ("top-up", "refund", "adjust", "transfer", "reserve", "settle", "release", "allocate")


@dataclass(frozen=True)
class Op:
    """One step: ``slot``/``other`` pick accounts, users or reservations; ``key`` is drawn
    from a small pool so idempotency keys get retried."""

    kind: str
    slot: int
    other: int
    amount: int
    key: int


operations = st.lists(st.builds(
    Op, kind=st.sampled_from(KINDS), slot=st.integers(0, 9), other=st.integers(0, 9),
    amount=st.integers(-300, 600).filter(bool), key=st.integers(0, 5),
), min_size=1, max_size=25)


@dataclass
class World:
    """One example's fresh payers and accounts (earlier examples' rows stay and must hold)."""

    prefix: str
    users: list[str]
    groups: list[str]
    shared: str
    accounts: list[Account]
    reservations: list[str] = field(default_factory=list)

    def key(self, kind: str, number: int) -> str:
        return f"{self.prefix}:{kind}:{number}"


def new_world(ledger: LedgerService, db: Database) -> World:
    users = [insert_user(db), insert_user(db)]
    group = insert_group(db, users)
    shared = ledger.open_account("shared", "Project", overdraft=Money(50), members=users,
                                 actor="t")
    accounts = [ledger.personal_account(users[0]), ledger.credit_account(users[0]),
                ledger.personal_account(users[1]), ledger.credit_account(users[1]),
                ledger.group_account(group), shared]
    ledger.update_account(accounts[3].id, overdraft=Money(30), actor="t")
    ledger.update_account(accounts[4].id, limited=False, actor="t")
    ledger.create_quota_schedule(f"Daily {shared.id}", target_kind="account",
                                 target_id=accounts[0].id, amount=Money(150), mode="reset",
                                 period="daily", actor="t")
    return World(new_id(), users, [group], shared.id, accounts)


def apply(ledger: LedgerService, clock: FixedClock, world: World, op: Op) -> None:
    account = world.accounts[op.slot % len(world.accounts)]
    positive = Money(abs(op.amount))
    if op.kind in ("top-up", "refund", "adjust"):
        key = world.key(op.kind, op.key)
        before = ledger.get_account(account.id)
        seen = ledger.list_entries(account_id=account.id)[1]
        amount = Money(op.amount) if op.kind == "adjust" else positive
        kind = "adjustment" if op.kind == "adjust" else op.kind
        entry = ledger.post_entry(account.id, amount, kind, idempotency_key=key, actor="t")
        if entry.account_id == account.id and ledger.list_entries(account_id=account.id)[1] \
                == seen:  # a retried key: nothing moved
            assert ledger.get_account(account.id).balance_minor == before.balance_minor
    elif op.kind == "transfer":
        target = world.accounts[op.other % len(world.accounts)]
        if target.id != account.id:
            ledger.transfer(account.id, target.id, positive,
                            idempotency_key=world.key("transfer", op.key), actor="t")
    elif op.kind == "reserve":
        reservation = ledger.reserve(
            job_id=new_id(), user_id=world.users[op.slot % 2], amount=positive,
            idempotency_key=world.key("reserve", op.key), group_ids=world.groups,
            shared_account_id=world.shared, actor="t")
        if reservation.id not in world.reservations:
            world.reservations.append(reservation.id)
    elif op.kind == "settle" and world.reservations:
        reservation_id = world.reservations[op.slot % len(world.reservations)]
        ledger.settle(reservation_id, positive, idempotency_key=f"settle:{reservation_id}",
                      actor="t")
    elif op.kind == "release" and world.reservations:
        reservation_id = world.reservations[op.slot % len(world.reservations)]
        ledger.release(reservation_id, idempotency_key=f"release:{reservation_id}", actor="t")
    elif op.kind == "allocate":
        clock.advance(timedelta(days=1))
        ledger.run_due_allocations()


def test_random_operation_sequences_keep_the_books_balanced(
        ledger: LedgerService, db: Database, clock: FixedClock) -> None:
    examples = 40 if db.dialect == "sqlite" else 8

    @settings(max_examples=examples, deadline=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(operations)
    def run(ops: list[Op]) -> None:
        world = new_world(ledger, db)
        for op in ops:
            with suppress(InsufficientFunds, ConflictError):  # a refusal changes nothing
                apply(ledger, clock, world, op)
            assert_ledger_consistent(db)
        steps.append(len(ops))

    steps: list[int] = []
    run()
    assert len(steps) >= examples
