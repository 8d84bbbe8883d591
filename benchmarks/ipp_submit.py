"""Agent IPP submission benchmark: our agent queue against a private cupsd, side by side.

Run from the repository root, as root (cupsd needs it):

    .venv/bin/python benchmarks/ipp_submit.py [--quick] [--jobs N] [--held N] [--write]

In one run:

- jobs/s and p50/p99 accept latency (request sent -> ``successful-ok`` received) of
  Print-Job over IPP (our codec ``printwarden.ipp`` + httpx, one keep-alive connection per
  client thread) for a 1-page and a 100-page PDF (text on every page, made by gs pdfwrite),
  with 1 and 8 concurrent clients, a fixed count of jobs per measurement bounded by a
  duration, against
  (a) our agent (``python -m printwarden agent`` subprocess, enrolled at a real server
      on SQLite served by uvicorn in a child process) on a queue forwarding to a
      ``socket://`` TCP sink that discards the data; after each measurement the time the
      backlog takes to drain (analysis, authorize, forward) is measured separately;
  (b) a private cupsd (docs RECIPES: no system service) with a raw queue on
      ``file:///dev/null``, the same client and documents;
- the agent's RSS (``VmRSS`` of /proc/PID/status, plus its analysis worker): idle after
  start with its queue loaded, and with N (10,000) jobs held for release (8 clients
  submitting tiny PDFs over IPP, bounded in time).

Prints a Markdown section; ``--write`` replaces the "## Agent IPP submission" section of
docs/benchmarks.md (other sections are kept byte for byte).
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

import httpx  # noqa: E402
import uvicorn  # noqa: E402

from printwarden.core.money import Money  # noqa: E402
from printwarden.core.pricing import PriceRule  # noqa: E402
from printwarden.core.settings import load_server_settings  # noqa: E402
from printwarden.db.engine import Database  # noqa: E402
from printwarden.db.migrate import upgrade  # noqa: E402
from printwarden.ipp import (  # noqa: E402
    AttributeGroup,
    DelimiterTag,
    IppMessage,
    Operation,
    StatusCode,
    charset,
    decode,
    encode,
    mime_media_type,
    name,
    natural_language,
    uri,
)
from printwarden.jobs.model import JobState  # noqa: E402
from printwarden.server.bootstrap import build_server  # noqa: E402

DOC = ROOT / "docs" / "benchmarks.md"
SECTION = "## Agent IPP submission"
USER = "bench"
FUNDS = 10**13
AGENT_SETTINGS = """events_wait_seconds = 1.0
health_min_seconds = 0.2
health_max_seconds = 1.0
forward_max_delay_seconds = 0.5
forward_delay_seconds = 0.1
request_timeout_seconds = 30.0
min_free_bytes = 0
"""
NOTES = (
    "Where the time goes (py-spy of the agent at 200 Hz, 2026-11-27). Each acknowledged job "
    "costs three fsyncs in series (the document, the spool directory after the rename, "
    "the journal's WAL at commit), on a disk where one fsync takes ~0.35 ms idle and "
    "several ms while other work writes; cupsd answers without any. With one client "
    "nothing can be grouped, so the 1-client figures are bound by those fsyncs plus "
    "Python's HTTP and IPP handling; with 8 clients the journal commits of concurrent "
    "acceptances share one transaction (group commit). The agent's other work per job "
    "(authorize and complete over HTTP to the server, forwarding) runs in the same "
    "process, and the server, the analysis worker, the client threads and cupsd share the "
    "same 2 cores: acceptance competes with the backlog drain it creates. "
    "What changed on 2026-11-27 (the first run on record gave 36-40 jobs/s and p99 "
    "19-41x cupsd): the IPP front end re-read every open job from the journal on every "
    "request (O(open jobs) per request, O(n^2) per run), now it follows the journal's "
    "change feed; the queue worker loaded the whole backlog to take one job, now it reads "
    "the next one through an index; every Print-Job answer scanned the job table "
    "(number-of-intervening-jobs, the finished-job sweep), now neither does; journal "
    "commits blocked the event loop, now one writer thread commits them, grouped; "
    "document analysis ran in a thread of the agent and held its GIL (100-page PDFs: "
    "83 jobs/s and p99 41 ms with one client), now it runs in a worker process at a lower "
    "priority (the memory figures include that worker). "
    "The 2x target cannot be met by a spool that is durable per job with one client on "
    "this disk: three fsyncs take longer than cupsd's whole answer (0.5-0.8 ms). Meeting "
    "it would need acknowledging before the fsync (which the brief forbids) or a batched "
    "acknowledgement that only helps concurrent clients.")
TARGET_RATIO = 2.0
TARGET_P99 = 1.5
TARGET_IDLE_MB = 80.0
TARGET_HELD_MB = 200.0
MIB = 1024 * 1024


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(condition: Callable[[], Any], what: str, timeout: float,
               step: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(step)


# --------------------------------------------------------------------------- documents

def make_pdf(path: Path, pages: int) -> Path:
    """``pages`` A4 pages of 60 lines of Helvetica text each, through gs pdfwrite."""
    program = (
        "/Helvetica findfont 10 scalefont setfont "
        f"1 1 {pages} {{ /p exch def "
        "0 1 59 { /l exch def 50 800 l 12 mul sub moveto "
        "(Page ) show p 6 string cvs show (, line ) show l 3 string cvs show "
        "( - printwarden benchmark text, the quick brown fox jumps over the lazy dog.) show "
        "} for showpage } for")
    subprocess.run(["gs", "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=pdfwrite",
                    "-sPAPERSIZE=a4", f"-sOutputFile={path}", "-c", program],
                   check=True, timeout=120)
    return path


# --------------------------------------------------------------------------- server (child)

def _sink(listener: socket.socket, received: list[int]) -> None:
    """Accept connections forever; read each to EOF and count the bytes."""
    def drain(conn: socket.socket) -> None:
        with conn:
            while chunk := conn.recv(1 << 16):
                received[0] += len(chunk)
    while True:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        threading.Thread(target=drain, args=(conn,), daemon=True).start()


def server_main(conn: Connection, root: Path, port: int, sink_port: int) -> None:
    """The real server (SQLite file, uvicorn) and the TCP sink; commands over ``conn``."""
    db = Database(f"sqlite:///{root / 'server.db'}")
    upgrade(db)
    # a benchmark's credit is one big top-up: over the per-top-up cap of a real server
    container = build_server(load_server_settings(root / "server", database_url=db.url,
                                                  max_top_up_minor=FUNDS),
                             db=db, migrate=False)
    from printwarden.web.app import create_app

    container.ledger.create_price_list(
        "Bench", kind="print", currency="EUR", default=True, actor="bench",
        rules=(PriceRule(color="mono", per_page_minor=1),
               PriceRule(color="color", per_page_minor=4)))
    user = container.accounts.create_user(USER, full_name="Bench", actor="bench")
    container.ledger.post_entry(container.ledger.credit_account(user.id).id,
                                Money(FUNDS, "EUR"), "top-up", idempotency_key="bench-top-up",
                                actor="bench", note="benchmark credit")
    received = [0]
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", sink_port))
    listener.listen(128)
    threading.Thread(target=_sink, args=(listener, received), daemon=True).start()
    config = uvicorn.Config(create_app(container), host="127.0.0.1", port=port,
                            log_config=None, access_log=False, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_until(lambda: server.started, "the server", 30, 0.05)
    conn.send("ready")
    try:
        while True:
            command, args = conn.recv()
            try:
                if command == "stop":
                    break
                if command == "code":
                    conn.send(container.devices.create_enrolment_code(actor="bench")[0])
                elif command == "queue":
                    agent_name, queue, device_uri, hold = args
                    agent = next(a for a in container.devices.list_agents()
                                 if a.name == agent_name)
                    # like cupsd's queue, the benchmark's takes requesting-user-name as
                    # it comes (no IPP authentication: the same work on both sides)
                    container.devices.create_printer(
                        queue, actor="bench", agent_id=agent.id, device_uri=device_uri,
                        hold_for_release=hold, failure_policy="hold",
                        owner_check="trusted-network")
                    conn.send(True)
                elif command == "held":
                    conn.send(container.jobs.list_jobs(state=JobState.HELD, limit=1)[1])
                elif command == "received":
                    conn.send(received[0])
                else:
                    conn.send(RuntimeError(f"unknown command {command}"))
            except Exception as exc:  # reported to the parent
                conn.send(exc)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()
        db.dispose()


class ServerProcess:
    def __init__(self, root: Path) -> None:
        self.port = free_port()
        self.sink_port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._conn, child = multiprocessing.get_context("fork").Pipe()
        self._proc = multiprocessing.get_context("fork").Process(
            target=server_main, args=(child, root, self.port, self.sink_port), daemon=True)
        self._lock = threading.Lock()

    def start(self) -> None:
        self._proc.start()
        if not self._conn.poll(60):
            raise RuntimeError("the server process did not start")
        self._conn.recv()

    def call(self, command: str, args: Any = None) -> Any:
        with self._lock:
            self._conn.send((command, args))
            answer = self._conn.recv()
        if isinstance(answer, Exception):
            raise answer
        return answer

    def stop(self) -> None:
        if self._proc.is_alive():
            with contextlib.suppress(OSError, EOFError):
                self._conn.send(("stop", None))
            self._proc.join(10)
        if self._proc.is_alive():
            self._proc.kill()
            self._proc.join(5)


# --------------------------------------------------------------------------- agent


def stop_group(proc: subprocess.Popen[bytes] | None) -> None:
    """SIGTERM the process group of ``proc`` (started in its own session), then SIGKILL."""
    if proc is None or proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

@dataclass
class Agent:
    data_dir: Path
    server_url: str
    agent_name: str
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    def base(self, queue: str) -> str:
        return f"http://127.0.0.1:{self.port}/ipp/print/{queue}"

    def uri(self, queue: str) -> str:
        return f"ipp://127.0.0.1:{self.port}/ipp/print/{queue}"

    def start(self, code: str) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        (self.data_dir / "agent.toml").write_text(AGENT_SETTINGS)
        args = [sys.executable, "-m", "printwarden", "agent", "--data-dir", str(self.data_dir),
                "--server", self.server_url, "--host", "127.0.0.1", "--port", str(self.port),
                "--name", self.agent_name, "--enrol", code]
        env = {k: v for k, v in os.environ.items() if not k.startswith("PRINTWARDEN_")}
        env["PYTHONPATH"] = str(ROOT / "src")
        with (self.data_dir.parent / f"{self.agent_name}.log").open("ab") as log:
            self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env,
                                         start_new_session=True)
        wait_until(self._healthy, "the agent's /healthz", 60)

    def _healthy(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise RuntimeError("the agent exited; see its log in " + str(self.data_dir.parent))
        try:
            return httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=2).is_success
        except httpx.HTTPError:
            return False

    def serves(self, queue: str) -> bool:
        try:
            return httpx.get(self.base(queue), timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def counters(self, queue: str) -> dict[str, float]:
        text = httpx.get(f"http://127.0.0.1:{self.port}/metrics", timeout=10).text
        found: dict[str, float] = {}
        for kind in ("accepted", "completed", "failed"):
            match = re.search(rf'^printwarden_agent_jobs_{kind}_total\{{queue="{queue}"\}} '
                              r"(\S+)$", text, re.M)
            found[kind] = float(match.group(1)) if match else 0.0
        return found

    def memory(self) -> tuple[float, float]:
        """(VmRSS, VmHWM) in MiB of the agent and its children (the analysis worker)."""
        assert self.proc is not None
        rss = hwm = 0.0
        for pid in [self.proc.pid, *_children(self.proc.pid)]:
            values = {}
            with contextlib.suppress(FileNotFoundError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    key, _, rest = line.partition(":")
                    if key in ("VmRSS", "VmHWM"):
                        values[key] = int(rest.split()[0]) / 1024
            rss += values.get("VmRSS", 0.0)
            hwm += values.get("VmHWM", 0.0)
        return rss, hwm

    def stop(self) -> None:
        stop_group(self.proc)


# --------------------------------------------------------------------------- cupsd

CUPSD_CONF = """Listen 127.0.0.1:{port}
LogLevel warn
MaxJobs 0
PreserveJobHistory No
PreserveJobFiles No
<Location />
Order allow,deny
Allow all
</Location>
DefaultAuthType None
<Policy default>
<Limit All>
Order deny,allow
</Limit>
</Policy>
"""
CUPS_FILES_CONF = """RequestRoot {root}/spool
CacheDir {root}/cache
StateDir {root}/run
ErrorLog {root}/log/error_log
AccessLog {root}/log/access_log
PageLog {root}/log/page_log
ServerRoot {root}
User lp
Group lp
FileDevice Yes
"""


class Cupsd:
    """A throwaway cupsd (RECIPES.md) with a raw queue ``sink`` on file:///dev/null."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.env = {**os.environ, "CUPS_SERVER": f"127.0.0.1:{self.port}"}

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}/printers/sink"

    @property
    def uri(self) -> str:
        return f"ipp://127.0.0.1:{self.port}/printers/sink"

    def start(self) -> None:
        for sub in ("spool", "cache", "log", "run"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        self.root.chmod(0o755)
        shutil.chown(self.root / "spool", "lp", "lp")
        shutil.chown(self.root / "cache", "lp", "lp")
        (self.root / "cupsd.conf").write_text(CUPSD_CONF.format(port=self.port))
        (self.root / "cups-files.conf").write_text(CUPS_FILES_CONF.format(root=self.root))
        self.proc = subprocess.Popen(
            ["cupsd", "-f", "-c", str(self.root / "cupsd.conf"),
             "-s", str(self.root / "cups-files.conf")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        wait_until(self._running, "cupsd", 30, 0.2)
        subprocess.run(["lpadmin", "-p", "sink", "-E", "-v", "file:///dev/null", "-m", "raw"],
                       env=self.env, check=True, capture_output=True, timeout=30)

    def _running(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise RuntimeError(f"cupsd exited; see {self.root / 'log'}")
        out = subprocess.run(["lpstat", "-r"], env=self.env, capture_output=True, text=True,
                             timeout=10)
        return "is running" in out.stdout and "not running" not in out.stdout

    def pending(self) -> int:
        out = subprocess.run(["lpstat", "-o", "sink"], env=self.env, capture_output=True,
                             text=True, timeout=30)
        return len([line for line in out.stdout.splitlines() if line.strip()])

    def stop(self) -> None:
        stop_group(self.proc)


def cups_version() -> str:
    out = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "cups-daemon"],
                         capture_output=True, text=True, check=False)
    return out.stdout.strip() or "unknown"


# --------------------------------------------------------------------------- IPP load

def print_job_header(printer_uri: str, request_id: int) -> bytes:
    return encode(IppMessage(Operation.PRINT_JOB, request_id, [
        AttributeGroup(DelimiterTag.OPERATION, [
            charset("attributes-charset", "utf-8"),
            natural_language("attributes-natural-language", "en"),
            uri("printer-uri", printer_uri),
            name("requesting-user-name", USER),
            name("job-name", f"bench-{request_id}"),
            mime_media_type("document-format", "application/pdf"),
        ])], (2, 0)))


@dataclass
class Load:
    jobs: int
    seconds: float
    latencies: list[float]
    errors: int
    bounded: bool

    @property
    def per_second(self) -> float:
        return self.jobs / self.seconds if self.seconds else 0.0

    def quantile(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000


def submit(http_url: str, printer_uri: str, document: bytes, clients: int, jobs: int,
           max_seconds: float, warm: bool = True) -> Load:
    """``jobs`` Print-Jobs split over ``clients`` threads (keep-alive), bounded in time."""
    shares = [jobs // clients + (1 if i < jobs % clients else 0) for i in range(clients)]
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    failures: list[BaseException] = []
    barrier = threading.Barrier(clients + 1)
    deadline = [0.0]
    sessions = [httpx.Client(timeout=120, headers={"Content-Type": "application/ipp"})
                for _ in range(clients)]

    def one(client: int, request_id: int) -> float:
        body = print_job_header(printer_uri, request_id) + document
        started = time.perf_counter()
        response = sessions[client].post(http_url, content=body)
        elapsed = time.perf_counter() - started
        if (response.status_code != 200
                or decode(response.content)[0].status_code != StatusCode.SUCCESSFUL_OK):
            errors[client] += 1
        return elapsed

    def loop(client: int) -> None:
        try:
            if warm:
                one(client, 1)
            barrier.wait()
            for n in range(shares[client]):
                if time.perf_counter() > deadline[0]:
                    break
                latencies[client].append(one(client, n + 2))
        except BaseException as exc:  # reported after the run
            failures.append(exc)
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.abort()

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(clients)]
    try:
        for thread in threads:
            thread.start()
        deadline[0] = time.perf_counter() + 3600
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()
        started = time.perf_counter()
        deadline[0] = started + max_seconds
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
    finally:
        for session in sessions:
            session.close()
    if failures:
        raise failures[0]
    flat = [x for per in latencies for x in per]
    good = len(flat) - sum(errors)
    return Load(good, elapsed, flat, sum(errors), len(flat) < jobs)


# --------------------------------------------------------------------------- runs

@dataclass
class Pair:
    pages: int
    size: int
    clients: int
    ours: Load
    cups: Load
    drain: float | None  # seconds for our backlog to go through analysis/authorize/forward
    drain_jobs: int
    cups_drain: float | None


@dataclass
class Memory:
    idle_rss: float
    held_target: int
    submitted: Load
    held: int
    held_rss: float
    held_hwm: float
    held_wait: float


def _children(pid: int) -> list[int]:
    """Every descendant of ``pid`` (from /proc/*/stat parent ids)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = [], [pid]
    while frontier:
        current = frontier.pop()
        kids = [child for child, parent in parents.items() if parent == current]
        found.extend(kids)
        frontier.extend(kids)
    return found


def wait_drain(done: Callable[[], bool], bound: float) -> float | None:
    started = time.perf_counter()
    while time.perf_counter() - started < bound:
        if done():
            return time.perf_counter() - started
        time.sleep(0.2)
    return None


def throughput(server: ServerProcess, tmp: Path, docs: dict[int, bytes], jobs: int,
               max_seconds: float, drain_bound: float) -> list[Pair]:
    agent = Agent(tmp / "agent-throughput", server.url, "bench-throughput")
    cupsd = Cupsd(tmp / "cupsd")
    pairs: list[Pair] = []
    try:
        agent.start(server.call("code"))
        server.call("queue", (agent.agent_name, "bench",
                              f"socket://127.0.0.1:{server.sink_port}", False))
        wait_until(lambda: agent.serves("bench"), "the agent queue", 30)
        cupsd.start()
        for pages, document in docs.items():
            for clients in (1, 8):
                before = agent.counters("bench")
                ours = submit(agent.base("bench"), agent.uri("bench"), document, clients, jobs,
                              max_seconds)
                target = before["accepted"] + ours.jobs + clients

                def drained(target: float = target) -> bool:
                    now = agent.counters("bench")
                    return (now["accepted"] >= target
                            and now["completed"] + now["failed"] >= now["accepted"])

                drain = wait_drain(drained, drain_bound)
                cups = submit(cupsd.base, cupsd.uri, document, clients, jobs, max_seconds)
                cups_drain = wait_drain(lambda: cupsd.pending() == 0, drain_bound)
                pairs.append(Pair(pages, len(document), clients, ours, cups, drain,
                                  ours.jobs + clients, cups_drain))
                print(f"  {pages} p x{clients}: ours {ours.per_second:.1f}/s "
                      f"p50 {ours.quantile(0.5):.1f} p99 {ours.quantile(0.99):.1f} ms "
                      f"drain {drain}; cupsd {cups.per_second:.1f}/s "
                      f"p50 {cups.quantile(0.5):.1f} p99 {cups.quantile(0.99):.1f} ms "
                      f"errors {ours.errors}/{cups.errors}", file=sys.stderr)
    finally:
        agent.stop()
        cupsd.stop()
    return pairs


def memory(server: ServerProcess, tmp: Path, tiny: bytes, held_jobs: int,
           max_seconds: float, settle_bound: float) -> Memory:
    agent = Agent(tmp / "agent-memory", server.url, "bench-memory")
    try:
        agent.start(server.call("code"))
        server.call("queue", (agent.agent_name, "held",
                              f"socket://127.0.0.1:{server.sink_port}", True))
        wait_until(lambda: agent.serves("held"), "the hold queue", 30)
        time.sleep(3)
        idle, _ = agent.memory()
        print(f"  idle RSS {idle:.1f} MiB", file=sys.stderr)
        load = submit(agent.base("held"), agent.uri("held"), tiny, 8, held_jobs, max_seconds,
                      warm=False)
        started = time.perf_counter()
        accepted = agent.counters("held")["accepted"]
        last = [-1, time.perf_counter()]

        def settled() -> bool:
            held = int(server.call("held"))
            if held != last[0]:
                last[:] = [held, time.perf_counter()]
            return held >= accepted or time.perf_counter() - float(last[1]) > 20

        with contextlib.suppress(RuntimeError):
            wait_until(settled, "held jobs", settle_bound, 1.0)
        wait = time.perf_counter() - started
        held = int(server.call("held"))
        rss, hwm = agent.memory()
        print(f"  {load.jobs} accepted in {load.seconds:.0f} s, {held} held; RSS {rss:.1f} "
              f"MiB (peak {hwm:.1f})", file=sys.stderr)
        return Memory(idle, held_jobs, load, held, rss, hwm, wait)
    finally:
        agent.stop()


# --------------------------------------------------------------------------- report

def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    uname = os.uname()
    return f"{cpu}; {os.cpu_count()} cores; `{uname.sysname} {uname.release}`"


def uptime() -> str:
    out = subprocess.run(["uptime"], capture_output=True, text=True, check=False)
    return out.stdout.strip()


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b else "n/a"


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def report(pairs: list[Pair], mem: Memory | None, *, when: str, load_before: str,
           load_after: str, command: str, jobs: int, max_seconds: float,
           notes: list[str]) -> str:
    lines = [
        SECTION, "",
        f"Run {when} on {machine()}; Python {platform.python_version()}, "
        f"CUPS {cups_version()} (Debian). Produced by `{command}`.", "",
        f"Load before the run: `{load_before}`; after: `{load_after}` (a shared 2-core "
        "machine: other engineers' tests were running; client threads, agent, server and "
        "cupsd all share the same 2 cores).", "",
        "Each client thread sends Print-Job requests (our codec `printwarden.ipp`, httpx, one "
        "keep-alive HTTP/1.1 connection per client, Content-Length bodies) one after another; "
        "latency is from sending the request to receiving the `successful-ok` answer. "
        f"{jobs} jobs per measurement split over the clients, bounded to {max_seconds:g} s "
        "(a * marks a measurement stopped by the bound). Documents are made by gs pdfwrite "
        "with 60 lines of text per A4 page. "
        "**Ours**: the agent subprocess enrolled at a real server (SQLite file, uvicorn, in "
        "a child process); its queue forwards to a `socket://` TCP sink that discards the "
        "data; the job is acknowledged after the document is written, fsynced and renamed "
        "into the spool and its row committed to the agent journal (SQLite WAL, "
        "synchronous=FULL). Analysis, authorization at the server and forwarding run after "
        "the answer, concurrently with the next submissions. "
        "**cupsd**: a private cupsd (no system service) with a raw queue on "
        "`file:///dev/null`, `MaxJobs 0`, no job history. "
        "**cupsd does not fsync job files before it answers; our agent does** (one fsync of "
        "the document, one of the directory, the journal commit): the comparison sets a "
        "durable spool against a non-durable one.", "",
        "| Document | Clients | ours jobs/s | cupsd jobs/s | ours/cupsd | ours p50 ms | "
        "cupsd p50 ms | ours p99 ms | cupsd p99 ms | p99 ours/cupsd |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for p in pairs:
        doc = f"{p.pages} page{'s' if p.pages > 1 else ''} ({p.size / 1024:.0f} KiB)"
        o, c = p.ours, p.cups
        lines.append(
            f"| {doc} | {p.clients} | {o.per_second:.1f}{'*' if o.bounded else ''} | "
            f"{c.per_second:.1f}{'*' if c.bounded else ''} | "
            f"{ratio(o.per_second, c.per_second)} | {o.quantile(0.5):.1f} | "
            f"{c.quantile(0.5):.1f} | {o.quantile(0.99):.1f} | {c.quantile(0.99):.1f} | "
            f"{ratio(o.quantile(0.99), c.quantile(0.99))} |")
    errors = sum(p.ours.errors + p.cups.errors for p in pairs)
    lines += ["", f"Requests not answered `successful-ok`: {errors}.", "",
              "Backlog drain (after the last acknowledgement, until every job of the "
              "measurement is analysed, authorized at the server and forwarded to the sink; "
              "cupsd: until its queue is empty):", "",
              "| Document | Clients | ours: jobs | ours: drain s | cupsd: drain s |",
              "|---|---:|---:|---:|---:|"]
    for p in pairs:
        ours = f"{p.drain:.1f}" if p.drain is not None else "not drained within the bound"
        cups = f"{p.cups_drain:.1f}" if p.cups_drain is not None else "not drained"
        lines.append(f"| {p.pages} p | {p.clients} | {p.drain_jobs} | {ours} | {cups} |")
    if any(p.drain is None for p in pairs):
        lines += ["", "Where our backlog did not drain within the bound, the cupsd measurement "
                  "that followed ran while the agent was still working (in cupsd's disfavour)."]
    if pairs:
        ratios = [p.ours.per_second / p.cups.per_second for p in pairs if p.cups.per_second]
        p99s = [p.ours.quantile(0.99) / p.cups.quantile(0.99) for p in pairs
                if p.cups.latencies]
        lines += ["", f"Targets: jobs/s >= {TARGET_RATIO:g}x cupsd: "
                  f"{verdict(all(r >= TARGET_RATIO for r in ratios))} (ratios "
                  f"{', '.join(f'{r:.2f}' for r in ratios)}); p99 within {TARGET_P99:g}x "
                  f"cupsd: {verdict(all(r <= TARGET_P99 for r in p99s))} (ratios "
                  f"{', '.join(f'{r:.2f}' for r in p99s)})."]
    if mem is not None:
        s = mem.submitted
        bound = (f" (the {s.seconds:.0f} s bound was hit after {s.jobs:,} of "
                 f"{mem.held_target:,} submissions)" if s.bounded else "")
        if mem.held >= mem.held_target:
            held_verdict = verdict(mem.held_rss * MIB / 1e6 < TARGET_HELD_MB)
        else:
            held_verdict = (f"not measured: {mem.held:,} of {mem.held_target:,} jobs held "
                            "within the bound")
        per_job = (mem.held_rss - mem.idle_rss) * 1024 / max(s.jobs, 1)
        edge = (" (met if MB means MiB)" if mem.idle_rss < TARGET_IDLE_MB
                <= mem.idle_rss * MIB / 1e6 else "")
        lines += [
            "", "Agent memory (`VmRSS` in /proc/PID/status of the agent process plus its "
            "children, the document analysis worker included; a fresh "
            "agent, one hold-for-release queue forwarding to the sink):", "",
            "| State | RSS MiB (MB) | Target |", "|---|---:|---|",
            f"| idle, queue loaded | {mem.idle_rss:.1f} ({mem.idle_rss * MIB / 1e6:.1f}) | "
            f"< {TARGET_IDLE_MB:g} MB: {verdict(mem.idle_rss * MIB / 1e6 < TARGET_IDLE_MB)}"
            f"{edge} |",
            f"| {mem.held:,} jobs held (peak {mem.held_hwm:.1f} MiB) | {mem.held_rss:.1f} "
            f"({mem.held_rss * MIB / 1e6:.1f}) | < {TARGET_HELD_MB:g} MB with "
            f"{mem.held_target:,} held: {held_verdict} |", "",
            f"{s.jobs:,} tiny 1-page PDFs submitted by 8 clients in {s.seconds:.0f} s "
            f"({s.per_second:.0f} jobs/s, p99 {s.quantile(0.99):.0f} ms){bound}; "
            f"{mem.held:,} were held at the server (the count read {mem.held_wait:.0f} s "
            "after the last submission, the rest still being analysed or authorized) when "
            f"RSS was read: {per_job:.1f} KiB of RSS per accepted job, i.e. about "
            f"{mem.idle_rss + per_job * mem.held_target / 1024:.0f} MiB for "
            f"{mem.held_target:,} held jobs by linear extrapolation."]
    lines += ["", NOTES, *notes]
    return "\n".join(lines) + "\n"


def write_section(section: str) -> None:
    """Replace the section of docs/benchmarks.md headed by ``section``'s first line (up to
    the next ``## ``) with ``section``, or append it; the rest stays byte for byte."""
    heading = section.split("\n", 1)[0]
    text = DOC.read_text("utf-8") if DOC.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", re.S | re.M)
    match = pattern.search(text)
    if match:
        tail = "" if match.end() == len(text) else "\n"
        text = text[:match.start()] + section + tail + text[match.end():]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    DOC.write_text(text, "utf-8")


@contextlib.contextmanager
def temporary() -> Iterator[Path]:
    tmp = Path(tempfile.mkdtemp(prefix="pw-ipp-bench-"))
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--quick", action="store_true", help="short runs")
    parser.add_argument("--jobs", type=int, default=None, help="jobs per measurement")
    parser.add_argument("--held", type=int, default=None, help="jobs to hold (RSS)")
    parser.add_argument("--seconds", type=float, default=None, help="bound per measurement")
    parser.add_argument("--no-memory", action="store_true", help="skip the RSS part")
    parser.add_argument("--notes", type=Path, default=None,
                        help="a Markdown file of findings appended to the section")
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()
    jobs = args.jobs or (40 if args.quick else 300)
    held = args.held or (300 if args.quick else 10_000)
    max_seconds = args.seconds or (8.0 if args.quick else 25.0)
    drain_bound = 30.0 if args.quick else 90.0
    command = "benchmarks/ipp_submit.py" + "".join(
        f" {a}" for a in sys.argv[1:] if a != "--write")
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load_before = uptime()
    with temporary() as tmp:
        docs = {pages: make_pdf(tmp / f"doc{pages}.pdf", pages).read_bytes()
                for pages in (1, 100)}
        server = ServerProcess(tmp)
        try:
            server.start()
            print("throughput", file=sys.stderr)
            pairs = throughput(server, tmp, docs, jobs, max_seconds, drain_bound)
            mem = None
            if not args.no_memory:
                print("memory", file=sys.stderr)
                mem = memory(server, tmp, docs[1], held, 150.0 if not args.quick else 20.0,
                             300.0 if not args.quick else 30.0)
        finally:
            server.stop()
    notes = [args.notes.read_text("utf-8").strip()] if args.notes else []
    section = report(pairs, mem, when=when, load_before=load_before, load_after=uptime(),
                     command=command, jobs=jobs, max_seconds=max_seconds, notes=notes)
    print(section)
    if args.write:
        write_section(section)


if __name__ == "__main__":
    main()
