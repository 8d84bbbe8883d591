"""The ledger outbox end to end: a remote's entries reach central once each, in site
sequence, through answers lost, replays, gaps and concurrent pushes; the remote's
balances never forget its own spending when central's rows arrive; central keeps what it
cannot post and reports accounts spent at two sites. Real databases (SQLite and
PostgreSQL), central's real app over in-process HTTP."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from printwarden.core.clock import FixedClock
from printwarden.core.money import Money
from printwarden.db.engine import Database
from printwarden.ledger.tables import ledger_accounts, ledger_entries
from printwarden.remote.bootstrap import RemoteRole
from printwarden.sync import outbox
from printwarden.sync.replica_balances import central_balances
from printwarden.sync.unsent import unsent_spending
from tests.sync.support import CENTRAL, Pair, pair

__all__ = ["pair"]


@dataclass
class Payer:
    user_id: str
    credit: str
    personal: str


def _payer(p: Pair, name: str = "carol", top_up: int = 500) -> Payer:
    """A user with both of her accounts made at central."""
    user = p.central.accounts.create_user(name, actor="t")
    credit = p.central.ledger.credit_account(user.id)
    personal = p.central.ledger.personal_account(user.id)
    p.central.ledger.post_entry(credit.id, Money(top_up), "top-up",
                                idempotency_key=f"seed-{name}", actor="t")
    return Payer(user.id, credit.id, personal.id)


def _charge(remote: RemoteRole, payer: Payer, job: str, amount: int) -> None:
    """A job charged at the remote as any server charges one: reserve, then settle."""
    ledger = remote.container.ledger
    held = ledger.reserve(job_id=job, user_id=payer.user_id, amount=Money(amount),
                          idempotency_key=f"{job}:reserve", actor="remote-test")
    ledger.settle(held.id, Money(amount), idempotency_key=f"{job}:settle", actor="remote-test")


def _balance(db: Database, account_id: str) -> tuple[int, int]:
    row = db.read(lambda conn: conn.execute(
        sa.select(ledger_accounts.c.balance_minor, ledger_accounts.c.reserved_minor)
        .where(ledger_accounts.c.id == account_id)).one())
    return int(row[0]), int(row[1])


def _entries_sum(db: Database, account_id: str) -> int:
    return int(db.read(lambda conn: conn.execute(
        sa.select(sa.func.coalesce(sa.func.sum(ledger_entries.c.amount_minor), 0))
        .where(ledger_entries.c.account_id == account_id)).scalar_one()))


def _keys(db: Database, site: str) -> list[str]:
    return sorted(db.read(lambda conn: conn.execute(
        sa.select(ledger_entries.c.idempotency_key)
        .where(ledger_entries.c.origin_site == site)).scalars().all()))


def _assert_consistent(p: Pair, remote: RemoteRole, account_id: str) -> None:
    """Central's balance is the sum of its entries; the remote's equals central's."""
    central = _balance(p.central.db, account_id)[0]
    assert central == _entries_sum(p.central.db, account_id)
    assert _balance(remote.container.db, account_id)[0] == central


def test_a_remote_charge_survives_a_feed_update_of_its_account(pair: Pair) -> None:
    payer = _payer(pair)
    remote = pair.remote()
    remote.puller.catch_up()
    _charge(remote, payer, "job-1", 120)
    held = remote.container.ledger.reserve(job_id="job-2", user_id=payer.user_id,
                                           amount=Money(30), idempotency_key="job-2:reserve",
                                           actor="remote-test")
    assert _balance(pair.remote_db, payer.credit) == (380, 30)
    # central changes the same account; the feed brings central's row (500 + 250) before
    # the remote has pushed: the remote's charge and its open hold must not be forgotten
    pair.central.ledger.post_entry(payer.credit, Money(250), "top-up",
                                   idempotency_key="central-top-up", actor="t")
    remote.puller.catch_up()
    assert _balance(pair.remote_db, payer.credit) == (630, 30)
    assert central_balances(remote.container.db.engine.connect(), [payer.credit]) == {
        payer.credit: 750}
    assert remote.container.db.read(
        lambda conn: unsent_spending(conn, [payer.credit, payer.personal])) == {
        payer.credit: 120}
    # push, pull: central has the charge once, tagged with the remote's name
    assert remote.puller.pusher is not None
    assert remote.puller.pusher.push_all() == 1
    remote.puller.catch_up()
    assert _keys(pair.central.db, "site-a") == ["job-1:settle:0"]
    assert _balance(pair.central.db, payer.credit)[0] == 630
    assert _balance(pair.remote_db, payer.credit) == (630, 30)
    _assert_consistent(pair, remote, payer.credit)
    assert remote.container.db.read(lambda conn: unsent_spending(conn, [payer.credit])) == {}
    remote.container.ledger.settle(held.id, Money(30), idempotency_key="job-2:settle",
                                   actor="remote-test")
    remote.puller.sync_once()
    remote.puller.catch_up()
    _assert_consistent(pair, remote, payer.credit)
    assert _balance(pair.remote_db, payer.credit) == (600, 0)


class LoseAnswers(httpx.BaseTransport):
    """Forwards to central's app; the answer to the next ``lose`` pushes (to ``path``) is
    cut after central has handled them (a connection dropped mid-response)."""

    def __init__(self, inner: httpx.BaseTransport, path: str = "/sync/outbox") -> None:
        self.inner = inner
        self.path = path
        self.lose = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if self.lose and request.url.path.endswith(self.path):
            self.lose -= 1
            response.read()
            raise httpx.ReadError("connection cut mid-response", request=request)
        return response


def _cutting_client(p: Pair) -> tuple[httpx.Client, LoseAnswers]:
    transport = LoseAnswers(p.http._transport)
    return httpx.Client(transport=transport, base_url=CENTRAL), transport


def test_a_push_whose_answer_is_lost_is_applied_once(pair: Pair) -> None:
    payer = _payer(pair)
    client, cut = _cutting_client(pair)
    remote = pair.remote(http=client)
    remote.puller.catch_up()
    for job in ("a", "b", "c"):
        _charge(remote, payer, f"job-{job}", 10)
    cut.lose = 1
    pusher = remote.puller.pusher
    assert pusher is not None
    with pytest.raises(httpx.ReadError):
        pusher.push_once()
    assert len(_keys(pair.central.db, "site-a")) == 3  # central applied them...
    assert pusher.pending() == 3  # ...the remote does not know it
    answer = _push(pair, remote, remote.container.db.read(lambda c: outbox.unacked(c, 10)))
    assert answer.json() == {"acked_through": 3, "applied": 0, "duplicates": 3,
                             "problems": 0, "reports": 0}
    assert pusher.push_all() == 3
    assert pusher.pending() == 0
    remote.puller.catch_up()
    assert len(_keys(pair.central.db, "site-a")) == 3
    _assert_consistent(pair, remote, payer.credit)
    assert _balance(pair.remote_db, payer.credit)[0] == 470


def _push(p: Pair, remote: RemoteRole, entries: list[dict[str, object]],
          token: str | None = None) -> httpx.Response:
    return p.http.post("/api/v1/sync/outbox", json={"entries": entries}, headers={
        "Authorization": f"Bearer {token or remote.enrolment.token}"})


def test_a_gap_is_answered_409_and_the_remote_resends_from_central_s_ack(pair: Pair) -> None:
    payer = _payer(pair)
    remote = pair.remote()
    remote.puller.catch_up()
    for job in ("a", "b", "c"):
        _charge(remote, payer, f"job-{job}", 10)
    rows = remote.container.db.read(lambda conn: outbox.unacked(conn, 10))
    gap = _push(pair, remote, rows[1:])
    assert gap.status_code == 409
    assert gap.json()["error"] == "outbox_gap" and gap.json()["acked_through"] == 0
    assert _keys(pair.central.db, "site-a") == []
    assert _push(pair, remote, [rows[0], rows[2]]).status_code == 409  # a hole inside
    pusher = remote.puller.pusher
    assert pusher is not None and pusher.push_all() == 3
    # central comes back from an older backup that knew only the first entry
    pair.central.db.write(lambda conn: conn.execute(
        sa.text("UPDATE sync_remotes SET outbox_acked_seq = 1")))
    _charge(remote, payer, "job-d", 10)
    assert pusher.push_all() == 4  # 409, then 2..4 again: two duplicates, one new
    assert len(_keys(pair.central.db, "site-a")) == 4
    remote.puller.catch_up()
    _assert_consistent(pair, remote, payer.credit)


def test_concurrent_pushes_of_one_remote_apply_each_entry_once(pair: Pair) -> None:
    payer = _payer(pair, top_up=10_000)
    remote = pair.remote()
    remote.puller.catch_up()
    for job in range(20):
        _charge(remote, payer, f"job-{job}", 7)
    rows = remote.container.db.read(lambda conn: outbox.unacked(conn, 100))
    answers: list[httpx.Response] = []

    def push() -> None:
        answers.append(_push(pair, remote, rows))

    threads = [threading.Thread(target=push) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [200] * 6
    assert sum(a.json()["applied"] for a in answers) == 20
    assert sum(a.json()["duplicates"] for a in answers) == 20 * 5
    assert len(_keys(pair.central.db, "site-a")) == 20
    assert _balance(pair.central.db, payer.credit)[0] == 10_000 - 140
    assert _entries_sum(pair.central.db, payer.credit) == 10_000 - 140


def test_two_remotes_spending_one_account_are_both_kept_and_reported(pair: Pair,
                                                                      admin: str) -> None:
    payer = _payer(pair, top_up=500)
    north = pair.remote("site-north")
    south = pair.remote("site-south", db=pair.new_db())
    for remote in (north, south):
        remote.puller.catch_up()
        _charge(remote, payer, f"job-{remote.enrolment.name}", 400)  # each sees 500
    for remote in (north, south):
        assert remote.puller.pusher is not None
        remote.puller.pusher.push_all()
    assert _balance(pair.central.db, payer.credit)[0] == -300
    assert _entries_sum(pair.central.db, payer.credit) == -300
    reports = _admin_get(pair, admin, "/api/v1/sync/reports")["items"]
    assert [(r["remote_name"], r["account_id"], r["amount_minor"], r["balance_after_minor"])
            for r in reports] == [("site-south", payer.credit, -400, -300)]
    listed = {r["name"]: r for r in _admin_get(pair, admin, "/api/v1/sync/remotes")["items"]}
    assert (listed["site-south"]["reports"], listed["site-north"]["reports"]) == (1, 0)
    assert listed["site-north"]["outbox_acked_seq"] == 1
    for remote in (north, south):
        remote.puller.catch_up()
        _assert_consistent(pair, remote, payer.credit)
    page = pair.http.get("/admin/remotes", headers={"Authorization": f"Bearer {admin}"})
    assert page.status_code == 200 and "site-south" in page.text and "-3.00" in page.text


def test_an_entry_central_cannot_post_is_kept_as_a_problem_and_acked(pair: Pair,
                                                                       admin: str) -> None:
    payer = _payer(pair)
    remote = pair.remote()
    remote.puller.catch_up()
    _charge(remote, payer, "job-a", 10)
    row = remote.container.db.read(lambda conn: outbox.unacked(conn, 1))[0]
    unknown = {**row, "seq": 2, "idempotency_key": "other", "account_id": "0" * 26,
               "owner_key": None}  # an account without an owner key central can't make
    euros = {**row, "seq": 3, "idempotency_key": "dollars", "currency": "USD"}
    conflict = {**row, "seq": 4, "amount_minor": -999}  # the key of seq 1, other content
    answer = _push(pair, remote, [row, unknown, euros, conflict])
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"acked_through": 4, "applied": 1, "duplicates": 0,
                             "problems": 3, "reports": 0}
    again = _push(pair, remote, [row, unknown, euros, conflict])  # a replay changes nothing
    assert again.json()["duplicates"] == 4 and again.json()["problems"] == 0
    problems = _admin_get(pair, admin, "/api/v1/sync/problems")["items"]
    assert sorted((p["seq"], p["reason"]) for p in problems) == [
        (2, "unknown_account"), (3, "currency_mismatch"), (4, "key_conflict")]
    assert {p["entry"]["account_id"] for p in problems} >= {"0" * 26}
    listed = _admin_get(pair, admin, "/api/v1/sync/remotes")["items"]
    assert listed[0]["problems"] == 3 and listed[0]["outbox_acked_seq"] == 4
    page = pair.http.get("/admin/remotes", headers={"Authorization": f"Bearer {admin}"})
    assert "unknown_account" in page.text and "key_conflict" in page.text
    assert _balance(pair.central.db, payer.credit)[0] == 490


def test_a_remote_clock_minutes_off_either_way_neither_reorders_nor_drops(pair: Pair) -> None:
    """The remote's clock runs 5 minutes ahead, then jumps to 7 behind, then 1 ahead:
    central posts its entries in site sequence (each balance after follows the order they
    were charged in, not their stamps), keeps their stamps, and drops none."""
    payer = _payer(pair)
    real = datetime.now(UTC)
    clock = FixedClock(real + timedelta(minutes=5))
    remote = pair.remote(clock=clock)
    remote.puller.catch_up()
    stamps = {"job-a": real + timedelta(minutes=5), "job-b": real - timedelta(minutes=7),
              "job-c": real + timedelta(minutes=1)}
    for (job, stamp), amount in zip(stamps.items(), (10, 20, 30), strict=True):
        clock.set(stamp)
        _charge(remote, payer, job, amount)
    pusher = remote.puller.pusher
    assert pusher is not None and pusher.push_all() == 3
    rows = pair.central.db.read(lambda conn: conn.execute(
        sa.select(ledger_entries.c.job_id, ledger_entries.c.balance_after_minor,
                  ledger_entries.c.created_at)
        .where(ledger_entries.c.origin_site == "site-a")).all())
    assert {r.job_id: r.balance_after_minor for r in rows} == {
        "job-a": 490, "job-b": 470, "job-c": 440}
    assert {r.job_id: r.created_at for r in rows} == stamps
    clock.set(real - timedelta(minutes=3))
    remote.puller.catch_up()
    _assert_consistent(pair, remote, payer.credit)


def _admin_get(p: Pair, token: str, path: str) -> Any:
    answer = p.http.get(path, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.fixture
def admin(pair: Pair) -> str:
    user = pair.central.accounts.create_user("root", roles=("admin",), password="admin-pass-1",
                                             actor="t")
    token, _ = pair.central.accounts.create_api_token(user.id, "t", actor="t")
    return token
