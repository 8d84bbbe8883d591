"""Seeded random partition schedules over a site with a remote, and what they keep.

A ``RemoteRig`` is the site of ``tests/offline/remote_site.py``: a central server
process, an enrolled ``printwarden remote`` process, an agent and a terminal listing
central then the remote, a virtual printer, every path through its own loopback proxy.
The agent has a ``direct`` queue (authorized at whichever server it talks to) and a
``vault`` queue (held for release, released at the terminal by card and PIN).

``make_remote_schedule(seed, steps)`` draws steps from ``random.Random(seed)``: print
(queue, user and pages drawn), release every held job at the terminal, copy N pages at
the terminal (a copy session opened, counted and closed), top up alice's credit at
central (only while central runs), cut the site's WAN (agent, terminal and the remote's
pull lose central), cut the remote's pull alone, restore, stop or start central, SIGKILL
and restart the remote, SIGKILL and restart the agent, wait.

``run_remote_schedule`` runs it, heals (every proxy restored, every process running),
releases what is still held (at central, then at the remote with the site's path to
central cut for the agent and the terminal only, then at central again: a job held at one
server is released there, docs/remote.md), waits until nothing is on its way, and checks:

- every acknowledged job is in the agent's journal and exactly once in central's job log
  by agent job key (central's own row, or the remote's ended job pushed to it), ended;
- no job left open at central or at the remote, no reservation left open at either;
- at central, no ledger idempotency key twice, no agent job charged twice (by its agent
  job key, across the two servers' job ids);
- every balance at central is the sum of its entries (a remote keeps only its own
  entries: its balances are central's replicated, docs/remote.md);
- every remote has converged: its outbox and its job outbox are acked, its replica is at
  central's feed version, and each account's balance there equals central's;
- nothing central could not post is kept as a reconcile problem;
- each completed job's document reached the printer once (the SIGKILL-while-sending
  exception of ``schedules.py`` is counted in ``Outcome.known``).

A failure raises ``ScheduleFailed`` whose message starts with the seed and the steps
(``PRINTWARDEN_REMOTE_CHAOS_SEED=N`` replays it).
"""

from __future__ import annotations

import contextlib
import random
import sqlite3
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from printwarden.container import ServerContainer
from printwarden.core.money import Money
from printwarden.core.pricing import PriceRule
from printwarden.ipp import StatusCode, name
from printwarden.jobs.tables import jobs as jobs_table
from printwarden.ledger.tables import ledger_accounts, ledger_entries, ledger_reservations
from printwarden.sync import job_outbox, outbox
from printwarden.sync.tables import sync_reconcile_problems
from tests.agent.e2e.support import job_id_of, poll
from tests.offline.remote_site import CARD, PIN, RemoteSite, start_site
from tests.offline.schedules import (
    AGENT_ENDED,
    ENDED,
    Acknowledged,
    Outcome,
    Step,
    check_acknowledged,
    check_printed,
    finish,
    marked_pdf,
    printed_markers,
)

QUEUES = ("direct", "vault")
USERS = ("alice", "alice", "bob")
#: Each user's credit when a schedule starts (bob runs out: denials).
ALICE_CREDIT, BOB_CREDIT = 1000, 30
TOP_UP_MINOR = 20
COPY_PAGE = 4  #: the copy price list's mono page
#: The remote counts itself offline this soon after its last good pull.
OFFLINE_AFTER_SECONDS = 1.0
SETTLE_SECONDS = 120.0
UNSETTLED = "unsettled after the heal: "
BEHIND = "remote not converged: "
KINDS = ("print", "release", "copy", "top-up", "cut-wan", "cut-sync", "restore",
         "stop-central", "start-central", "kill-remote", "kill-agent", "wait")
WEIGHTS = (30, 10, 7, 6, 7, 4, 10, 5, 8, 5, 4, 6)


def make_remote_schedule(seed_value: int, steps: int) -> list[Step]:
    """``steps`` steps from ``random.Random(seed_value)``; a step that would change
    nothing (restore an intact path, start a running central) is not drawn."""
    rng = random.Random(seed_value)
    faulted, central_up = False, True
    schedule: list[Step] = []
    while len(schedule) < steps:
        kind = rng.choices(KINDS, weights=WEIGHTS)[0]
        idle = {"cut-wan": faulted, "cut-sync": faulted, "restore": not faulted,
                "stop-central": not central_up, "start-central": central_up,
                "top-up": not central_up}
        if idle.get(kind, False):
            continue
        arg = ""
        if kind == "print":
            queue, user = rng.choice(QUEUES), rng.choice(USERS)
            arg = f"{queue} {'alice' if queue == 'vault' else user} {rng.randint(1, 3)}"
        elif kind == "copy":
            arg = str(rng.randint(1, 4))
        elif kind == "wait":
            arg = f"{rng.choice((0.2, 0.8, 2.0))}"
        faulted = kind in ("cut-wan", "cut-sync") or (faulted and kind != "restore")
        central_up = kind == "start-central" or (central_up and kind != "stop-central")
        schedule.append(Step(kind, arg))
    return schedule


class RemoteRig:
    """The site's processes, reused for every schedule of a module or benchmark run."""

    def __init__(self, root: Path) -> None:
        self._site_parts = start_site(root, remote_offline_after_seconds=OFFLINE_AFTER_SECONDS)
        self.site: RemoteSite = next(self._site_parts)
        try:
            central = self.site.central.container
            world = self.site.world
            world.top_up(world.bob_id, BOB_CREDIT)
            for user_id in (world.alice_id, world.bob_id):  # accounts made at central
                central.ledger.personal_account(user_id)
                central.ledger.credit_account(user_id)
            central.ledger.create_price_list(
                "Copies", kind="copy", currency="EUR", default=True, actor="test",
                rules=(PriceRule(color="mono", per_page_minor=COPY_PAGE),))
            self.site.converged()
        except BaseException:
            self.close()
            raise
        self.agent_id = world.agent_id()
        self.documents: dict[str, bytes] = {}
        self._resets = 0
        self._central_up = True
        self.reported: set[str] = set()

    # -- the moves ----------------------------------------------------------------------

    def print_job(self, seed_value: int, number: int, queue: str, user: str,
                  pages: int) -> Acknowledged | None:
        marker = f"PWCHAOS-{seed_value}-{number}"
        self.documents[marker] = marked_pdf(marker, pages)
        try:
            answer = self.site.agent.print_job(queue, self.documents[marker], user=user,
                                               extra=(name("job-name", marker),))
        except (httpx.HTTPError, AssertionError):
            return None
        if answer.operation_id != StatusCode.SUCCESSFUL_OK:
            return None
        return Acknowledged(queue, job_id_of(answer), marker)

    def at_terminal(self, *commands: str) -> None:
        """Sign in by card and PIN, run ``commands``, sign out; whatever a server answers
        (refused, unreachable) is part of the schedule, not a failure."""
        terminal = self.site.terminal
        with contextlib.suppress(AssertionError):
            if terminal.run(f"card {CARD}").get("need") == "pin" \
                    and terminal.run(f"pin {PIN}").get("ok"):
                for command in commands:
                    terminal.run(command)
            terminal.run("logout")

    def top_up(self) -> None:
        self.site.world.top_up(self.site.world.alice_id, TOP_UP_MINOR)

    def central_running(self, running: bool) -> None:
        if running and not self._central_up:
            self.site.central.start()
        elif not running and self._central_up:
            self.site.central.stop()
        self._central_up = running

    def restart_remote(self) -> None:
        self.site.remote.kill()
        self.site.remote.start()

    def restart_agent(self) -> None:
        self.site.agent.kill()
        self.site.agent.start()

    def restore(self) -> None:
        for proxy in self.proxies:
            proxy.clear_faults()
            proxy.restore()

    @property
    def proxies(self) -> tuple[Any, ...]:
        site = self.site
        return (site.agent_central, site.terminal_central, site.sync_central,
                site.agent_remote, site.terminal_remote)

    def apply(self, step: Step, seed_value: int, number: int) -> Acknowledged | None:
        site = self.site
        if step.kind == "print":
            queue, user, pages = step.arg.split()
            return self.print_job(seed_value, number, queue, user, int(pages))
        moves = {
            "release": lambda: self.at_terminal("release all"),
            "copy": lambda: self.at_terminal(
                "copy open", f"copy count {step.arg} mono a4 simplex", "copy close"),
            "top-up": self.top_up,
            "cut-wan": site.cut_central,
            "cut-sync": site.sync_central.cut,
            "restore": self.restore,
            "stop-central": lambda: self.central_running(False),
            "start-central": lambda: self.central_running(True),
            "kill-remote": self.restart_remote,
            "kill-agent": self.restart_agent,
            "wait": lambda: time.sleep(float(step.arg)),
        }
        moves[step.kind]()
        return None

    def heal(self) -> None:
        """Every path restored, every process running, then what is held released where
        it is held."""
        site = self.site
        self.restore()
        self.central_running(True)
        if not site.remote.alive():
            site.remote.start()
        if not site.agent.alive():
            site.agent.start()
        self.release_at(site.agent_central.url(), site.terminal_central.url())
        site.agent_central.cut()
        site.terminal_central.cut()
        try:
            self.release_at(site.agent_remote.url(), site.terminal_remote.url())
        finally:
            site.agent_central.restore()
            site.terminal_central.restore()
        self.release_at(site.agent_central.url(), site.terminal_central.url())

    def release_at(self, agent_server: str, terminal_server: str) -> None:
        """Wait for the agent and the terminal on those servers, let the agent's pending
        jobs be decided there, release everything held at the terminal."""
        site = self.site
        poll(lambda: site.agent.health().get("server") == agent_server
             and site.agent.health().get("server_reachable"),
             f"the agent on {agent_server}", step=0.1)
        poll(lambda: site.terminal.run("status").get("server") == terminal_server,
             f"the terminal on {terminal_server}", step=0.2)
        poll(lambda: not self.agent_rows(
            "SELECT local_id FROM jobs WHERE state IN ('spooled', 'analysed')"),
             "the agent's jobs decided", step=0.2)
        self.at_terminal("release all")
        poll(lambda: not self.agent_rows(
            "SELECT local_id FROM jobs WHERE state IN ('authorized', 'forwarding')"),
             "the released jobs printed", step=0.2)

    def reset_balances(self) -> None:
        """Each user's credit back to its start at central, and the remote converged."""
        ledger = self.site.central.container.ledger
        world = self.site.world
        for user_id, start in ((world.alice_id, ALICE_CREDIT), (world.bob_id, BOB_CREDIT)):
            account = ledger.credit_account(user_id)
            delta = start - ledger.get_account(account.id).balance_minor
            if delta:
                self._resets += 1
                ledger.post_entry(account.id, Money(delta, "EUR"), "adjustment",
                                  idempotency_key=f"remote-chaos:reset:{self._resets}",
                                  actor="test", note="schedule start")
        self.site.converged()

    # -- what the parts hold ------------------------------------------------------------

    def agent_rows(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        with contextlib.closing(sqlite3.connect(
                f"file:{self.site.agent.data_dir / 'agent.db'}?mode=ro", uri=True)) as conn:
            return list(conn.execute(sql, args).fetchall())

    def unsettled(self) -> list[str]:
        marks = ",".join("?" * len(AGENT_ENDED))
        found = [f"agent job {local_id} {state}" for local_id, state in self.agent_rows(
            f"SELECT local_id, state FROM jobs WHERE state NOT IN ({marks})", *AGENT_ENDED)]
        found += [f"agent outbox {row[0]}"
                  for row in self.agent_rows("SELECT local_id FROM outbox")]
        for where, server in self.servers():
            with server.db.engine.connect() as conn:
                rows = conn.execute(sa.select(jobs_table.c.id, jobs_table.c.state).where(
                    jobs_table.c.state.not_in(sorted(ENDED)))).all()
            found += [f"{where} job {row.id} {row.state}" for row in rows]
        return found

    def unconverged(self) -> list[str]:
        """What keeps the remote from having converged: outboxes not acked, its replica
        behind central's feed (the balances are compared in ``check``)."""
        remote = self.site.remote.container
        entries_left = remote.db.read(outbox.pending_count)
        jobs_left = remote.db.read(job_outbox.pending_count)
        found = [f"remote outbox: {entries_left} entries"] if entries_left else []
        found += [f"remote job outbox: {jobs_left} jobs"] if jobs_left else []
        head = self.site.central.container.feed.sequence()
        version = _ready(self.site.remote.url).get("replica_version") or 0
        found += [f"remote at version {version}, central at {head}"] if version < head else []
        return found

    def settle(self) -> tuple[list[str], list[str]]:
        """What is still unsettled, and what keeps the remote from having converged, once
        nothing new is (an earlier schedule's failure, already reported, is not waited for
        again)."""
        deadline = time.monotonic() + SETTLE_SECONDS
        while True:
            left, behind = self.unsettled(), self.unconverged()
            fresh = [what for what in left if f"{UNSETTLED}{what}" not in self.reported]
            fresh += [what for what in behind if f"{BEHIND}{what}" not in self.reported]
            if not fresh or time.monotonic() > deadline:
                return left, behind
            time.sleep(0.3)

    def servers(self) -> tuple[tuple[str, ServerContainer], ...]:
        return (("central", self.site.central.container),
                ("remote", self.site.remote.container))

    def printed(self) -> Counter[str]:
        return printed_markers(self.site.printer.directory, self.documents)

    def close(self) -> None:
        self._site_parts.close()


def _ready(url: str) -> dict[str, Any]:
    with contextlib.suppress(httpx.HTTPError, ValueError):
        answer: dict[str, Any] = httpx.get(url + "/readyz", timeout=5).json()
        return answer
    return {}


def _balances(server: ServerContainer) -> dict[str, tuple[int, int]]:
    """Account id -> (balance, sum of its entries) in ``server``'s own ledger."""
    with server.db.engine.connect() as conn:
        sums = sa.select(ledger_entries.c.account_id,
                         sa.func.sum(ledger_entries.c.amount_minor).label("total")).group_by(
            ledger_entries.c.account_id).subquery()
        rows = conn.execute(
            sa.select(ledger_accounts.c.id, ledger_accounts.c.balance_minor, sums.c.total)
            .outerjoin(sums, sums.c.account_id == ledger_accounts.c.id)).all()
    return {str(row.id): (row.balance_minor, row.total or 0) for row in rows}


def check(rig: RemoteRig, acknowledged: list[Acknowledged], outcome: Outcome,
          behind: list[str]) -> None:
    """``behind``: what kept the remote from converging when the settle ended."""
    problems = outcome.problems
    central = rig.site.central.container
    with central.db.engine.connect() as conn:
        rows = conn.execute(sa.select(
            jobs_table.c.id, jobs_table.c.agent_job_key, jobs_table.c.state,
            jobs_table.c.title, jobs_table.c.origin_site,
        ).where(jobs_table.c.agent_id == rig.agent_id)).all()
        charged = conn.execute(
            sa.select(jobs_table.c.agent_job_key, ledger_entries.c.account_id,
                      sa.func.count()).join(jobs_table,
                                            jobs_table.c.id == ledger_entries.c.job_id)
            .where(ledger_entries.c.kind == "charge")
            .group_by(jobs_table.c.agent_job_key, ledger_entries.c.account_id)
            .having(sa.func.count() > 1)).all()
        repeated_keys = conn.execute(
            sa.select(ledger_entries.c.idempotency_key).group_by(
                ledger_entries.c.idempotency_key).having(sa.func.count() > 1)).all()
        kept = conn.execute(sa.select(sync_reconcile_problems)).all()
    check_acknowledged(rig.agent_rows, acknowledged, rows, outcome)
    outcome.double_charges = len(charged) + len(repeated_keys)
    problems += [f"agent job {row[0]} charged {row[2]} times to {row[1]}" for row in charged]
    problems += [f"idempotency key {row[0]} twice at central" for row in repeated_keys]
    problems += [f"kept at central as a reconcile problem: {dict(row._mapping)}"
                 for row in kept]
    balances = {where: _balances(server) for where, server in rig.servers()}
    mismatched = {a: b for a, b in balances["central"].items() if b[0] != b[1]}
    outcome.balance_mismatches = len(mismatched)
    problems += [f"central account {a}: balance {b[0]}, entries {b[1]}"
                 for a, b in mismatched.items()]
    for where, server in rig.servers():
        with server.db.engine.connect() as conn:
            still = conn.execute(sa.select(ledger_reservations.c.id).where(
                ledger_reservations.c.status == "open")).all()
        problems += [f"{where} reservation {row.id} still open" for row in still]
    diverged = [f"account {account_id} is {balance} there, {at_central} at central"
                for account_id, (balance, _) in balances["remote"].items()
                if (at_central := balances["central"].get(account_id, (None, None))[0])
                != balance]
    diverged += behind
    outcome.unconverged = int(bool(diverged))
    problems += [f"{BEHIND}{what}" for what in diverged]
    check_printed(rig.printed(), rig.agent_rows, rows, outcome, lambda _: "at central")


def run_remote_schedule(rig: RemoteRig, seed_value: int, steps: int, *,
                        announce: bool = True) -> Outcome:
    """Run one schedule on ``rig``, heal, settle, check; raise ``ScheduleFailed``."""
    started = time.monotonic()
    outcome = Outcome(seed_value, make_remote_schedule(seed_value, steps),
                      seed_variable="PRINTWARDEN_REMOTE_CHAOS_SEED")
    if announce:
        print(f"\nremote chaos schedule {outcome.header()}", flush=True)
    acknowledged: list[Acknowledged] = []
    try:
        rig.reset_balances()
        for number, step in enumerate(outcome.steps, 1):
            ack = rig.apply(step, seed_value, number)
            if ack is not None:
                acknowledged.append(ack)
        rig.heal()
        left, behind = rig.settle()
        outcome.problems += [f"{UNSETTLED}{what}" for what in left]
        check(rig, acknowledged, outcome, behind)
    except Exception as error:  # a part that broke is a failure of the schedule too
        outcome.problems.append(f"{type(error).__name__}: {error}")
    return finish(outcome, rig.reported, len(acknowledged), started)


def remote_rig(root: Path) -> Iterator[RemoteRig]:
    made = RemoteRig(root)
    try:
        yield made
    finally:
        made.close()
