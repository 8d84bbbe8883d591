"""Replication at scale: a snapshot of 100,000 users streamed from central and loaded
into a remote's replica, and pages of changes.

Run from the repository root:

    .venv/bin/python benchmarks/replication.py [--users 100000] [--write-docs]

Central and remote are SQLite files in a temporary directory. The snapshot is timed once
as it runs, then run again under ``tracemalloc`` for its peak traced memory (Python
allocations of both sides: the generator at central and the load at the remote), which
must not grow with the table. ``--write-docs`` replaces the "Replication" section of
``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from report_support import machine, write_section

from printwarden.accounts.tables import users
from printwarden.db.engine import Database
from printwarden.db.migrate import upgrade
from printwarden.sync.feed import Feed
from printwarden.sync.replica import Replica


def _central(root: Path, count: int) -> Database:
    db = Database(f"sqlite:///{root / 'central.db'}")
    upgrade(db)
    now = datetime.now(UTC)
    for start in range(0, count, 10_000):
        rows = [{"id": f"U{i:025d}", "username": f"user{i}", "username_key": f"user{i}",
                 "full_name": f"User Number {i}", "email": f"user{i}@example.org",
                 "created_at": now, "password_hash": "$argon2id$" + "x" * 87}
                for i in range(start, min(count, start + 10_000))]
        db.write(lambda conn, rows=rows: conn.execute(users.insert(), rows))
    return db


def _load(central: Feed, root: Path, name: str) -> tuple[float, int]:
    remote = Database(f"sqlite:///{root / name}")
    upgrade(remote)
    started = time.perf_counter()
    version = Replica(remote).load_snapshot(central.snapshot())
    elapsed = time.perf_counter() - started
    remote.dispose()
    return elapsed, version


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        db = _central(root, args.users)
        feed = Feed(db)
        started = time.perf_counter()
        head = feed.sequence()
        sequenced = time.perf_counter() - started
        seconds, version = _load(feed, root, "remote.db")
        tracemalloc.start()
        _load(feed, root, "remote-traced.db")
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        started = time.perf_counter()
        pages = 0
        since = 0
        while True:
            page = feed.changes(since, 10_000)
            pages += 1
            since = page.next_since
            if not page.more:
                break
        paged = time.perf_counter() - started
    assert version == head == args.users
    section = (
        "## Replication\n\n"
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}; Python "
        f"{platform.python_version()}; SQLite central and remote "
        "(`benchmarks/replication.py`).\n\n"
        "| what | figure |\n| --- | --- |\n"
        f"| users in central | {args.users:,} |\n"
        f"| sequencing their {head:,} changes (first feed call) | {sequenced:.1f} s |\n"
        f"| snapshot streamed and loaded into a replica | {seconds:.1f} s "
        f"({args.users / seconds:,.0f} rows/s) |\n"
        f"| peak traced memory of that load (both sides) | {peak / 1e6:.1f} MB |\n"
        f"| the {head:,} changes read in {pages} pages of 10,000 | {paged:.1f} s |\n\n"
        "The snapshot is one read transaction streamed a thousand rows at a time and loaded "
        "in one transaction a thousand rows per statement: memory stays flat whatever the "
        "table's size.\n")
    print(section)
    if args.write_docs:
        write_section("Replication", section)


if __name__ == "__main__":
    main()
