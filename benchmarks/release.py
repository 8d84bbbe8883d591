"""Secure release benchmarks: held-job listing with 100,000 held jobs, release latency.

Run from the repository root, as root (cupsd needs it):

    .venv/bin/python benchmarks/release.py [--quick] [--write] [--no-postgres]

On SQLite (a file, WAL, synchronous=FULL) and on a throwaway PostgreSQL cluster with
fsync on (``tests/support/postgres.py``), in one run:

- **held-job listing**: 100,000 held jobs on 10 agents (one release queue each): 1,900
  users with 50 held jobs each (5 on every queue) and 10 users with 500 each (the listing
  cap, ``MAX_JOBS_PER_REQUEST``, all on one queue). p50/p99 of
  ``ReleaseService.held_jobs(user, device_id=...)``, a typical user at a random device
  (5 of his 50 jobs priced there) and a heavy user at the device of his queue (all 500
  priced). The peer, on the same database in the same run: the SELECT the listing runs
  (``jobs.store.held_jobs_of``), bare, through ``sqlite3`` / ``psycopg`` on one open
  connection. Target: < 50 ms.
- **release latency**, same agent and find-me: a ``printwarden server`` process on that
  database; agent A (a ``printwarden agent`` process, default settings) holds the jobs of
  an 11th release queue whose device is a TCP sink run by the benchmark (``socket://``);
  agent B (another process, A in its ``find_me_peers``) serves a second device of the same
  release group, another sink. A few hundred jobs submitted over IPP to A and held; each
  released alone by its owner over REST (``POST /api/v1/release/release``, the route the
  kiosk, the mobile page and terminals take into the server process) after a random pause,
  alternately at A's device and at B's, timed from sending the request to the first byte
  at that sink. The peer: a private cupsd with a raw queue to the same kind of sink, each
  job held with ``lp -H hold`` and released with ``lp -i ID -H resume``, timed from
  starting that command to the first byte. Target: p99 < 300 ms. Also: the ``release``
  event's way from ANOTHER process (``ReleaseService.release`` in the benchmark's own) to
  a bare long poll, which only the server's database poll carries.

The users, agents and queues are made through the services; the 100,000 job rows are
bulk-inserted through ``printwarden.jobs.store.job_values`` into the ``jobs`` table
(authorizing 100,000 jobs one by one would take longer than the benchmark itself): rows
as the authorizer writes them for a ``hold`` decision, without reservations or job log,
which the listing does not read. PostgreSQL gets an ``ANALYZE`` after the load (as
autovacuum would do within a minute).

Prints a Markdown section; ``--write`` replaces the "## Secure release" section of
docs/benchmarks.md (other sections are kept).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import httpx  # noqa: E402
import psycopg  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from ipp_submit import (  # noqa: E402
    Cupsd,
    cups_version,
    machine,
    stop_group,
    uptime,
    wait_until,
    write_section,
)
from tests.ipp.server.support import ipp_request  # noqa: E402
from tests.support.postgres import PostgresCluster, free_port  # noqa: E402
from tests.support.server_process import ServerProcess  # noqa: E402
from tests.support.tcp_sink import TcpSink  # noqa: E402

from printwarden.container import ServerContainer  # noqa: E402
from printwarden.core.ids import new_id  # noqa: E402
from printwarden.core.money import Money  # noqa: E402
from printwarden.core.pricing import PriceRule  # noqa: E402
from printwarden.ipp import Operation, StatusCode, decode, mime_media_type  # noqa: E402
from printwarden.jobs.model import Job, JobState  # noqa: E402
from printwarden.jobs.store import job_values  # noqa: E402
from printwarden.jobs.tables import jobs as jobs_table  # noqa: E402
from printwarden.release.service import MAX_JOBS_PER_REQUEST  # noqa: E402
from printwarden.web.api.agent_link import POLL_SECONDS  # noqa: E402

SECTION = "## Secure release"
AGENTS = 10
HELD_JOBS = 100_000
HEAVY_USERS = 10
HEAVY_HELD = MAX_JOBS_PER_REQUEST
TYPICAL_HELD = 50
TYPICAL_USERS = (HELD_JOBS - HEAVY_USERS * HEAVY_HELD) // TYPICAL_HELD
TARGET_LISTING_MS = 50.0
TARGET_RELEASE_P99_MS = 300.0
#: Upper bound of the random pause before each release: releases come at random moments
#: against the server's event poll (``web/api/agent_link.py`` POLL_SECONDS), as people do.
PAUSE_SECONDS = 1.0
FUNDS = 10**9
SELECT_HELD = ("SELECT * FROM jobs WHERE user_id = {mark} AND state = 'held' "
               "ORDER BY created_at, id LIMIT {limit}")
AGENT_SETTINGS = "dnssd = false\nmin_free_bytes = 0\n"
LOAD_AT_START = uptime()


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def log(message: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- population

@dataclass
class Population:
    """What the listing benchmark reads: 10 agents' queues and their held jobs' owners."""

    queues: list[str]
    #: The device each queue's held jobs are released at (its release group's).
    devices: list[str]
    typical: list[str]
    heavy: list[str]
    #: Agent tokens, by queue: no agent process runs for these ten.
    tokens: list[str]


def _users(container: ServerContainer, prefix: str, count: int) -> list[tuple[str, str]]:
    """(id, username) of ``count`` new users."""
    made = [container.accounts.create_user(f"{prefix}{n}", actor="bench")
            for n in range(count)]
    return [(user.id, user.username) for user in made]


def _held_row(agent_id: str, queue_id: str, user_id: str, username: str, n: int,
              created: datetime) -> dict[str, Any]:
    pages = 1 + n % 12
    color = pages // 3 if n % 4 == 0 else 0
    job = Job(id=new_id(), agent_id=agent_id, agent_job_key=new_id(), printer_id=queue_id,
              username=username, state=JobState.HELD, created_at=created, updated_at=created,
              user_id=user_id, title=f"report {n}.pdf", document_format="application/pdf",
              size_bytes=40_000 * pages, pages=pages, color_pages=color, copies=1,
              duplex=n % 3 == 0, media="iso_a4_210x297mm", sheets=pages,
              estimated_cost_minor=pages - color + 4 * color, currency="EUR",
              state_reason="held for release", message="held: release it at a device",
              decision="hold")
    return job_values(job)


def populate(container: ServerContainer) -> Population:
    """10 agents with a release queue each, their users and 100,000 held jobs."""
    started = time.perf_counter()
    container.ledger.create_price_list(
        "Bench", kind="print", currency="EUR", default=True, actor="bench",
        rules=(PriceRule(color="mono", per_page_minor=1),
               PriceRule(color="color", per_page_minor=4)))
    agent_ids, queue_ids, tokens = [], [], []
    for k in range(AGENTS):
        code, _ = container.devices.create_enrolment_code(actor="bench")
        agent, token = container.devices.register_agent(code, name=f"print-server-{k}",
                                                        hostname=f"ps{k}", version="bench")
        tokens.append(token)
        queue = container.devices.create_printer(
            f"release-{k}", actor="bench", agent_id=agent.id, hold_for_release=True,
            owner_check="release", device_uri=f"socket://192.0.2.{k + 1}:9100")
        agent_ids.append(agent.id)
        queue_ids.append(queue.id)
    typical = _users(container, "typical", TYPICAL_USERS)
    heavy = _users(container, "heavy", HEAVY_USERS)
    log(f"  {len(typical) + len(heavy)} users, {AGENTS} agents "
        f"({time.perf_counter() - started:.0f} s)")
    now = datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    n = 0

    def flush() -> None:
        container.db.write(lambda conn: conn.execute(jobs_table.insert(), rows))
        rows.clear()

    owners = [(user, TYPICAL_HELD, None) for user in typical] + [
        (user, HEAVY_HELD, k % AGENTS) for k, user in enumerate(heavy)]
    for (user, username), count, only in owners:
        for j in range(count):
            k = only if only is not None else j % AGENTS
            created = now - timedelta(seconds=6 * 3600 * (count - j) / count)  # oldest first
            rows.append(_held_row(agent_ids[k], queue_ids[k], user, username, n, created))
            n += 1
            if len(rows) >= 10_000:
                flush()
    if rows:
        flush()
    if container.db.dialect == "postgresql":
        container.db.write(lambda conn: conn.exec_driver_sql("ANALYZE jobs"))
    assert container.jobs.list_jobs(state=JobState.HELD, limit=1)[1] == HELD_JOBS
    devices = [_device_of(container, heavy[k][0]) for k in range(AGENTS)]
    log(f"  {HELD_JOBS:,} held jobs loaded ({time.perf_counter() - started:.0f} s)")
    return Population(queue_ids, devices, [user for user, _ in typical],
                      [user for user, _ in heavy], tokens)


def _device_of(container: ServerContainer, user_id: str) -> str:
    """The one device at which ``user_id``'s held jobs (all on one queue) are released."""
    found = container.release.devices_for(user_id)
    assert len(found) == 1, found
    return found[0].id


# --------------------------------------------------------------------------- listing

@dataclass
class Listing:
    backend: str
    who: str
    held: int
    priced: int
    ours: list[float] = field(default_factory=list)
    bare: list[float] = field(default_factory=list)
    #: SQL statements one listing of this kind executes (the bare SELECT: one).
    statements: int = 0


def statements_of(container: ServerContainer, work: Callable[[], object]) -> int:
    """How many statements ``work`` sends to the database (counted outside the timings)."""
    sent = [0]

    def count(*_: object) -> None:
        sent[0] += 1

    sa.event.listen(container.db.engine, "before_cursor_execute", count)
    try:
        work()
    finally:
        sa.event.remove(container.db.engine, "before_cursor_execute", count)
    return sent[0]


class BareSelect:
    """The listing's SELECT on one open connection of the database's own driver."""

    def __init__(self, url: str) -> None:
        parsed = sa.make_url(url)
        if parsed.get_backend_name() == "sqlite":
            self._sqlite: sqlite3.Connection | None = sqlite3.connect(str(parsed.database))
            self._pg: psycopg.Connection[Any] | None = None
            self._sql = SELECT_HELD.format(mark="?", limit=MAX_JOBS_PER_REQUEST)
        else:
            self._sqlite = None
            self._pg = psycopg.connect(
                host=parsed.host, port=parsed.port, user=parsed.username,
                dbname=parsed.database, autocommit=True)
            self._sql = SELECT_HELD.format(mark="%s", limit=MAX_JOBS_PER_REQUEST)

    def rows(self, user_id: str) -> int:
        if self._sqlite is not None:
            return len(self._sqlite.execute(self._sql, (user_id,)).fetchall())
        assert self._pg is not None
        return len(self._pg.execute(self._sql, (user_id,)).fetchall())

    def close(self) -> None:
        if self._sqlite is not None:
            self._sqlite.close()
        if self._pg is not None:
            self._pg.close()


def listing(backend: str, container: ServerContainer, population: Population,
            calls: int) -> list[Listing]:
    rng = random.Random(7)
    bare = BareSelect(container.db.url)
    release = container.release
    typical = Listing(backend, f"typical user ({TYPICAL_HELD} held)", TYPICAL_HELD,
                      TYPICAL_HELD // AGENTS)
    heavy = Listing(backend, f"heavy user ({HEAVY_HELD} held, the cap)", HEAVY_HELD,
                    HEAVY_HELD)
    try:
        for warm in range(20):  # connections, statement caches
            release.held_jobs(population.typical[warm], device_id=population.devices[0])
            bare.rows(population.typical[warm])
        for call in range(calls):
            user, device = rng.choice(population.typical), rng.choice(population.devices)
            expect, priced = TYPICAL_HELD, typical
            if call % 10 == 0:  # a heavy user every tenth call
                k = rng.randrange(HEAVY_USERS)
                user, device, expect, priced = (population.heavy[k], population.devices[k],
                                                HEAVY_HELD, heavy)
            started = time.perf_counter()
            found = release.held_jobs(user, device_id=device)
            priced.ours.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            rows = bare.rows(user)
            priced.bare.append((time.perf_counter() - started) * 1000)
            assert len(found) == rows == expect, (len(found), rows, expect)
            assert sum(job.cost is not None for job in found) == priced.priced
    finally:
        bare.close()
    typical.statements = statements_of(container, lambda: release.held_jobs(
        population.typical[0], device_id=population.devices[0]))
    heavy.statements = statements_of(container, lambda: release.held_jobs(
        population.heavy[0], device_id=population.devices[0]))
    return [typical, heavy]


# --------------------------------------------------------------------------- release

@dataclass
class Latency:
    path: str
    latencies: list[float]  # ms, release() returned -> first byte at the printer
    #: "release" (to the printer: the target applies), "event" (a part of it), "peer"
    kind: str = "release"
    calls: list[float] = field(default_factory=list)  # ms, the release() call itself
    #: ms, release() returned -> the server logged the job "printing" (the agent had the
    #: event, journaled it and told the server it starts sending), wall clock
    to_printing: list[float] = field(default_factory=list)


def start_agent(data_dir: Path, server_url: str, code: str, *, name: str,
                extra: str = "") -> tuple[subprocess.Popen[bytes], int]:
    """``printwarden agent`` with its default settings (DNS-SD off), enrolled with ``code``."""
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "agent.toml").write_text("[agent]\n" + AGENT_SETTINGS + extra)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRINTWARDEN_")}
    with (data_dir.parent / f"{data_dir.name}.log").open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "printwarden", "agent", "--data-dir", str(data_dir),
             "--server", server_url, "--host", "127.0.0.1", "--port", str(port),
             "--name", name, "--enrol", code],
            stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)

    def healthy() -> bool:
        if proc.poll() is not None:
            raise RuntimeError(f"the agent exited; see its log beside {data_dir}")
        with contextlib.suppress(httpx.HTTPError):
            return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).is_success
        return False

    wait_until(healthy, "the agent's /healthz", 60)
    return proc, port


def document(n: int) -> bytes:
    return f"release benchmark job {n}\n".encode()


def submit(http: httpx.Client, url: str, printer_uri: str, user: str, n: int,
           fmt: str) -> None:
    body = ipp_request(Operation.PRINT_JOB, printer_uri, mime_media_type("document-format", fmt),
                       user=user, request_id=n + 1)
    answer = http.post(url, content=body + document(n))
    message = decode(answer.content)[0]
    if answer.status_code != 200 or message.operation_id != StatusCode.SUCCESSFUL_OK:
        raise RuntimeError(f"Print-Job {n} refused: {answer.status_code} {message}")


@dataclass
class Fleet:
    """Agent A (holds the jobs, its queue's device is ``near``) and agent B (serves the
    ``far`` device of the same release group, fetches find-me jobs from A)."""

    user_id: str
    token: str
    near_device: str
    far_device: str
    near: TcpSink
    far: TcpSink
    url: str
    procs: list[subprocess.Popen[bytes]]


@contextlib.contextmanager
def fleet(backend: str, server: ServerProcess, tmp: Path) -> Iterator[Fleet]:
    container = server.container
    user = container.accounts.create_user("releaser", actor="bench")
    container.ledger.post_entry(container.ledger.credit_account(user.id).id, Money(FUNDS),
                                "top-up", idempotency_key=new_id(), actor="bench")
    token, _ = container.accounts.create_api_token(user.id, "release", actor="bench")
    procs: list[subprocess.Popen[bytes]] = []
    with TcpSink() as near, TcpSink() as far:
        try:
            code, _ = container.devices.create_enrolment_code(actor="bench")
            proc_a, port_a = start_agent(tmp / f"agent-a-{backend.lower()}", server.url, code,
                                         name="release-bench")
            procs.append(proc_a)
            code, _ = container.devices.create_enrolment_code(actor="bench")
            proc_b, _ = start_agent(
                tmp / f"agent-b-{backend.lower()}", server.url, code, name="release-bench-b",
                extra=f'[agent.find_me_peers]\n"release-bench" = "http://127.0.0.1:{port_a}"\n')
            procs.append(proc_b)
            agent_a = container.devices.find_agent_by_name("release-bench")
            agent_b = container.devices.find_agent_by_name("release-bench-b")
            assert agent_a is not None and agent_b is not None
            queue = container.devices.create_printer(
                "release-live", actor="bench", agent_id=agent_a.id, device_uri=near.uri,
                hold_for_release=True, owner_check="release")
            assert queue.release_group_id is not None
            far_device = container.devices.create_device("release-far", actor="bench",
                                                         agent_id=agent_b.id,
                                                         device_uri=far.uri)
            container.devices.add_release_group_member(queue.release_group_id, far_device.id,
                                                       actor="bench")
            near_device = container.devices.find_device_by_name("release-live")
            assert near_device is not None
            url = f"http://127.0.0.1:{port_a}/ipp/print/release-live"

            def queue_ready() -> bool:
                with contextlib.suppress(httpx.HTTPError):
                    page = httpx.get(url, timeout=2)
                    return page.status_code == 200 and "other-error" not in page.text
                return False

            wait_until(queue_ready, "the agent's release queue", 60, 0.2)
            yield Fleet(user.id, token, near_device.id, far_device.id, near, far, url, procs)
        finally:
            for proc in procs:
                stop_group(proc)


def hold_jobs(container: ServerContainer, crew: Fleet, count: int) -> list[str]:
    """Submit ``count`` one-page jobs over IPP to agent A; answer their ids once held."""
    printer_uri = crew.url.replace("http://", "ipp://")
    with httpx.Client(timeout=60, headers={"Content-Type": "application/ipp"}) as http:
        for n in range(count):
            submit(http, crew.url, printer_uri, "releaser", n, "text/plain")
    wait_until(lambda: container.jobs.list_jobs(
        user_id=crew.user_id, state=JobState.HELD, limit=1)[1] == count,
        "the jobs to be held", 300, 0.5)
    return [job.job_id for job in container.release.held_jobs(crew.user_id)]


def release_latency(backend: str, server: ServerProcess, tmp: Path,
                    count: int) -> list[Latency]:
    """Same agent and find-me: each held job released alone by its owner over REST
    (``POST /api/v1/release/release``, the path the kiosk, mobile page and terminals take
    into the server process), timed from sending the request to the first byte at the
    device's sink. Same-agent and find-me releases alternate."""
    container = server.container
    with fleet(backend, server, tmp) as crew:
        held = hold_jobs(container, crew, 2 * count)
        rng = random.Random(11)
        same = Latency(f"{backend}: same agent, first byte at the printer", [])
        find_me = Latency(f"{backend}: find-me (agent B fetches from A), first byte", [])
        with httpx.Client(base_url=server.url, timeout=60,
                          headers={"Authorization": f"Bearer {crew.token}"}) as http:
            for i, job_id in enumerate(held):
                result, device, sink = ((same, crew.near_device, crew.near) if i % 2 == 0
                                        else (find_me, crew.far_device, crew.far))
                time.sleep(rng.uniform(0, PAUSE_SECONDS))
                sent, sent_at = time.perf_counter(), datetime.now(UTC)
                answer = http.post("/api/v1/release/release",
                                   json={"device_id": device, "job_ids": [job_id]})
                returned = time.perf_counter()
                if answer.status_code != 200 or not answer.json()[0]["ok"]:
                    raise RuntimeError(f"release refused: {answer.status_code} {answer.text}")
                first = sink.wait_for_first_byte(len(result.latencies), 30)
                result.latencies.append((first - sent) * 1000)
                result.calls.append((returned - sent) * 1000)
                printing = next(event.at for event in container.jobs.job_events(job_id)
                                if event.to_state is JobState.PRINTING)
                if printing.tzinfo is None:  # SQLite keeps no zone: the server writes UTC
                    printing = printing.replace(tzinfo=UTC)
                result.to_printing.append((printing - sent_at).total_seconds() * 1000)
        crew.near.wait_for_arrivals(count, 60)
        crew.far.wait_for_arrivals(count, 60)
    return [same, find_me]


def event_delivery(backend: str, server: ServerProcess, population: Population,
                   count: int) -> Latency:
    """From ``release`` returning to the ``release`` event reaching a bare long poll that
    holds the holding agent's token (the first part of the release latency, without an
    agent): releases ``count`` of the first heavy user's jobs, on agent 0."""
    container = server.container
    principal = container.principal_for_user(population.heavy[0])
    assert principal is not None
    jobs = container.release.held_jobs(population.heavy[0])[:count]
    arrived: dict[str, float] = {}
    caught_up, stop = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def long_poll() -> None:
        after: str | None = None
        headers = {"Authorization": f"Bearer {population.tokens[0]}"}
        try:
            with httpx.Client(base_url=server.url, headers=headers, timeout=60) as http:
                while not stop.is_set():
                    params: dict[str, Any] = {"wait": 5, **({"after": after} if after else {})}
                    events = http.get("/api/v1/agent/events", params=params).json()
                    now = time.perf_counter()
                    for event in events:
                        after = event["id"]
                        if event["kind"] == "release":
                            arrived[event["payload"]["job_id"]] = now
                    if not events:
                        caught_up.set()  # the configuration events before are read
        except BaseException as exc:  # reported by the caller
            failures.append(exc)
            caught_up.set()

    poller = threading.Thread(target=long_poll, name="bench-long-poll", daemon=True)
    poller.start()
    caught_up.wait(30)
    rng = random.Random(13)
    result = Latency(f"{backend}: event at a bare long poll", [], kind="event")
    try:
        for job in jobs:
            time.sleep(rng.uniform(0, PAUSE_SECONDS))
            called = time.perf_counter()
            outcome = container.release.release(principal, population.devices[0],
                                                [job.job_id])
            returned = time.perf_counter()
            if not outcome[0].ok:
                raise RuntimeError(f"release refused: {outcome[0].message}")
            wait_until(lambda job_id=job.job_id: job_id in arrived or failures,
                       "the release event", 30, 0.001)
            if failures:
                raise failures[0]
            result.latencies.append((arrived[job.job_id] - returned) * 1000)
            result.calls.append((returned - called) * 1000)
    finally:
        stop.set()
        poller.join(15)
    return result


def cupsd_latency(tmp: Path, count: int) -> Latency:
    """A private cupsd's raw queue on a TCP sink: ``count`` jobs held with ``lp -H hold``,
    then each released alone with ``lp -i ID -H resume`` after a random pause, timed from
    starting that command to the first byte at the sink (the same path as ours: a held
    job, a release request, the spooler sends)."""
    cupsd = Cupsd(tmp / "cupsd")
    with TcpSink() as sink:
        try:
            cupsd.start()
            subprocess.run(["lpadmin", "-p", "peer", "-E", "-v", sink.uri, "-m", "raw"],
                           env=cupsd.env, check=True, capture_output=True, timeout=30)
            ids = []
            for n in range(count):
                path = tmp / f"cups-job-{n}.txt"
                path.write_bytes(document(n))
                out = subprocess.run(["lp", "-d", "peer", "-H", "hold", "-o", "raw",
                                      str(path)], env=cupsd.env, check=True,
                                     capture_output=True, text=True, timeout=30).stdout
                ids.append(out.split("request id is ", 1)[1].split()[0])  # peer-N
            rng = random.Random(11)
            latencies = []
            for n, job in enumerate(ids):
                time.sleep(rng.uniform(0, PAUSE_SECONDS))
                sent = time.perf_counter()
                subprocess.run(["lp", "-i", job, "-H", "resume"], env=cupsd.env, check=True,
                               capture_output=True, timeout=30)
                latencies.append((sink.wait_for_first_byte(n, 30) - sent) * 1000)
            arrived = sorted(a.data for a in sink.wait_for_arrivals(count, 60))
            if arrived != sorted(document(n) for n in range(count)):
                raise RuntimeError("cupsd did not send each held document once")
        finally:
            cupsd.stop()
    return Latency("cupsd (peer): `lp -i ID -H resume` to first byte", latencies, kind="peer")


# --------------------------------------------------------------------------- report

def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def report(listings: list[Listing], latencies: list[Latency], *, quick: bool,
           when: str, command: str, load_after: str) -> str:
    lines = [
        SECTION, "",
        f"Run {when} on {machine()}; Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, SQLAlchemy {sa.__version__}, "
        f"CUPS {cups_version()}. Produced by `{command}`.", "",
        f"Load before the run: `{LOAD_AT_START}`; after: `{load_after}` (a shared 2-core "
        "machine; the benchmark, the server process, the agent process, the database and "
        "cupsd share those cores).", "",
        "### Held-job listing", "",
        f"{HELD_JOBS:,} held jobs on {AGENTS} agents (one release queue each): "
        f"{TYPICAL_USERS:,} users with {TYPICAL_HELD} held jobs each ({TYPICAL_HELD // AGENTS} "
        f"on every queue) and {HEAVY_USERS} users with {HEAVY_HELD} each (the listing cap, "
        "all on one queue). Ours: `ReleaseService.held_jobs(user, device_id=...)` in "
        "process, a typical user at a random device (his jobs of that device's queue "
        "priced, the others marked not releasable there), a heavy user at his queue's "
        "device (all priced). Bare SELECT: the same query "
        "(`WHERE user_id = ? AND state = 'held' ORDER BY created_at, id LIMIT 500`, index "
        "`ix_jobs_user_state_created`) through sqlite3 / psycopg on one open connection, "
        "rows fetched. SQLite: a file, WAL, synchronous=FULL; PostgreSQL: a local cluster "
        "with fsync on. Job rows bulk-inserted (see the benchmark's docstring).", "",
        "| Backend | User | Priced jobs | SQL statements | Calls | ours p50 ms | "
        "ours p99 ms | bare p50 ms | bare p99 ms | Target < 50 ms |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for item in listings:
        lines.append(
            f"| {item.backend} | {item.who} | {item.priced} | {item.statements} | "
            f"{len(item.ours)} | "
            f"{quantile(item.ours, 0.5):.1f} | {quantile(item.ours, 0.99):.1f} | "
            f"{quantile(item.bare, 0.5):.2f} | {quantile(item.bare, 0.99):.2f} | "
            f"{verdict(quantile(item.ours, 0.99) < TARGET_LISTING_MS)} (p99) |")
    lines += [
        "", "### Release latency (same agent and find-me)", "",
        "A `printwarden server` process on the listing's database (its 100,000 held jobs "
        "included); agent A (a `printwarden agent` process, default settings) holds the "
        "jobs of an 11th release queue whose device is a `socket://` TCP sink run by the "
        "benchmark; agent B (another process) serves a second device of the same release "
        "group, another sink, and has A in its `find_me_peers`. Each held job (one text "
        "page, submitted over IPP to A) is released alone by its owner through the REST "
        "route the kiosk, mobile page and terminals use (`POST /api/v1/release/release`, "
        "one job id, a user API token, httpx keep-alive), after a random pause of 0-"
        f"{PAUSE_SECONDS:g} s, alternately at A's device (same agent: a local move) and at "
        "B's (find-me: B gets a `fetch` event, fetches the document from A's listener with "
        "the signed token, spools and sends it). Latency is from sending the request to "
        "the first byte at that device's sink. Peer: a private cupsd (no system service) "
        "with a raw queue to the same kind of sink; each job held with `lp -H hold`, then "
        "released with `lp -i ID -H resume`, timed from starting that command (its process "
        "start included, a few ms) to the first byte.", "",
        "| Path | Samples | p50 ms | p99 ms | max ms | to \"printing\" p50 / p99 ms | "
        "`release()` call p50 ms | Target p99 < 300 ms |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for item in latencies:
        call = f"{statistics.median(item.calls):.1f}" if item.calls else "n/a"
        split = (f"{quantile(item.to_printing, 0.5):.0f} / "
                 f"{quantile(item.to_printing, 0.99):.0f}" if item.to_printing else "n/a")
        target = {"release": verdict(quantile(item.latencies, 0.99) < TARGET_RELEASE_P99_MS),
                  "event": "its first part", "peer": "peer"}[item.kind]
        lines.append(f"| {item.path} | {len(item.latencies)} | "
                     f"{quantile(item.latencies, 0.5):.0f} | "
                     f"{quantile(item.latencies, 0.99):.0f} | {max(item.latencies):.0f} | "
                     f"{split} | {call} | {target} |")
    lines += ["", "\"To printing\": from sending the release request to the moment the "
              "server logged the job `printing` (the agent had the event, journaled the "
              "release and told the server it starts sending; wall clock, same machine); "
              "the rest is the agent journaling `forwarding`, connecting and sending (for "
              "find-me, B logs `printing` once it has fetched and spooled the document). "
              "\"`release()` call\": the REST request itself. "
              "\"Event at a bare long poll\": releases of jobs held on one of the "
              "ten agents without a process, by `ReleaseService.release` in the "
              "benchmark's own process (a second server instance, as far as the server "
              "process is concerned), timed to the moment their `release` event reached a "
              "plain HTTP client long-polling `GET /api/v1/agent/events` with that agent's "
              "token: the event's way through another instance, which only the database "
              f"poll ({POLL_SECONDS:g} s) carries.", "", NOTES]
    if quick:
        lines += ["", "`--quick`: fewer listing calls and releases; the population is the "
                  "full 100,000 held jobs."]
    return "\n".join(lines) + "\n"


NOTES = (
    "Where the release time goes: the release commits the job's `releasing` state and a "
    "`release` event for the agent in one transaction; after the commit the server rings "
    "its event bell (`devices/event_bell.py`) and the agent's waiting long poll answers at "
    "once. The agent journals the release, tells the server the job is printing, journals "
    "`forwarding` and connects to the device. An event written by ANOTHER server instance "
    f"(the bare long poll row) still waits for the database poll, 0 to {POLL_SECONDS:g} s "
    "(`POLL_SECONDS` in `web/api/agent_link.py`); PostgreSQL `LISTEN/NOTIFY` is the seam "
    "for that (`docs/protocols/agent-link.md`).")


# --------------------------------------------------------------------------- runs

def bench_backend(backend: str, database_url: str, tmp: Path, calls: int,
                  releases: int) -> tuple[list[Listing], list[Latency]]:
    log(backend)
    server = ServerProcess(tmp / f"server-{backend.lower()}", database_url=database_url,
                           max_top_up_minor=FUNDS)
    try:
        population = populate(server.container)
        found = listing(backend, server.container, population, calls)
        for item in found:
            log(f"  listing, {item.who}: ours p50 {quantile(item.ours, 0.5):.1f} "
                f"p99 {quantile(item.ours, 0.99):.1f} ms; bare p50 "
                f"{quantile(item.bare, 0.5):.2f} ms")
        server.start()
        paths = release_latency(backend, server, tmp, releases)
        event = event_delivery(backend, server, population, releases)
        for item in (*paths, event):
            log(f"  {item.path}: p50 {quantile(item.latencies, 0.5):.0f} p99 "
                f"{quantile(item.latencies, 0.99):.0f} ms")
        held = server.container.jobs.list_jobs(state=JobState.HELD, limit=1)[1]
        assert held == HELD_JOBS - releases, f"{held} held jobs: the population changed"
    finally:
        server.close()
    return found, [*paths, event]


@contextlib.contextmanager
def postgres(tmp: Path) -> Iterator[Callable[[str], str]]:
    cluster = PostgresCluster(fsync=True)
    cluster.start()
    admin = sa.create_engine(cluster.url(), isolation_level="AUTOCOMMIT")

    def database(name: str) -> str:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
        return cluster.url(name)

    try:
        yield database
    finally:
        admin.dispose()
        cluster.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer calls and releases")
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--releases", type=int, default=0,
                        help="releases per path (default 300, 40 with --quick)")
    args = parser.parse_args()
    calls = 200 if args.quick else 2000
    releases = args.releases or (40 if args.quick else 300)
    command = "benchmarks/release.py" + "".join(f" {a}" for a in sys.argv[1:]
                                                if a != "--write")
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    tmp = Path(tempfile.mkdtemp(prefix="pw-release-bench-"))
    tmp.chmod(0o755)  # cupsd's backends run as lp and read the spool below it
    listings: list[Listing] = []
    latencies: list[Latency] = []
    try:
        found, latency = bench_backend("SQLite", f"sqlite:///{tmp / 'release.db'}", tmp,
                                       calls, releases)
        listings += found
        latencies += latency
        if not args.no_postgres:
            with postgres(tmp) as database:
                found, latency = bench_backend("PostgreSQL", database("release_bench"), tmp,
                                               calls, releases)
            listings += found
            latencies += latency
        log("cupsd")
        latencies.append(cupsd_latency(tmp, releases))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    section = report(listings, latencies, quick=args.quick, when=when, command=command,
                     load_after=uptime())
    print(section)
    if args.write:
        write_section(section)


if __name__ == "__main__":
    main()
