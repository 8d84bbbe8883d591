"""Hostile pushes get a 4xx with a message, never a 500, and change nothing; a remote
restored from an old backup replays its old entries without any counting twice, and new
entries written under numbers central has seen are applied, not lost."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from printwarden.core.money import Money
from printwarden.core.settings import load_server_settings
from printwarden.db.engine import Database
from printwarden.ledger.tables import ledger_entries
from printwarden.remote.bootstrap import RemoteRole, build_remote
from printwarden.sync import outbox
from tests.sync.support import Pair, pair

__all__ = ["pair"]


def _entry(seq: int, account_id: str, **changes: Any) -> dict[str, Any]:
    return {"seq": seq, "idempotency_key": f"k{seq}", "account_id": account_id,
            "amount_minor": -10, "currency": "EUR", "kind": "charge", "job_id": None,
            "reference": None, "created_at": "2026-03-01T08:00:00+00:00", "actor": "remote",
            "note": "", **changes}


def _central_keys(db: Database) -> list[str]:
    return sorted(db.read(lambda conn: conn.execute(
        sa.select(ledger_entries.c.idempotency_key)
        .where(ledger_entries.c.origin_site != "central")).scalars().all()))


@pytest.mark.parametrize("pair", ["sqlite"], indirect=True)  # the route's checks alone
def test_hostile_pushes_are_refused_with_a_message(pair: Pair) -> None:
    remote = pair.remote()
    user = pair.central.accounts.create_user("dora", actor="t")
    account = pair.central.ledger.credit_account(user.id).id
    auth = {"Authorization": f"Bearer {remote.enrolment.token}"}

    def push(body: Any, headers: dict[str, Any] | None = None) -> httpx.Response:
        return pair.http.post("/api/v1/sync/outbox", json=body,
                              headers=auth if headers is None else headers)

    refused = {
        "huge amount": push({"entries": [_entry(1, account, amount_minor=10**16)]}),
        "amount as text": push({"entries": [_entry(1, account, amount_minor="-10")]}),
        "other digits": push({"entries": [_entry(1, account, amount_minor="\u0661\u0662")]}),
        "seq as text": push({"entries": [_entry(1, account) | {"seq": "\uff11"}]}),
        "boolean amount": push({"entries": [_entry(1, account, amount_minor=True)]}),
        "seq zero": push({"entries": [_entry(0, account)]}),
        "no offset": push({"entries": [_entry(1, account, created_at="2026-03-01T08:00:00")]}),
        "bad currency": push({"entries": [_entry(1, account, currency="\u20ac\u20ac\u20ac")]}),
        "bad kind": push({"entries": [_entry(1, account, kind="gift")]}),
        "long key": push({"entries": [_entry(1, account, idempotency_key="k" * 201)]}),
        "extra field": push({"entries": [_entry(1, account, origin_site="central")]}),
        "descending": push({"entries": [_entry(2, account), _entry(1, account)]}),
        "repeated seq": push({"entries": [_entry(1, account), _entry(1, account)]}),
        "too many": push({"entries": [_entry(n, account) for n in range(1, 1002)]}),
        "not a list": push({"entries": {"seq": 1}}),
        "other digits pending": push({"entries": []},
                                     {**auth, "X-Pending-Entries": "\u0661".encode()}),
        "negative pending": push({"entries": []}, {**auth, "X-Pending-Entries": "-1"}),
    }
    for what, answer in refused.items():
        assert answer.status_code == 422, what
        assert answer.json()["message"], what
    big = pair.http.post("/api/v1/sync/outbox", content=b"{" + b" " * (10 * 1024 * 1024) + b"}",
                         headers={**auth, "Content-Type": "application/json"})
    assert big.status_code == 413 and "larger" in big.json()["message"]
    assert push({"entries": []}, {"Authorization": "Bearer pwr_forged"}).status_code == 401
    assert push({"entries": []}, {}).status_code == 401
    token, _ = pair.central.accounts.create_api_token(user.id, "t", actor="t")
    assert push({"entries": []}, {"Authorization": f"Bearer {token}"}).status_code == 403
    assert _central_keys(pair.central.db) == []
    # the same, well formed, is taken: the refusals were the checks, not the route
    good = push({"entries": [_entry(1, account)]}, {**auth, "X-Pending-Entries": "1"})
    assert good.status_code == 200, good.text
    assert good.json()["applied"] == 1 and _central_keys(pair.central.db) == ["k1"]


def _file(db: Database) -> Path:
    return Path(str(sa.make_url(db.url).database))


def _charge(remote: RemoteRole, account_id: str, key: str, amount: int = 10) -> None:
    remote.container.ledger.post_entry(account_id, Money(-amount), "adjustment",
                                       idempotency_key=key, actor="remote-test")


@pytest.mark.parametrize("pair", ["sqlite"], indirect=True)  # a file copy is the backup
def test_a_remote_restored_from_an_old_backup_replays_nothing_twice(
        pair: Pair, tmp_path: Path) -> None:
    user = pair.central.accounts.create_user("erin", actor="t")
    account = pair.central.ledger.credit_account(user.id).id
    pair.central.ledger.post_entry(account, Money(1000), "top-up", idempotency_key="seed",
                                   actor="t")
    remote = pair.remote()
    remote.puller.catch_up()
    _charge(remote, account, "one")
    backup = tmp_path / "backup.db"
    with pair.remote_db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copyfile(_file(pair.remote_db), backup)  # holds "one" as seq 1, unacked
    _charge(remote, account, "two")
    assert remote.puller.pusher is not None and remote.puller.pusher.push_all() == 2
    pair.remote_db.dispose()
    shutil.copyfile(backup, _file(pair.remote_db))
    for companion in ("-wal", "-shm"):
        Path(str(_file(pair.remote_db)) + companion).unlink(missing_ok=True)
    restored = Database(pair.remote_db.url)
    settings = load_server_settings(tmp_path / "remote-site-a", database_url=restored.url)
    again = build_remote(settings, remote.enrolment, db=restored, http=pair.http)
    _charge(again, account, "three")  # seq 2 here: central has seen seq 2 ("two")
    assert again.puller.pusher is not None and again.puller.pusher.push_all() == 2
    _charge(again, account, "four")  # its numbers now continue past central's
    assert restored.read(lambda conn: outbox.unacked(conn, 10))[0]["seq"] == 3
    assert again.puller.pusher.push_all() == 3
    assert sorted(key.rpartition(":")[2] for key in _central_keys(pair.central.db)) == [
        "four", "one", "three", "two"]
    again.puller.catch_up()
    balance = pair.central.ledger.get_account(account).balance_minor
    assert balance == 1000 - 40
    assert again.container.ledger.get_account(account).balance_minor == balance
    restored.dispose()
