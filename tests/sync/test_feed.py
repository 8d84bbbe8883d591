"""Central's change feed: triggers on every declared table, versions, pages, pruning and
the snapshot's version, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from printwarden.accounts.tables import api_tokens, user_groups
from printwarden.container import ServerContainer
from printwarden.db.engine import Database
from printwarden.db.sync_triggers import installed
from printwarden.sync.feed import Feed, ResyncRequired
from printwarden.sync.replicated import DECLARATIONS
from printwarden.sync.tables import sync_changes

USER = "01HZZZZZZZZZZZZZZZZZZZZZZZ"


def test_every_declared_table_has_its_triggers(db: Database) -> None:
    """A declaration added without a migration installing its triggers fails here."""
    found = db.read(installed)
    assert {d.name for d in DECLARATIONS} - found == set()


def test_each_write_is_one_change_and_a_moved_key_deletes_the_old(server: ServerContainer
                                                                  ) -> None:
    feed = server.feed
    start = feed.sequence()
    group = server.accounts.create_group("staff", actor="t")
    server.db.write(lambda conn: conn.execute(
        user_groups.update().where(user_groups.c.id == group.id).values(id=USER)))
    server.db.write(lambda conn: conn.execute(user_groups.delete()))
    page = feed.changes(start, 100)
    assert [(c.table, c.key, c.row is None) for c in page.changes] == [
        ("user_groups", [group.id], True),  # inserted, then moved away: gone now
        ("user_groups", [group.id], True),  # the old key of the move
        ("user_groups", [USER], True),      # the new key, since deleted
        ("user_groups", [USER], True),
    ]
    assert page.next_since == start + 4 == page.head and not page.more


def test_a_bookkeeping_column_alone_records_no_change(server: ServerContainer) -> None:
    user = server.accounts.create_user("alice", actor="t")
    server.accounts.create_api_token(user.id, "api", actor="t")
    before = server.feed.sequence()
    server.db.write(lambda conn: conn.execute(
        api_tokens.update().values(last_used_at=sa.func.current_timestamp())))
    assert server.feed.sequence() == before
    server.db.write(lambda conn: conn.execute(api_tokens.update().values(name="renamed")))
    assert server.feed.sequence() == before + 1


def test_pages_answer_rows_now_in_version_order_and_say_when_more_wait(
        server: ServerContainer) -> None:
    feed = server.feed
    start = feed.sequence()
    names = [f"g{i}" for i in range(5)]
    groups = [server.accounts.create_group(name, actor="t") for name in names]
    first = feed.changes(start, 3)
    assert [c.version for c in first.changes] == [start + 1, start + 2, start + 3]
    assert first.more and first.next_since == start + 3
    assert [c.row["name"] for c in first.changes if c.row] == names[:3]
    rest = feed.changes(first.next_since, 3)
    assert [c.key for c in rest.changes] == [[g.id] for g in groups[3:]]
    assert not rest.more
    assert feed.changes(rest.next_since, 3).changes == []


def test_a_pruned_or_future_since_is_told_to_resync(server: ServerContainer) -> None:
    feed = server.feed
    for i in range(5):
        server.accounts.create_group(f"g{i}", actor="t")
    head = feed.sequence()
    assert feed.prune(keep=2) > 0
    assert feed.pruned_through() == head - 2
    with pytest.raises(ResyncRequired, match="pruned through"):
        feed.changes(head - 3, 10)
    assert len(feed.changes(head - 2, 10).changes) == 2  # what is kept still answers
    with pytest.raises(ResyncRequired, match="past central's head"):
        feed.changes(head + 1, 10)
    assert feed.prune(keep=2) == 0  # nothing new to forget


def test_a_snapshot_then_the_feed_has_no_gap_and_no_duplicate(server: ServerContainer
                                                                 ) -> None:
    feed = server.feed
    before = [server.accounts.create_group(f"old{i}", actor="t").id for i in range(3)]
    lines = feed.snapshot()
    header = next(lines)
    rows = [line for line in lines if "row" in line]
    assert {r["row"]["id"] for r in rows if r["table"] == "user_groups"} == set(before)
    after = [server.accounts.create_group(f"new{i}", actor="t").id for i in range(3)]
    page = feed.changes(header["version"], 100)
    assert [c.key[0] for c in page.changes] == after  # each once, none of the snapshot's
    assert page.next_since == page.head


def test_versions_are_unique_and_dense(db: Database) -> None:
    feed = Feed(db)
    db.write(lambda conn: conn.execute(sa.text(
        "INSERT INTO user_groups (id, name, name_key, description, created_at) VALUES "
        "('a', 'A', 'a', '', CURRENT_TIMESTAMP), ('b', 'B', 'b', '', CURRENT_TIMESTAMP)")))
    head = feed.sequence()
    versions = db.read(lambda conn: sorted(conn.execute(
        sa.select(sync_changes.c.version)).scalars()))
    assert versions == list(range(1, head + 1))


def test_every_table_replicates_or_says_why_not() -> None:
    """A new table is declared replicated or listed local with a reason, never forgotten."""
    from printwarden.db import all_tables  # noqa: F401  (every context's tables)
    from printwarden.db.metadata import metadata
    from printwarden.sync.replicated import BY_NAME, LOCAL

    assert set(metadata.tables) - set(BY_NAME) - set(LOCAL) == set()
    assert set(BY_NAME) & set(LOCAL) == set()
    assert set(LOCAL) - set(metadata.tables) == set()


def test_an_update_of_any_travelling_column_records_a_change(server: ServerContainer) -> None:
    """The triggers' UPDATE OF lists match the declarations: no column changes unseen."""
    from tests.sync.support import seed

    seed(server)
    for declared in DECLARATIONS:
        for name in declared.column_names:
            if name in declared.key_names:
                continue
            before = server.feed.sequence()
            column = declared.table.c[name]
            server.db.write(lambda conn, t=declared.table, c=column: conn.execute(
                t.update().values({c.name: c})))
            assert server.feed.sequence() > before, f"{declared.name}.{name}"
