"""On PostgreSQL a sequence is not commit-ordered: a transaction holding seq 10 may
commit after 11 was read. The feed versions a change only once every older transaction
is over, so no reader's ``since`` can pass a change that commits later."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from printwarden.db.engine import Database
from printwarden.sync.feed import Feed
from tests.support.databases import PostgresFactory

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg(postgres_factory: PostgresFactory) -> Iterator[Database]:
    database = postgres_factory.new()
    yield database
    postgres_factory.drop(database)


def _insert_group(conn: sa.Connection, name: str) -> None:
    conn.execute(sa.text(
        "INSERT INTO user_groups (id, name, name_key, description, created_at) "
        "VALUES (:n, :n, :n, '', now())"), {"n": name})


def _keys(feed: Feed, since: int) -> tuple[list[str], int]:
    page = feed.changes(since, 1000)
    return [c.key[0] for c in page.changes], page.next_since


def test_a_change_that_commits_after_a_later_one_is_not_skipped(pg: Database) -> None:
    feed = Feed(pg)
    with pg.engine.connect() as older, pg.engine.connect() as younger:
        older.execute(sa.text("SELECT pg_current_xact_id()"))  # the older transaction id
        younger.execute(sa.text("SELECT pg_current_xact_id()"))
        _insert_group(younger, "first-written")      # the lower seq, a younger transaction
        _insert_group(older, "second-written")       # a higher seq
        older.commit()                               # the older commits first
        assert _keys(feed, 0) == (["second-written"], 1)
        # a reader that went by seq would now be past 'first-written' for good
        younger.commit()
    assert _keys(feed, 1) == (["first-written"], 2)


def test_a_committed_change_waits_while_an_older_transaction_runs(pg: Database) -> None:
    feed = Feed(pg)
    with pg.engine.connect() as running, pg.engine.connect() as quick:
        running.execute(sa.text("SELECT pg_current_xact_id()"))
        _insert_group(quick, "quick")
        quick.commit()
        assert _keys(feed, 0) == ([], 0)  # held back, not lost
        _insert_group(running, "slow")
        running.commit()
    keys, since = _keys(feed, 0)
    assert sorted(keys) == ["quick", "slow"] and since == 2


def test_concurrent_writers_and_a_reader_lose_no_change(pg: Database) -> None:
    feed = Feed(pg)
    written: list[str] = []
    done = threading.Event()
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        rng = random.Random(n)
        try:
            for i in range(25):
                with pg.engine.connect() as conn:
                    for j in range(rng.randint(1, 3)):
                        _insert_group(conn, f"w{n}-{i}-{j}")
                        conn.execute(sa.text("SELECT pg_sleep(:s)"), {"s": rng.random() / 200})
                    conn.commit()
                    written.extend(f"w{n}-{i}-{j}" for j in range(j + 1))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    served: list[str] = []
    versions: list[int] = []

    def reader() -> None:
        since = 0
        while True:
            finished = done.is_set()
            page = feed.changes(since, 50)
            served.extend(c.key[0] for c in page.changes)
            versions.extend(c.version for c in page.changes)
            since = page.next_since
            if finished and not page.more:
                return

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    reading = threading.Thread(target=reader)
    reading.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    reading.join(timeout=120)
    assert not errors
    assert sorted(served) == sorted(written)  # every change once, none lost
    assert versions == sorted(set(versions))  # strictly increasing
