"""Reconciliation at scale: central applying 10,000 and 100,000 offline entries of a
remote, pushed through the real HTTP route in batches.

Run from the repository root:

    .venv/bin/python benchmarks/reconcile.py [--quick] [--no-postgres] [--write]

For each database (SQLite in a temporary file, WAL, synchronous=FULL; a throwaway
PostgreSQL cluster with fsync on, tests/support/postgres.py) and each size: a fresh
central with 1,000 accounts and one enrolled remote; uvicorn serves the real app on a
loopback port and a client pushes the entries (ascending site sequence, random accounts)
``POST /api/v1/sync/outbox`` 1,000 at a time, as a remote does after a long cut. After
it: the entries are counted and every balance checked against the sum of its entries.

The peer, in the same run: the same rows written by a plain executemany per batch
(``insert_entries`` + ``move_many``, one transaction per 1,000), no HTTP, no checks: the
floor the route's work (parsing, key lookups, locks, the acked sequence) adds to.

Prints a Markdown section; ``--write`` replaces the "## Reconciliation" section of
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))

import httpx  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from bench_databases import postgres_factory, sqlite_factory  # noqa: E402
from bench_serving import serving  # noqa: E402
from report_support import machine, write_section  # noqa: E402

from printwarden.container import ServerContainer  # noqa: E402
from printwarden.core.ids import new_id  # noqa: E402
from printwarden.core.money import Money  # noqa: E402
from printwarden.core.settings import load_server_settings  # noqa: E402
from printwarden.db.engine import Database  # noqa: E402
from printwarden.ledger import store  # noqa: E402
from printwarden.ledger.model import Entry  # noqa: E402
from printwarden.ledger.tables import ledger_accounts, ledger_entries  # noqa: E402
from printwarden.server.bootstrap import build_server  # noqa: E402

ACCOUNTS = 1_000
BATCH = 1_000
START_MINOR = 10_000_000


def _accounts(db: Database) -> list[str]:
    ids = [new_id() for _ in range(ACCOUNTS)]
    now = datetime.now(UTC)
    db.write(lambda conn: conn.execute(ledger_accounts.insert(), [
        {"id": account_id, "kind": "shared", "name": f"bench {n}", "currency": "EUR",
         "limited": True, "overdraft_minor": 0, "balance_minor": START_MINOR,
         "reserved_minor": 0, "owner_user_id": None, "group_id": None, "owner_key": None,
         "active": True, "created_at": now} for n, account_id in enumerate(ids)]))
    return ids


def _entries(total: int, accounts: list[str]) -> list[dict[str, object]]:
    rng = random.Random(total)
    start = datetime.now(UTC) - timedelta(days=1)
    return [{"seq": seq, "idempotency_key": f"bench:{seq}", "account_id": rng.choice(accounts),
             "amount_minor": -rng.randint(1, 50), "currency": "EUR", "kind": "charge",
             "job_id": None, "reference": None,
             "created_at": (start + timedelta(seconds=seq)).isoformat(), "actor": "remote",
             "note": "printed offline"} for seq in range(1, total + 1)]


@contextmanager
def _serving(container: ServerContainer) -> Iterator[str]:
    from printwarden.web.app import create_app

    with serving(create_app(container)) as base:
        yield base


def _check(db: Database, total: int) -> None:
    def read(conn: sa.Connection) -> tuple[int, int]:
        entries = conn.execute(sa.select(sa.func.count()).select_from(ledger_entries)
                               .where(ledger_entries.c.origin_site == "bench-site")
                               ).scalar_one()
        sums = sa.select(ledger_entries.c.account_id,
                         sa.func.sum(ledger_entries.c.amount_minor).label("total")
                         ).group_by(ledger_entries.c.account_id).subquery()
        wrong = conn.execute(
            sa.select(sa.func.count()).select_from(ledger_accounts)
            .join(sums, sums.c.account_id == ledger_accounts.c.id, isouter=True)
            .where(ledger_accounts.c.balance_minor
                   != START_MINOR + sa.func.coalesce(sums.c.total, 0))).scalar_one()
        return int(entries), int(wrong)

    entries, wrong = db.read(read)
    assert entries == total, (entries, total)
    assert wrong == 0, f"{wrong} balances differ from their entries"


def through_http(db: Database, total: int) -> float:
    accounts = _accounts(db)
    settings = load_server_settings(Path(tempfile.mkdtemp(prefix="pw-bench-")),
                                    database_url=db.url)
    container = build_server(settings, db=db, migrate=False)
    _, code = container.remotes.create("bench-site", actor="bench")
    _, token = container.remotes.enrol(code, hostname="bench")
    entries = _entries(total, accounts)
    with _serving(container) as base, httpx.Client(base_url=base, timeout=120, headers={
            "Authorization": f"Bearer {token}"}) as client:
        started = time.perf_counter()
        for start in range(0, total, BATCH):
            answer = client.post("/api/v1/sync/outbox",
                                 json={"entries": entries[start:start + BATCH]},
                                 headers={"X-Pending-Entries": str(total - start)})
            assert answer.status_code == 200, answer.text
            if (start // BATCH) % 20 == 0:
                print(f"    {start + BATCH:,} / {total:,}", file=sys.stderr)
        elapsed = time.perf_counter() - started
    _check(db, total)
    return elapsed


def plain_executemany(db: Database, total: int) -> float:
    accounts = _accounts(db)
    rows = _entries(total, accounts)
    started = time.perf_counter()
    for start in range(0, total, BATCH):
        batch = [Entry(id=new_id(), account_id=str(r["account_id"]),
                       amount=Money(int(str(r["amount_minor"])), "EUR"), kind="charge",
                       job_id=None, reference=None, idempotency_key=str(r["idempotency_key"]),
                       origin_site="bench-site",
                       created_at=datetime.fromisoformat(str(r["created_at"])), actor="remote",
                       balance_after_minor=0, note="printed offline")
                 for r in rows[start:start + BATCH]]
        moves: dict[str, int] = {}
        for entry in batch:
            moves[entry.account_id] = moves.get(entry.account_id, 0) + entry.amount.minor

        def write(conn: sa.Connection, batch: list[Entry] = batch,
                  moves: dict[str, int] = moves) -> None:
            store.insert_entries(conn, batch)
            store.move_many(conn, sorted((a, d, 0) for a, d in moves.items()))

        db.write(write)
    return time.perf_counter() - started


@dataclass
class Outcome:
    rows: list[str] = field(default_factory=list)
    #: The peer's largest / smallest run: about the ratio of sizes on a quiet machine.
    peer_ratio: float | None = None
    #: The 1-minute load average before and after.
    load: tuple[float, float] = (0.0, 0.0)


def bench(backend: str, fresh: Callable[[], Database], sizes: list[int]) -> Outcome:
    lines = []
    timed: dict[int, float] = {}
    floors: dict[int, float] = {}
    load_before = os.getloadavg()[0]
    for total in sizes:
        print(f"{backend}: {total:,} entries through the route", file=sys.stderr)
        db = fresh()
        timed[total] = through_http(db, total)
        db.dispose()
        print(f"{backend}: {total:,} entries by a plain executemany", file=sys.stderr)
        db = fresh()
        floor = plain_executemany(db, total)
        db.dispose()
        floors[total] = floor
        seconds = timed[total]
        lines.append(f"| {backend} | {total:,} | {seconds:.1f} s | {total / seconds:,.0f} /s "
                     f"| {floor:.1f} s ({total / floor:,.0f} /s) | {seconds / floor:.1f}x |")
    outcome = Outcome(lines, load=(load_before, os.getloadavg()[0]))
    if len(sizes) == 2:
        small, large = sizes
        outcome.peer_ratio = floors[large] / floors[small]
        lines.append(f"| {backend} | ratio {large:,} / {small:,} | "
                     f"{timed[large] / timed[small]:.1f}x | | "
                     f"{outcome.peer_ratio:.1f}x | |")
    return outcome


def load_note(outcomes: dict[str, Outcome], size_ratio: float) -> str:
    """What the machine was doing: the load average around each backend's runs, and
    whether the peer (whose work is the same per entry at every size) shows load."""
    cores = os.cpu_count() or 1
    loads = "; ".join(f"{name} {o.load[0]:.1f} to {o.load[1]:.1f}"
                      for name, o in outcomes.items())
    loaded = any(max(o.load) > cores or (o.peer_ratio or 0) > size_ratio * 1.3
                 for o in outcomes.values())
    note = f"Load average (1 minute) around the runs: {loads}, on {cores} cores."
    if loaded:
        note += (" The machine was shared with other work during this run (a load above "
                 "its core count, or the peer's own ratio well past the ratio of sizes): "
                 "the figures are upper bounds, and the peer, measured in the same run, "
                 "shows how much of a slowdown is the machine's.")
    return note


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 and 20,000 entries")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    sizes = [2_000, 20_000] if args.quick else [10_000, 100_000]
    with tempfile.TemporaryDirectory() as tmp:
        outcomes = {"SQLite": bench("SQLite", sqlite_factory(Path(tmp)), sizes)}
    if not args.no_postgres:
        with postgres_factory() as pg_db:
            outcomes["PostgreSQL"] = bench("PostgreSQL (fsync on)", pg_db, sizes)
    section = "\n".join([
        "## Reconciliation", "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}; Python "
        f"{platform.python_version()} (`benchmarks/reconcile.py`). Central applies a "
        f"remote's offline entries spread over {ACCOUNTS:,} accounts, pushed through "
        f"`POST /api/v1/sync/outbox` {BATCH:,} at a time over loopback HTTP (uvicorn and "
        "the client share the machine's cores): each push is one transaction that locks "
        "the remote's row, looks its keys up (one statement per table, `= ANY(array)` on "
        "PostgreSQL), locks each account once, writes the entries and the balance moves "
        "with one executemany each, and moves the acked sequence. "
        "Every balance is checked against its entries afterwards. The peer is a plain "
        "executemany of the same rows (entries and balance moves, one transaction per "
        f"{BATCH:,}), no HTTP and no checks.", "",
        "| database | entries | through the route | rate | plain executemany | route / plain |",
        "| --- | --- | --- | --- | --- | --- |",
        *(row for outcome in outcomes.values() for row in outcome.rows), "",
        "Target: 100,000 entries in under 30 s, and linear (the 100,000 run about ten times "
        "the 10,000 one).", "",
        load_note(outcomes, sizes[-1] / sizes[0]), ""])
    print(section)
    if args.write:
        write_section("Reconciliation", section)


if __name__ == "__main__":
    main()
