"""Seeded random partition schedules over real processes, and the invariants they keep.

A ``Rig`` is one set of real parts: a ``printwarden server`` process (SQLite), a
``printwarden agent`` process reaching it only through a loopback ``TcpProxy``, and a
virtual IPP printer downstream that keeps every document it receives. The agent has a
``tracker`` queue (prints while no server answers, charged later) and a ``hold`` queue
(keeps jobs until a server decides them).

``make_schedule(seed, steps)`` draws a list of ``Step`` from ``random.Random(seed)``:
print a job over IPP (queue and user drawn; each document carries its own marker as its
title, so the printer's files say which job they are), cut / restore / half-open the
proxy, drop the answer of the next ``/authorize``, ``/offline-jobs`` or ``/complete`` after
the server acted, SIGKILL the agent and start it again, stop or start the server, wait.
``run_schedule`` runs it, heals (proxy restored, everything running), waits until the
agent's journal has nothing left to send and no job in flight, and checks:

- every acknowledged job (a ``successful-ok`` Print-Job answer) is in the agent's journal
  and exactly once in central's job log by agent job key, in an end state;
- no job at central is left unended and no reservation is left open;
- no ledger idempotency key twice, no job charged twice to one account;
- every account's balance is the sum of its entries (the ledger's own tables);
- each completed job's document reached the printer exactly once, and no other job's did;
  the one exception is documented (docs/agent.md): a job the agent was sending when it
  was SIGKILLed is sent again by its recovery, so it may print twice (its journal counts
  the sends; it is charged once). Those are counted in ``Outcome.known``.

A failure raises ``ScheduleFailed`` whose message starts with the seed and the steps, so
``PRINTWARDEN_CHAOS_SEED=N`` reproduces it. The checks read the whole database, so a rig
reused for many schedules keeps checking what earlier schedules left.
"""

from __future__ import annotations

import contextlib
import io
import random
import re
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from pypdf import PdfWriter

from printwarden.agent.model import TERMINAL_STATES
from printwarden.core.money import Money
from printwarden.ipp import StatusCode, name
from printwarden.jobs.model import JobState
from printwarden.jobs.tables import jobs as jobs_table
from printwarden.ledger.tables import ledger_accounts, ledger_entries, ledger_reservations
from tests.agent.e2e.support import AgentProcess, add_agent_queue, close_all, job_id_of, poll
from tests.agent.support import World, seed
from tests.ipp.server.support import RunningVirtualPrinter
from tests.support.server_process import ServerProcess
from tests.support.tcp_proxy import TcpProxy

#: Queue name -> its failure policy.
QUEUES = {"track": "tracker", "keeping": "hold"}
USERS = ("alice", "alice", "bob")
#: Each user's credit when a schedule starts: bob runs out (denials, charges past the
#: limit), alice does not.
ALICE_CREDIT, BOB_CREDIT = 1000, 30
#: Requests whose answer a ``drop`` step loses after the server acted on them.
DROPPED = (b"/authorize", b"/offline-jobs", b"/complete")
#: Central job states that end a job.
ENDED = frozenset(state.value for state in (
    JobState.COMPLETED, JobState.FAILED, JobState.CANCELLED, JobState.DENIED,
    JobState.EXPIRED))
#: Agent journal states that end a job there.
AGENT_ENDED = tuple(sorted(state.value for state in TERMINAL_STATES))
#: How long the heal may take to settle everything (a half-open request times out first).
SETTLE_SECONDS = 90.0
MARKER = re.compile(r"PWCHAOS-\d+-\d+")


@dataclass(frozen=True)
class Step:
    """One move of a schedule; ``str`` is how a failure names it."""

    kind: str  #: print, cut, restore, half-open, drop, kill-agent, stop-server, ...
    arg: str = ""

    def __str__(self) -> str:
        return f"{self.kind} {self.arg}".strip()


def make_schedule(seed_value: int, steps: int) -> list[Step]:
    """``steps`` steps drawn from ``random.Random(seed_value)``; a step that would change
    nothing (start a running server) is not drawn, so every step does something."""
    rng = random.Random(seed_value)
    proxy_faulted = False
    server_up = True
    schedule: list[Step] = []
    while len(schedule) < steps:
        kind = rng.choices(
            ("print", "cut", "half-open", "restore", "drop", "kill-agent", "stop-server",
             "start-server", "wait"),
            weights=(40, 6, 4, 10, 8, 7, 6, 10, 9))[0]
        idle = {"cut": proxy_faulted, "half-open": proxy_faulted,
                "restore": not proxy_faulted, "stop-server": not server_up,
                "start-server": server_up}
        if idle.get(kind, False):
            continue
        arg = ""
        if kind == "print":
            arg = f"{rng.choice(sorted(QUEUES))} {rng.choice(USERS)} {rng.randint(1, 3)}"
        elif kind == "drop":
            arg = rng.choice(DROPPED).decode()
        elif kind == "wait":
            arg = f"{rng.choice((0.1, 0.3, 0.8))}"
        proxy_faulted = kind in ("cut", "half-open") or (proxy_faulted and kind != "restore")
        server_up = kind == "start-server" or (server_up and kind != "stop-server")
        schedule.append(Step(kind, arg))
    return schedule


def marked_pdf(marker: str, pages: int) -> bytes:
    """A blank PDF of ``pages`` pages titled ``marker``: no two documents are alike."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": marker})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@dataclass
class Acknowledged:
    """A Print-Job the agent answered ``successful-ok``."""

    queue: str
    ipp_job_id: int
    marker: str


@dataclass
class Outcome:
    """What one schedule did and found (the benchmark adds these up)."""

    seed: int
    steps: list[Step]
    acknowledged: int = 0
    lost: int = 0
    double_charges: int = 0
    balance_mismatches: int = 0
    #: With a remote: 1 when the remote had not converged to central after the heal (an
    #: outbox not acked, its replica behind central's feed, a balance unlike central's).
    unconverged: int = 0
    #: Markers of the documents the printer received more than once.
    doubled: list[str] = field(default_factory=list)
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)
    #: What broke as documented: a document printed again by the agent's recovery after
    #: a SIGKILL while it was being sent (docs/agent.md: printing is at least once in
    #: that window, charged once). Counted, not a failure.
    known: list[str] = field(default_factory=list)
    #: The variable that replays this schedule (the remote rig's has its own).
    seed_variable: str = "PRINTWARDEN_CHAOS_SEED"

    def header(self) -> str:
        return (f"{self.seed_variable}={self.seed} PRINTWARDEN_CHAOS_STEPS="
                f"{len(self.steps)} steps="
                f"[{'; '.join(str(step) for step in self.steps)}]")


class ScheduleFailed(AssertionError):
    """An invariant broke; the message starts with the seed and the steps."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome.header() + "\n" + "\n".join(outcome.problems))
        self.outcome = outcome


class Rig:
    """The real processes one module (or one benchmark run) reuses for every schedule."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.server = ServerProcess(root / "server")
        (root / "received").mkdir()
        self._parts: list[Any] = []
        self._server_up = False
        try:
            self.start_server()
            self.printer = RunningVirtualPrinter(root / "received").__enter__()
            self._parts.append(self.printer)
            self.world: World = seed(self.server.container, root / "unused.out")
            self.world.top_up(self.world.bob_id, BOB_CREDIT)
            self.proxy = TcpProxy("127.0.0.1", self.server.port)
            self._parts.append(self.proxy)
            self.agent = AgentProcess(root / "agent", self.proxy.url())
            self.agent.start(enrol=self.world.code)
            self._parts.append(self.agent)
            for queue, policy in QUEUES.items():
                add_agent_queue(self.world, self.agent, queue, self.printer.uri,
                                failure_policy=policy)
            self.agent_id = self.world.agent_id()
        except BaseException:
            self.close()
            raise
        #: Every document sent, by its marker.
        self.documents: dict[str, bytes] = {}
        self._resets = 0
        #: Problems already reported by a schedule: the checks read the whole database,
        #: and a later schedule fails only for what is new.
        self.reported: set[str] = set()

    # -- the moves ----------------------------------------------------------------------

    def start_server(self) -> None:
        if not self._server_up:
            self.server.start()
            self._server_up = True

    def stop_server(self) -> None:
        if self._server_up:
            self.server.stop()
            self._server_up = False

    def restart_agent(self) -> None:
        """SIGKILL (if it runs) and start again; it keeps its data directory."""
        self.agent.kill()
        self.agent.start()

    def print_job(self, seed_value: int, number: int, queue: str, user: str,
                  pages: int) -> Acknowledged | None:
        """Print-Job over IPP of the schedule's document ``number``; the acknowledgement,
        or None when the agent did not say ``successful-ok`` (refused, or the connection
        failed: nothing was promised)."""
        marker = f"PWCHAOS-{seed_value}-{number}"
        self.documents[marker] = marked_pdf(marker, pages)
        try:
            answer = self.agent.print_job(queue, self.documents[marker], user=user,
                                          extra=(name("job-name", marker),))
        except (httpx.HTTPError, AssertionError):
            return None
        if answer.operation_id != StatusCode.SUCCESSFUL_OK:
            return None
        return Acknowledged(queue, job_id_of(answer), marker)

    def apply(self, step: Step, seed_value: int, number: int) -> Acknowledged | None:
        """Do ``step``, the schedule's ``number``-th."""
        if step.kind == "print":
            queue, user, pages = step.arg.split()
            return self.print_job(seed_value, number, queue, user, int(pages))
        if step.kind == "cut":
            self.proxy.cut()
        elif step.kind == "half-open":
            self.proxy.half_open()
        elif step.kind == "restore":
            self.proxy.restore()
        elif step.kind == "drop":
            self.proxy.drop_mid_response(after_bytes=0, matching=step.arg.encode())
        elif step.kind == "kill-agent":
            self.restart_agent()
        elif step.kind == "stop-server":
            self.stop_server()
        elif step.kind == "start-server":
            self.start_server()
        elif step.kind == "wait":
            time.sleep(float(step.arg))
        else:
            raise ValueError(f"unknown step {step}")
        return None

    def heal(self) -> None:
        """Everything restored and running, no fault left armed (a drop armed for a
        request that never came would otherwise hit the next schedule)."""
        self.proxy.clear_faults()
        self.proxy.restore()
        self.start_server()
        if not self.agent.alive():
            self.agent.start()

    def reset_balances(self) -> None:
        """Each user's credit back to its start (an ``adjustment`` entry), so that a
        schedule finds the same balances whatever ran before it: a seed replays alone."""
        ledger = self.world.server.ledger
        for user_id, start in ((self.world.alice_id, ALICE_CREDIT),
                               (self.world.bob_id, BOB_CREDIT)):
            account = ledger.credit_account(user_id)
            delta = start - ledger.get_account(account.id).balance_minor
            if delta:
                self._resets += 1
                ledger.post_entry(account.id, Money(delta, "EUR"), "adjustment",
                                  idempotency_key=f"chaos:reset:{self._resets}",
                                  actor="test", note="schedule start")

    # -- what the parts hold ------------------------------------------------------------

    def agent_rows(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        """Rows of the agent's own journal (SQLite, read only)."""
        with contextlib.closing(sqlite3.connect(
                f"file:{self.agent.data_dir / 'agent.db'}?mode=ro", uri=True)) as conn:
            return list(conn.execute(sql, args).fetchall())

    def unsettled(self) -> list[str]:
        """What is still on its way: agent jobs not ended, offline reports not confirmed,
        completions in the outbox, central jobs not ended. Empty once all settled."""
        marks = ",".join("?" * len(AGENT_ENDED))
        found = [f"agent job {local_id} {state}" for local_id, state in self.agent_rows(
            f"SELECT local_id, state FROM jobs WHERE state NOT IN ({marks})", *AGENT_ENDED)]
        found += [f"agent report {row[0]} pending" for row in self.agent_rows(
            "SELECT local_id FROM jobs WHERE offline_state = 'pending'")]
        found += [f"outbox {row[0]}" for row in self.agent_rows("SELECT local_id FROM outbox")]
        with self.server.container.db.engine.connect() as conn:
            rows = conn.execute(sa.select(jobs_table.c.id, jobs_table.c.state).where(
                jobs_table.c.state.not_in(sorted(ENDED)))).all()
        found += [f"central job {row.id} {row.state}" for row in rows]
        return found

    def settle(self) -> list[str]:
        """Wait until nothing is on its way; what is still unsettled at the deadline."""
        deadline = time.monotonic() + SETTLE_SECONDS
        while True:
            left = self.unsettled()
            if not left or time.monotonic() > deadline:
                return left
            time.sleep(0.2)

    def printed(self) -> Counter[str]:
        """How many times each marker reached the printer (the virtual printer names its
        files after the job name); a file whose bytes are not the document sent under
        its marker counts as ``altered <file>``."""
        return printed_markers(self.printer.directory, self.documents)

    def close(self) -> None:
        close_all(self._parts)
        self.server.close()


def check(rig: Rig, acknowledged: list[Acknowledged], outcome: Outcome) -> None:
    """The invariants over what the server, the ledger, the agent and the printer hold."""
    problems = outcome.problems
    with rig.server.container.db.engine.connect() as conn:
        central = conn.execute(sa.select(
            jobs_table.c.id, jobs_table.c.agent_job_key, jobs_table.c.state,
            jobs_table.c.title, jobs_table.c.state_reason, jobs_table.c.offline,
        ).where(jobs_table.c.agent_id == rig.agent_id)).all()
        charges = conn.execute(
            sa.select(ledger_entries.c.job_id, ledger_entries.c.account_id,
                      sa.func.count()).where(ledger_entries.c.kind == "charge")
            .group_by(ledger_entries.c.job_id, ledger_entries.c.account_id)
            .having(sa.func.count() > 1)).all()
        repeated_keys = conn.execute(
            sa.select(ledger_entries.c.idempotency_key).group_by(
                ledger_entries.c.idempotency_key).having(sa.func.count() > 1)).all()
        sums = sa.select(ledger_entries.c.account_id,
                         sa.func.sum(ledger_entries.c.amount_minor).label("total")).group_by(
            ledger_entries.c.account_id).subquery()
        balances = conn.execute(
            sa.select(ledger_accounts.c.id, ledger_accounts.c.balance_minor, sums.c.total)
            .outerjoin(sums, sums.c.account_id == ledger_accounts.c.id)).all()
        open_reservations = conn.execute(
            sa.select(ledger_reservations.c.id, ledger_reservations.c.job_id).where(
                ledger_reservations.c.status == "open")).all()
    check_acknowledged(rig.agent_rows, acknowledged, central, outcome)
    outcome.double_charges = len(charges) + len(repeated_keys)
    problems += [f"job {row[0]} charged {row[2]} times to {row[1]}" for row in charges]
    problems += [f"idempotency key {row[0]} twice" for row in repeated_keys]
    mismatched = [row for row in balances if row.balance_minor != (row.total or 0)]
    outcome.balance_mismatches = len(mismatched)
    problems += [f"account {row.id}: balance {row.balance_minor}, entries {row.total}"
                 for row in mismatched]
    problems += [f"reservation {row.id} of job {row.job_id} still open"
                 for row in open_reservations]
    by_title = {row.title: row for row in central}
    check_printed(rig.printed(), rig.agent_rows, central, outcome,
                  lambda marker: _described(by_title, marker))


AgentRows = Callable[..., list[tuple[Any, ...]]]


def printed_markers(directory: Path, documents: dict[str, bytes]) -> Counter[str]:
    """How many times each marker reached the printer whose files are in ``directory``
    (the virtual printer names its files after the job name); a file whose bytes are not
    the document sent under its marker counts as ``altered <file>``."""
    counts: Counter[str] = Counter()
    for path in directory.iterdir():
        found = MARKER.search(path.name)
        marker = found.group() if found else ""
        if documents.get(marker) != path.read_bytes():
            marker = f"altered {path.name}"
        counts[marker] += 1
    return counts


def check_acknowledged(agent_rows: AgentRows, acknowledged: list[Acknowledged],
                       central: Sequence[Any], outcome: Outcome) -> None:
    """Each acknowledged job once in the agent's journal and once, ended, in ``central``
    (central's job rows of the agent, by agent job key); no key twice at central."""
    keys = Counter(row.agent_job_key for row in central)
    by_key = {row.agent_job_key: row for row in central}
    problems = outcome.problems
    for ack in acknowledged:
        found = agent_rows("SELECT local_id FROM jobs WHERE queue = ? AND ipp_job_id = ?",
                           ack.queue, ack.ipp_job_id)
        if len(found) != 1:
            outcome.lost += 1
            problems.append(f"acknowledged {ack} is {len(found)} times in the agent journal")
            continue
        key = str(found[0][0])
        if keys[key] != 1:
            outcome.lost += keys[key] == 0
            problems.append(f"acknowledged {ack} (key {key}) is {keys[key]} times at central")
        elif by_key[key].state not in ENDED:
            problems.append(f"acknowledged {ack} stuck at central: {by_key[key].state}")
    problems += [f"central key {key} {n} times" for key, n in keys.items() if n > 1]


def check_printed(printed: Counter[str], agent_rows: AgentRows, central: Sequence[Any],
                  outcome: Outcome, describe: Callable[[str], str]) -> None:
    """Each job ``central`` completed printed once (twice or more only as often as the
    agent's journal says it sent it: ``Outcome.known``), nothing else printed;
    ``describe(marker)`` says where a printed marker's job stands."""
    completed = {row.title for row in central if row.state == "completed"}
    attempts = dict(agent_rows("SELECT title, forward_attempts FROM jobs"))
    for title in completed:
        times = printed[title]
        if times == 1:
            continue
        if 1 < times <= attempts.get(title, 0):
            outcome.known.append(f"completed job {title} printed {times} times: sent again "
                                 "after a SIGKILL while sending (at least once)")
        else:
            outcome.problems.append(f"completed job {title} printed {times} times")
    outcome.doubled = [marker for marker, n in printed.items() if n > 1]
    outcome.problems += [f"{marker} printed {n} times, its job not completed: "
                         f"{describe(marker)}"
                         for marker, n in printed.items() if marker not in completed]


def _described(by_title: dict[str, Any], title: str) -> str:
    row = by_title.get(title)
    if row is None:
        return "not at central"
    return (f"central {row.id} {row.state} ({row.state_reason!r}), "
            f"{'offline' if row.offline else 'online'}")


def run_schedule(rig: Rig, seed_value: int, steps: int, *, announce: bool = True) -> Outcome:
    """Run one schedule on ``rig``, heal, settle, check; raise ``ScheduleFailed``.
    ``announce`` prints the seed and steps first (a test's output then names them even
    if the run hangs)."""
    started = time.monotonic()
    outcome = Outcome(seed_value, make_schedule(seed_value, steps))
    if announce:
        print(f"\nchaos schedule {outcome.header()}", flush=True)
    acknowledged: list[Acknowledged] = []
    try:
        rig.reset_balances()
        for number, step in enumerate(outcome.steps, 1):
            ack = rig.apply(step, seed_value, number)
            if ack is not None:
                acknowledged.append(ack)
        rig.heal()
        poll(lambda: rig.agent.health()["server_reachable"], "the agent to reach central",
             step=0.1)
        outcome.problems += [f"unsettled after the heal: {what}" for what in rig.settle()]
        check(rig, acknowledged, outcome)
    except Exception as error:  # a part that broke is a failure of the schedule too
        outcome.problems.append(f"{type(error).__name__}: {error}")
    return finish(outcome, rig.reported, len(acknowledged), started)


def finish(outcome: Outcome, reported: set[str], acknowledged: int,
           started: float) -> Outcome:
    """Keep in ``outcome`` only what ``reported`` (what earlier schedules on the same
    parts found) does not hold, add it there, count; raise ``ScheduleFailed`` if a
    problem is left."""
    outcome.problems = [p for p in outcome.problems if p not in reported]
    outcome.known = [k for k in outcome.known if k not in reported]
    outcome.doubled = [m for m in outcome.doubled if f"doubled {m}" not in reported]
    reported.update(outcome.problems, outcome.known, (f"doubled {m}" for m in outcome.doubled))
    outcome.acknowledged = acknowledged
    outcome.seconds = time.monotonic() - started
    if outcome.problems:
        raise ScheduleFailed(outcome)
    return outcome
