"""A remote restored from an old backup, whose version central has pruned since,
resynchronises from a snapshot and converges; so does one that central cuts off mid-way
(a snapshot cut short changes nothing)."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from printwarden.core.settings import load_server_settings
from printwarden.db.engine import Database
from printwarden.remote.bootstrap import build_remote
from printwarden.sync.codec import SyncProtocolError
from printwarden.sync.replica import Replica
from tests.sync.support import Pair, assert_converged, pair, seed, table_rows

__all__ = ["pair"]


def _file(db: Database) -> Path:
    return Path(str(sa.make_url(db.url).database))


@pytest.mark.parametrize("pair", ["sqlite"], indirect=True)
def test_a_remote_restored_from_an_old_backup_resyncs_from_a_snapshot(
        pair: Pair, tmp_path: Path) -> None:
    remote = pair.remote()
    ids = seed(pair.central)
    old_version = remote.puller.catch_up()
    backup = tmp_path / "backup.db"
    with pair.remote_db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copyfile(_file(pair.remote_db), backup)
    pair.central.accounts.remove_card(ids["card"], actor="t")
    seed(pair.central, tag="later")
    assert remote.puller.catch_up() > old_version
    assert pair.central.feed.prune(keep=1) > 0  # the old version is gone from the feed
    pair.remote_db.dispose()
    shutil.copyfile(backup, _file(pair.remote_db))  # the remote comes back from its backup
    for companion in ("-wal", "-shm"):
        Path(str(_file(pair.remote_db)) + companion).unlink(missing_ok=True)
    restored = Database(pair.remote_db.url)
    assert Replica(restored).applied_version() == old_version
    assert len(table_rows(restored)["cards"]) == 1  # the old state, before the removal
    settings = load_server_settings(tmp_path / "remote-site-a", database_url=restored.url)
    again = build_remote(settings, remote.enrolment, db=restored, http=pair.http)
    again.puller.catch_up()
    assert again.puller.status.applied == pair.central.feed.head()
    assert_converged(pair.central.db, restored)
    restored.dispose()


@pytest.mark.parametrize("pair", ["sqlite"], indirect=True)
def test_a_snapshot_cut_short_changes_nothing(pair: Pair) -> None:
    seed(pair.central)
    replica = Replica(pair.remote_db)
    lines = list(pair.central.feed.snapshot())
    before = table_rows(pair.remote_db)  # what its migrations seeded (the rule set's row)
    with pytest.raises(SyncProtocolError, match="cut short"):
        replica.load_snapshot(lines[:-1])
    assert replica.applied_version() is None
    assert table_rows(pair.remote_db) == before
    assert not table_rows(pair.remote_db)["users"]
    forged = [*lines[:-1], {"end": True, "rows": 1}]
    with pytest.raises(SyncProtocolError, match="row count"):
        replica.load_snapshot(forged)
    assert replica.load_snapshot(lines) == pair.central.feed.head()
    assert_converged(pair.central.db, pair.remote_db)


@pytest.mark.parametrize("pair", ["sqlite"], indirect=True)
def test_changes_of_another_schema_are_refused_not_written(pair: Pair) -> None:
    replica = Replica(pair.remote_db)
    replica.load_snapshot(pair.central.feed.snapshot())
    at = replica.applied_version()
    for change, message in (
        ({"table": "sync_remotes", "key": ["x"], "row": None}, "does not replicate"),
        ({"table": "users", "key": ["x"], "row": {"id": "x", "shoe_size": 9}}, "no column"),
        ({"table": "users", "key": ["x"], "row": {"id": "y"}}, "does not match its key"),
        ({"table": "users", "key": ["x", "y"], "row": None}, "not a list of 1"),
        ({"table": "users", "key": ["x"], "row": {"id": "x", "active": "yes"}}, "not a bool"),
    ):
        with pytest.raises(SyncProtocolError, match=message):
            replica.apply_page([change], (at or 0) + 1)
        assert replica.applied_version() == at


@pytest.mark.parametrize("pair", ["sqlite"], indirect=True)
def test_a_pull_loop_with_central_away_keeps_trying_and_says_why(pair: Pair) -> None:
    from printwarden.core.clock import SystemClock
    from printwarden.remote.central_client import CentralClient
    from printwarden.remote.puller import Puller
    from tests.agent.e2e.support import poll
    from tests.support.postgres import free_port

    away = httpx.Client(base_url=f"http://127.0.0.1:{free_port()}", timeout=2)
    puller = Puller(Replica(pair.remote_db), CentralClient(away, "pwr_x"), SystemClock(),
                    interval_seconds=0.05, batch_limit=10)
    puller.start()
    try:
        poll(lambda: puller.status.last_error, "the loop to report central away", 10)
        assert puller.status.applied is None and puller.status.last_contact is None
    finally:
        puller.stop()
        away.close()
