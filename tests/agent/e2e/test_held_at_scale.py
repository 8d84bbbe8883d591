"""Acceptance (issue 9): 10,000 held jobs survive an agent SIGKILL and restart, and all are
still releasable; each then prints exactly once and is charged exactly once.

Everything is real: the server is a ``printwarden server`` process (SQLite file, WAL,
synchronous=FULL), the agent a ``printwarden agent`` process on one release queue, the
printer a raw TCP sink (``socket://``) that keeps every document it receives. Eight IPP
clients submit over keep-alive connections, so every job goes through the agent's intake
(fsync, rename, journal commit before ``successful-ok``), its analysis and the server's
``hold`` decision. The agent is then killed with SIGKILL and started again; every job must
still be held in its journal, in IPP Get-Jobs (same job ids) and in the server's lists.
Their ten owners release them all at the same time through the REST route (no job ids:
"release all", repeated while something is left: one answer covers at most 500 jobs), and
every document must reach the printer once, every job be charged once at its price, every
owner's credit be spent exactly; releasing jobs again moves nothing.

At 10,000 jobs it is far too slow for the default run (CI must stay under 30 minutes), so
that size is the ``scale`` run: ``pytest -m scale tests/agent/e2e/test_held_at_scale.py``
(left out otherwise, ``tests/conftest.py``); the default run goes through the same
scenario with 1,000 jobs (``[1k]``, about a minute quiet, 1.5 under load). Timings on the
2-core reference machine (2026-12-02): 518 s with little other load (submissions 74 s,
server decisions 74 s more, restart 3 s, release requests 80 s, delivery 275 s more),
955 to 1,098 s while three other engineers' tests ran, and with load 6.5 to 9 (after the
event bell and the analysis kick change): submissions 95 s, decisions 335 s, restart 5 s,
release requests 210 s, then delivery at ~9 jobs/s (projected ~19 min; stopped there).
Where the time goes (py-spy, 1,500 jobs): every phase is a serial chain per job, not the
disk (an fsync is ~0.8 ms here; the journal already group-commits): the queue worker
authorizes one job at a time (an HTTP round trip and a server write transaction, then a
journal commit), a release request commits each of its up to 500 jobs in its own write
transaction (ten owners at once queue on SQLite's write lock), and delivery is per job
"printing" (HTTP), ``forwarding`` (commit), the send, ``remote_job_id`` (commit),
``forwarded`` (commit), then "complete" (HTTP) and its acknowledgement (commit). ~10 ms
of CPU per job per process at each step, and on a shared 2-core machine every hop also
waits for a core. Under 2 minutes would take batching those chains (several jobs per
queue in flight, batch "printing"/"complete" routes, one transaction per release
request), which is protocol and service work outside this test.
``PRINTWARDEN_HELD_JOBS=N`` runs the scale run with N jobs instead, for work on the test
itself. Each phase's wall and CPU seconds go to stdout (``-s``), for the record and for a
timeout's post-mortem.
"""

from __future__ import annotations

import os
import resource
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from printwarden.ipp import (
    DelimiterTag,
    Operation,
    StatusCode,
    decode,
    keyword,
    mime_media_type,
)
from printwarden.jobs.model import JobState
from tests.agent.e2e.support import AgentProcess, add_agent_queue, poll
from tests.agent.support import MONO_PAGE, World, seed
from tests.ipp.server.support import ipp_request
from tests.support.server_process import ServerProcess
from tests.support.tcp_sink import TcpSink

#: The acceptance count (issue 9): 10,000 held jobs, in the ``scale`` run (``-m scale``).
JOBS = int(os.environ.get("PRINTWARDEN_HELD_JOBS") or 10_000)
#: The same scenario in the default run, at a size CI can afford (about a minute).
CI_JOBS = 1_000
USERS = 10
CLIENTS = 8
QUEUE = "vault"
#: Each phase may take this long at most (a shared machine under load is slow, not stuck).
PHASE_SECONDS = 1800.0
#: The whole test (the suite's default per test is 10 minutes; loaded, the scale run has
#: been seen to need more than 30).
TEST_SECONDS = 3600
IPP_PENDING_HELD = 4
#: How often the costly checks (counts over every job) look again.
CHECK_SECONDS = 1.0


def _document(n: int) -> bytes:
    """A one-page text document no other job has (so each arrival names its job)."""
    return f"held job {n:05d} of the scale test\n".encode()


@dataclass
class Phases:
    """Wall and CPU seconds per phase: this process, the agent, the server process."""

    pids: dict[str, int] = field(default_factory=dict)
    _start: float = field(default_factory=time.perf_counter)
    _last: dict[str, float] = field(default_factory=dict)

    def follow(self, name: str, pid: int) -> None:
        """Count ``name``'s CPU from ``pid`` on (a restarted process starts from zero)."""
        self.pids[name] = pid
        self._last[name] = 0.0

    def mark(self, what: str) -> None:
        now = time.perf_counter() - self._start
        usage = resource.getrusage(resource.RUSAGE_SELF)
        cpus = {"test": usage.ru_utime + usage.ru_stime,
                **{name: _cpu_seconds(pid) for name, pid in self.pids.items()}}
        spent = ", ".join(f"{name} +{cpu - self._last.get(name, 0.0):.1f}"
                          for name, cpu in cpus.items())
        print(f"[scale] {now:7.1f} s (+{now - self._last.get('wall', 0.0):.1f}) "
              f"cpu {spent}; load {os.getloadavg()[0]:.2f}: {what}", flush=True)
        self._last = {"wall": now, **cpus}


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.fixture
def server_process(tmp_path: Path) -> Iterator[ServerProcess]:
    process = ServerProcess(tmp_path / "server")
    try:
        yield process.start()
    finally:
        process.close()


@pytest.fixture
def agent_process(server_process: ServerProcess, tmp_path: Path) -> Iterator[AgentProcess]:
    process = AgentProcess(tmp_path / "agent", server_process.url)
    try:
        yield process
    finally:
        process.kill()


def _submit(agent: AgentProcess, users: list[str], jobs: int) -> dict[int, int]:
    """Job ``n`` (document ``n``) by ``users[n % USERS]``, over ``CLIENTS`` keep-alive
    connections in parallel; answers IPP job id -> n."""
    ids: dict[int, int] = {}

    def client(first: int) -> None:
        with httpx.Client(timeout=120, headers={"Content-Type": "application/ipp"}) as http:
            for n in range(first, jobs, CLIENTS):
                body = ipp_request(Operation.PRINT_JOB, agent.uri(QUEUE),
                                   mime_media_type("document-format", "text/plain"),
                                   user=users[n % USERS], request_id=n + 1)
                answer = decode(http.post(agent.url(QUEUE),
                                          content=body + _document(n)).content)[0]
                assert answer.operation_id == StatusCode.SUCCESSFUL_OK, answer
                job_id = answer.get(DelimiterTag.JOB, "job-id")
                assert job_id is not None
                ids[int(job_id.value)] = n

    _in_threads(client, range(CLIENTS))
    return ids


def _in_threads(work: Callable[[int], None], keys: Iterable[int]) -> None:
    """``work(k)`` for every k at once, one thread each; the first failure is re-raised
    here, in the test's thread."""
    errors: list[BaseException] = []

    def guarded(k: int) -> None:
        try:
            work(k)
        except BaseException as exc:  # re-raised below
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(k,)) for k in keys]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def _journal(agent: AgentProcess) -> Counter[tuple[str, str | None]]:
    """(state, server decision) -> jobs, read from the agent's journal file."""
    with closing(sqlite3.connect(agent.data_dir / "agent.db")) as db:
        rows = db.execute("SELECT state, decision, count(*) FROM jobs GROUP BY 1, 2")
        return Counter({(state, decision): count for state, decision, count in rows})


def _spooled(agent: AgentProcess) -> list[Path]:
    return [path for path in (agent.data_dir / "spool").rglob("*") if path.is_file()]


def _ipp_jobs(agent: AgentProcess) -> dict[int, int]:
    """IPP job id -> job-state of every not-completed job of the queue (Get-Jobs)."""
    answer = agent.ipp(QUEUE, Operation.GET_JOBS, keyword("which-jobs", "not-completed"),
                       keyword("requested-attributes", "job-id", "job-state"))
    assert answer.operation_id == StatusCode.SUCCESSFUL_OK
    found = {}
    for group in answer.groups_with(DelimiterTag.JOB):
        found[int(group["job-id"].value)] = int(group["job-state"].value)
    return found


def _count(server: ServerProcess, state: JobState, user_id: str | None = None) -> int:
    return server.container.jobs.list_jobs(state=state, user_id=user_id, limit=1)[1]


def _release_all(server: ServerProcess, token: str, device_id: str) -> list[str]:
    """POST /api/v1/release/release without job ids until nothing is left held; answers
    the ids released (each answer lists at most ``MAX_JOBS_PER_REQUEST`` of them)."""
    released: list[str] = []
    with httpx.Client(base_url=server.url, timeout=300,
                      headers={"Authorization": f"Bearer {token}"}) as http:
        while True:
            answer = http.post("/api/v1/release/release", json={"device_id": device_id})
            assert answer.status_code == 200, answer.text
            outcomes = answer.json()
            if not outcomes:
                return released
            assert all(o["ok"] for o in outcomes), [o for o in outcomes if not o["ok"]][:3]
            released += [o["job_id"] for o in outcomes]


def _release_concurrently(server: ServerProcess, tokens: list[str],
                          device_id: str) -> list[str]:
    """Every owner releases all of his jobs at the same time, each in a thread."""
    released: list[list[str]] = [[] for _ in tokens]

    def owner(k: int) -> None:
        released[k] = _release_all(server, tokens[k], device_id)

    _in_threads(owner, range(len(tokens)))
    return [job_id for ids in released for job_id in ids]


@pytest.mark.timeout(TEST_SECONDS)
@pytest.mark.parametrize("jobs", [
    pytest.param(CI_JOBS, id="1k"),
    pytest.param(JOBS, marks=pytest.mark.scale, id="10k"),
])
def test_ten_thousand_held_jobs_survive_sigkill_and_each_prints_and_is_charged_once(
        server_process: ServerProcess, agent_process: AgentProcess, tmp_path: Path,
        jobs: int) -> None:
    server, agent = server_process, agent_process
    world: World = seed(server.container, tmp_path / "unused.out")
    users = [f"holder{k}" for k in range(USERS)]
    per_user = Counter(users[n % USERS] for n in range(jobs))
    user_ids, tokens = {}, {}
    for name in users:
        user = server.container.accounts.create_user(name, actor="test")
        world.top_up(user.id, per_user[name] * MONO_PAGE)  # exactly what its jobs cost
        user_ids[name] = user.id
        tokens[name], _ = server.container.accounts.create_api_token(user.id, "release",
                                                                     actor="test")
    phases = Phases()
    with TcpSink() as printer:
        agent.start(enrol=world.code)
        add_agent_queue(world, agent, QUEUE, printer.uri, hold_for_release=True,
                        owner_check="release")
        vault = server.container.devices.find_device_by_name(QUEUE)  # its group's device
        assert vault is not None
        assert agent.proc is not None
        phases.pids = {"agent": agent.proc.pid, "server": server.pid}
        phases.mark("server, agent and release queue ready")

        submitted = _submit(agent, users, jobs)
        assert len(submitted) == jobs  # IPP job ids are unique
        phases.mark(f"{jobs} jobs accepted (successful-ok)")
        poll(lambda: _count(server, JobState.HELD) == jobs, "every job held at the server",
             timeout=PHASE_SECONDS, step=CHECK_SECONDS)
        poll(lambda: _journal(agent) == {("held", "hold"): jobs},
             "the agent to journal every server decision", step=CHECK_SECONDS)
        phases.mark("every job held by the server's decision")
        assert printer.arrivals() == []

        agent.kill()
        agent.start()
        poll(lambda: agent.ready(QUEUE), "the queue after the restart")
        assert agent.proc is not None
        phases.follow("agent", agent.proc.pid)
        phases.mark("agent SIGKILLed and started again")

        assert _journal(agent) == {("held", "hold"): jobs}
        assert len(_spooled(agent)) == jobs
        assert _ipp_jobs(agent) == dict.fromkeys(submitted, IPP_PENDING_HELD)
        assert _count(server, JobState.HELD) == jobs
        for name in users:
            assert _count(server, JobState.HELD, user_ids[name]) == per_user[name]
        assert printer.arrivals() == []
        phases.mark("all still held: journal, IPP Get-Jobs, server")

        released = _release_concurrently(server, [tokens[name] for name in users], vault.id)
        assert len(released) == len(set(released)) == jobs
        phases.mark("all released (REST, release all, the owners at once)")

        printer.wait_for_arrivals(jobs, PHASE_SECONDS)
        phases.mark("every document at the printer")
        poll(lambda: _count(server, JobState.COMPLETED) == jobs, "every job completed",
             timeout=PHASE_SECONDS, step=CHECK_SECONDS)
        poll(lambda: _journal(agent) == {("completed", "hold"): jobs},
             "the agent to end every job", timeout=PHASE_SECONDS, step=CHECK_SECONDS)
        phases.mark("every job completed at the server and the agent")

        arrived = printer.arrivals()
        assert len(arrived) == jobs
        assert Counter(a.data for a in arrived) == Counter(_document(n) for n in range(jobs))

    replay = httpx.post(f"{server.url}/api/v1/release/release", timeout=60,
                        headers={"Authorization": f"Bearer {tokens[users[0]]}"},
                        json={"device_id": vault.id, "job_ids": released[:3]})
    assert [(o["ok"], o["message"]) for o in replay.json()] == [
        (False, "the job is completed, not held")] * 3  # released again: nothing moves
    charges, total = server.container.ledger.list_entries(kind="charge", limit=jobs + 1)
    assert total == jobs
    assert Counter(entry.job_id for entry in charges) == Counter(released)
    assert {entry.amount.minor for entry in charges} == {-MONO_PAGE}
    for name in users:
        account = server.container.ledger.credit_account(user_ids[name])
        assert account.balance_minor == 0  # each paid its jobs once, no more
    assert _spooled(agent) == []
