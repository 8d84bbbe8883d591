"""Owner accounts (personal, credit, group) a remote creates on the fly: their ids are
derived from the owner key, so central posts the remote's entries on the same account
(creating it when it lacks it), an account made at both ends independently is one, and
the replica's copy of central's row keeps the remote's unacked spending. An entry whose
owner key is not its account's is kept as a problem. Real databases (SQLite and
PostgreSQL), central's real app over in-process HTTP."""

from __future__ import annotations

import sqlalchemy as sa

from printwarden.core.ids import is_id, new_id
from printwarden.core.money import Money
from printwarden.db.engine import Database
from printwarden.ledger.model import owner_account_id
from printwarden.ledger.tables import ledger_accounts, ledger_entries
from printwarden.remote.bootstrap import RemoteRole
from printwarden.sync import outbox
from tests.sync.support import Pair, pair

__all__ = ["pair"]


def _charge(remote: RemoteRole, user_id: str, job: str, amount: int) -> None:
    ledger = remote.container.ledger
    held = ledger.reserve(job_id=job, user_id=user_id, amount=Money(amount),
                          idempotency_key=f"{job}:reserve", actor="remote-test")
    ledger.settle(held.id, Money(amount), idempotency_key=f"{job}:settle", actor="remote-test")


def _push_pull(remote: RemoteRole) -> None:
    assert remote.puller.pusher is not None
    remote.puller.pusher.push_all()
    remote.puller.catch_up()


def _accounts(db: Database, owner_key: str) -> list[tuple[str, int]]:
    return [(str(r[0]), int(r[1])) for r in db.read(lambda conn: conn.execute(
        sa.select(ledger_accounts.c.id, ledger_accounts.c.balance_minor)
        .where(ledger_accounts.c.owner_key == owner_key)).all())]


def _entries(db: Database, account_id: str) -> list[tuple[str, int]]:
    """(key, amount) of the account's entries; direct postings' keys without their scope."""
    return sorted((str(r[0]).rpartition(":")[2] if str(r[0]).startswith("top-up")
                   else str(r[0]), int(r[1]))
                  for r in db.read(lambda conn: conn.execute(
        sa.select(ledger_entries.c.idempotency_key, ledger_entries.c.amount_minor)
        .where(ledger_entries.c.account_id == account_id)).all()))


def test_owner_account_ids_are_derived_from_the_owner_key() -> None:
    first = owner_account_id("credit:01HZX0000000000000000000AB")
    assert first == owner_account_id("credit:01HZX0000000000000000000AB")
    assert len(first) == 26 and is_id(first)
    assert first != owner_account_id("personal:01HZX0000000000000000000AB")


def test_accounts_a_remote_creates_reach_central_with_their_ids(pair: Pair) -> None:
    user = pair.central.accounts.create_user("dora", actor="t")  # no account anywhere
    remote = pair.remote()
    remote.puller.catch_up()
    credit = remote.container.ledger.credit_account(user.id)  # the site's cashier
    assert credit.id == owner_account_id(f"credit:{user.id}")
    remote.container.ledger.post_entry(credit.id, Money(500), "top-up",
                                       idempotency_key="cash-1", actor="cashier")
    _charge(remote, user.id, "job-1", 120)  # also opens her personal account, empty
    pushed = remote.container.db.read(lambda conn: outbox.unacked(conn, 10))
    assert [row["owner_key"] for row in pushed] == [f"credit:{user.id}"] * 2
    _push_pull(remote)
    expected = [("cash-1", 500), ("job-1:settle:0", -120)]
    assert _entries(pair.central.db, credit.id) == expected
    assert _accounts(pair.central.db, f"credit:{user.id}") == [(credit.id, 380)]
    assert _accounts(remote.container.db, f"credit:{user.id}") == [(credit.id, 380)]
    assert pair.central.reconciler.problems() == []
    assert pair.central.ledger.get_account(credit.id).name == "Prepaid credit"
    # her personal account had no entry to push: central makes it when it needs it, and
    # it is the remote's
    personal = pair.central.ledger.personal_account(user.id)
    assert _accounts(remote.container.db, f"personal:{user.id}") == [(personal.id, 0)]
    # a replay of the whole outbox changes nothing
    replay = pair.http.post("/api/v1/sync/outbox", json={"entries": pushed}, headers={
        "Authorization": f"Bearer {remote.enrolment.token}"})
    assert replay.status_code == 200 and replay.json()["duplicates"] == 2
    remote.puller.catch_up()
    assert _entries(pair.central.db, credit.id) == expected
    assert _accounts(pair.central.db, f"credit:{user.id}") == [(credit.id, 380)]
    assert _accounts(remote.container.db, f"credit:{user.id}") == [(credit.id, 380)]


def test_one_owner_s_account_made_at_both_ends_is_one_account(pair: Pair) -> None:
    user = pair.central.accounts.create_user("emil", actor="t")
    remote = pair.remote()
    remote.puller.catch_up()
    at_remote = remote.container.ledger.credit_account(user.id)
    remote.container.ledger.post_entry(at_remote.id, Money(200), "top-up",
                                       idempotency_key="remote-cash", actor="cashier")
    at_central = pair.central.ledger.credit_account(user.id)
    pair.central.ledger.post_entry(at_central.id, Money(300), "top-up",
                                   idempotency_key="central-cash", actor="t")
    assert at_central.id == at_remote.id
    # central's row arrives before the remote pushed: its unacked top-up is kept
    remote.puller.catch_up()
    key = f"credit:{user.id}"
    assert _accounts(remote.container.db, key) == [(at_remote.id, 500)]
    _push_pull(remote)
    assert _accounts(pair.central.db, key) == [(at_central.id, 500)]
    assert _entries(pair.central.db, at_central.id) == [("central-cash", 300),
                                                        ("remote-cash", 200)]
    assert _accounts(remote.container.db, key) == [(at_remote.id, 500)]
    assert pair.central.reconciler.problems() == []


def test_an_owner_key_that_is_not_its_account_s_is_a_problem(pair: Pair) -> None:
    alice = pair.central.accounts.create_user("alice", actor="t")
    bob = pair.central.accounts.create_user("bob", actor="t")
    bobs = pair.central.ledger.credit_account(bob.id)
    pair.central.ledger.post_entry(bobs.id, Money(100), "top-up",
                                   idempotency_key="bob-cash", actor="t")
    remote = pair.remote()
    remote.puller.catch_up()
    ghost = "01HZX00000000000000000GHST"  # no such user at central

    def entry(seq: int, account_id: str, owner_key: str) -> dict[str, object]:
        return {"seq": seq, "idempotency_key": f"spoof-{seq}", "account_id": account_id,
                "amount_minor": -50, "currency": "EUR", "kind": "charge", "job_id": None,
                "reference": None, "created_at": "2026-03-02T08:00:00+00:00",
                "actor": "agent:x", "note": "", "owner_key": owner_key}

    body = [entry(1, bobs.id, f"credit:{alice.id}"),  # bob's account named as alice's
            entry(2, new_id(), f"credit:{alice.id}"),  # an id that is not alice's
            entry(3, owner_account_id(f"credit:{ghost}"), f"credit:{ghost}")]
    auth = {"Authorization": f"Bearer {remote.enrolment.token}"}
    answer = pair.http.post("/api/v1/sync/outbox", json={"entries": body}, headers=auth)
    assert answer.status_code == 200, answer.text
    assert answer.json()["problems"] == 3 and answer.json()["applied"] == 0
    assert sorted((p.seq, p.reason) for p in pair.central.reconciler.problems()) == [
        (1, "owner_mismatch"), (2, "owner_mismatch"), (3, "unknown_account")]
    assert _accounts(pair.central.db, f"credit:{bob.id}") == [(bobs.id, 100)]
    assert _accounts(pair.central.db, f"credit:{alice.id}") == []
    assert _accounts(pair.central.db, f"credit:{ghost}") == []
    bad = pair.http.post("/api/v1/sync/outbox", headers=auth, json={
        "entries": [entry(4, bobs.id, "shared:" + bob.id)]})
    assert bad.status_code == 422 and "owner_key" in bad.text
