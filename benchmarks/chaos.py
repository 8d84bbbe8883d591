"""Randomized partition schedules, many of them: the invariants of
``tests/offline/schedules.py`` (nothing acknowledged lost, nothing charged twice, every
balance the sum of its entries, each completed document printed once) over N seeds, or
with ``--remote`` those of ``tests/offline/remote_schedules.py`` (the same, over a site
with a remote, and every remote converged to central).

Run from the repository root:

    .venv/bin/python benchmarks/chaos.py [--remote] [--schedules 1000] [--steps 10]
                                         [--seed-base 1] [--write]

One set of real processes runs every schedule in turn; each schedule heals what it broke
before the next. Without ``--remote``: a server process on SQLite, an agent process
behind a loopback proxy, a virtual printer. With it: central, an enrolled remote, an
agent, a terminal and a virtual printer, every path through its own proxy. One line per
schedule: seed, steps, seconds, result (a failure prints its seed, steps and what broke;
``PRINTWARDEN_CHAOS_SEED=N pytest tests/offline/test_partition_schedules.py``, or
``PRINTWARDEN_REMOTE_CHAOS_SEED=N pytest tests/offline/test_remote_partition_schedules.py``,
replays it). ``--workers N`` runs N such sets of processes side by side, each on its
share of the seeds (a child process per set; the figures are added up as they come).
``--write`` replaces the "Randomized partition schedules" section (with
``--remote``: "Randomized partition schedules with a remote") of ``docs/reliability.md``.
The exit status is 1 when any schedule failed.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from report_support import machine, write_section  # noqa: E402
from tests.offline.remote_schedules import remote_rig, run_remote_schedule  # noqa: E402
from tests.offline.schedules import (  # noqa: E402
    Outcome,
    Rig,
    ScheduleFailed,
    Step,
    run_schedule,
)

TITLE = "Randomized partition schedules"
REMOTE_TITLE = "Randomized partition schedules with a remote"
DOC = ROOT / "docs" / "reliability.md"


def _seeds(outcomes: list[Outcome]) -> str:
    """The seeds run (``outcomes`` in seed order), and how many when some are missing."""
    if not outcomes:
        return "none"
    low, high = outcomes[0].seed, outcomes[-1].seed
    return f"{low} to {high}" + ("" if high - low + 1 == len(outcomes)
                                 else f" ({len(outcomes)} of them)")


def _table(outcomes: list[Outcome], steps: int, wall: float,
           with_remote: bool) -> list[str]:
    failed = [o for o in outcomes if o.problems]
    lines = [
        "| schedules | steps each | seeds | jobs acknowledged | lost jobs | double charges "
        "| balance mismatches | " + ("remotes not converged | " if with_remote else "")
        + "documents printed twice | failed schedules | wall time |",
        "| ---: | ---: | --- | ---: | ---: | ---: | ---: | " + ("---: | " if with_remote else "")
        + "---: | ---: | ---: |",
        f"| {len(outcomes)} | {steps} | {_seeds(outcomes)} "
        f"| {sum(o.acknowledged for o in outcomes)} | {sum(o.lost for o in outcomes)} "
        f"| {sum(o.double_charges for o in outcomes)} "
        f"| {sum(o.balance_mismatches for o in outcomes)} "
        + (f"| {sum(o.unconverged for o in outcomes)} " if with_remote else "")
        + f"| {sum(len(o.doubled) for o in outcomes)} | {len(failed)} | {wall:.0f} s |",
        "",
    ]
    if len(outcomes) < 1000 and not with_remote:
        lines += ["The issue's run of 1,000 schedules is still to come.", ""]
    known = sum(len(o.known) for o in outcomes)
    if known:
        lines += [f"Documented double prints (sent again after a SIGKILL): {known}.", ""]
    for outcome in failed:
        lines.append(f"- failed: `{outcome.header()}`: {'; '.join(outcome.problems[:3])}")
    if failed:
        lines.append("")
    return lines


def _remote_section(outcomes: list[Outcome], steps: int, wall: float) -> str:
    return "\n".join([
        f"## {REMOTE_TITLE}", "",
        "`tests/offline/remote_schedules.py` does the same over a site with a remote: "
        "central, an enrolled `printwarden remote`, an agent and a terminal that list "
        "central then the remote, a virtual printer, every path through its own loopback "
        "proxy. Its steps: print (a `direct` queue authorized at whichever server the "
        "agent talks to, or a `vault` queue held for release; alice or bob), release "
        "every held job at the terminal by card and PIN, copy pages at the terminal (a "
        "copy session opened, counted, closed), top up alice at central, cut the site's "
        "WAN (the agent, the terminal and the remote's pull lose central) or the "
        "remote's pull alone, restore, stop or start central, SIGKILL and restart the "
        "remote or the agent, wait. After the heal it releases what is still held and "
        "waits until nothing is on its way, then checks: every acknowledged job once in "
        "central's job log (its own row or the remote's ended job pushed to it) and "
        "ended, no job or reservation open at either server, no ledger key twice and no "
        "job charged twice at central, every central balance the sum of its entries, "
        "and the remote converged (outboxes acked, replica at central's feed version, "
        "every balance there equal to central's), nothing left as a reconcile problem, "
        "each completed job's document printed once. CI runs seeds 1 to 3 "
        "(`tests/offline/test_remote_partition_schedules.py`); "
        "`PRINTWARDEN_REMOTE_CHAOS_SEED=N` replays one; "
        "`benchmarks/chaos.py --remote --schedules N` runs many.", "",
        f"Last run: {datetime.now(UTC):%Y-%m-%d}, {machine()}; central and remote on "
        "SQLite.", "",
        *_table(outcomes, steps, wall, with_remote=True),
    ])


def _section(outcomes: list[Outcome], steps: int, wall: float) -> str:
    lines = [
        f"## {TITLE}", "",
        "`tests/offline/schedules.py` draws a schedule of steps from a seed: print a job "
        "over IPP (a `tracker` or a `hold` queue, alice or bob), cut, half-open or restore "
        "the agent's path to the server (a loopback proxy), drop the answer of the next "
        "`/authorize`, `/offline-jobs` or `/complete` after the server acted, SIGKILL and "
        "restart the agent, stop or start the server process, wait. Then it heals, waits "
        "until the agent has nothing left to send, and checks: every acknowledged job "
        "once in central's job log and ended, no job or reservation left open, no job "
        "charged twice, every balance the sum of its entries, each completed job's "
        "document received by the printer once (and no other). CI runs seeds 1 to 3 "
        "(`tests/offline/test_partition_schedules.py`); `PRINTWARDEN_CHAOS_SEED=N` "
        "replays one; `benchmarks/chaos.py --schedules N` runs many.", "",
        f"Last run: {datetime.now(UTC):%Y-%m-%d}, {machine()}; server on SQLite.", "",
        *_table(outcomes, steps, wall, with_remote=False),
        "Documents printed twice are the agent's documented at-least-once window "
        "(SIGKILLed while sending a job, it sends the job again on restart; charged "
        "once; docs/agent.md, \"What is not covered\" below): counted, not a failure, "
        "when the agent's journal shows the second send. A job central had ended "
        "without printing (a lost deny answer) that the agent printed offline is settled "
        "as printed and charged once (the tracker table above).",
        "",
    ]
    return "\n".join(lines)


def _central_and_agent(root: Path) -> Iterator[Callable[[int, int], Outcome]]:
    rig = Rig(root)
    try:
        yield partial(run_schedule, rig, announce=False)
    finally:
        rig.close()


def _with_remote(root: Path) -> Iterator[Callable[[int, int], Outcome]]:
    for rig in remote_rig(root):
        yield partial(run_remote_schedule, rig, announce=False)


#: A child's line that carries one schedule's outcome (``--workers``).
OUTCOME_MARK = "OUTCOME "


def _result(outcome: Outcome) -> str:
    if outcome.problems:
        return "FAILED\n" + outcome.header() + "\n" + "\n".join(outcome.problems)
    return "ok" + (f" ({len(outcome.known)} documented double print)"
                   if outcome.known else "")


def _run_here(args: argparse.Namespace, seeds: Iterable[int]) -> Iterator[Outcome]:
    """One set of processes, the seeds one after the other."""
    parts = _with_remote if args.remote else _central_and_agent
    with tempfile.TemporaryDirectory() as tmp:
        for run in parts(Path(tmp)):
            for seed in seeds:
                try:
                    yield run(seed, args.steps)
                except ScheduleFailed as failure:
                    if args.keep_logs:
                        _keep_logs(Path(tmp), Path(args.keep_logs) / f"seed-{seed}")
                    yield failure.outcome


def _keep_logs(root: Path, into: Path) -> None:
    """Copy the processes' logs (each appended to for the whole run) as they are when a
    schedule failed: the rig's directory goes when the run ends."""
    into.mkdir(parents=True, exist_ok=True)
    for log_file in root.glob("*.log"):
        shutil.copy2(log_file, into / log_file.name)
    print(f"logs of the failed schedule kept in {into}", file=sys.stderr, flush=True)


def _run_in_children(args: argparse.Namespace, seeds: list[int]) -> Iterator[Outcome]:
    """``args.workers`` child processes of this script, seeds dealt out in turn; their
    outcomes as they come (a JSON line each)."""
    lines: queue.Queue[str | None] = queue.Queue()
    children = []
    for share in range(args.workers):
        mine = seeds[share::args.workers]
        if not mine:
            continue
        command = [sys.executable, __file__, "--steps", str(args.steps), "--emit",
                   "--seeds", ",".join(map(str, mine))] + (["--remote"] if args.remote else [])
        command += ["--keep-logs", args.keep_logs] if args.keep_logs else []
        child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        children.append(child)
        threading.Thread(target=_forward, args=(child, lines), daemon=True).start()
    running = len(children)
    try:
        while running:
            line = lines.get()
            if line is None:
                running -= 1
            elif line.startswith(OUTCOME_MARK):
                fields = json.loads(line[len(OUTCOME_MARK):])
                fields["steps"] = [Step(**step) for step in fields["steps"]]
                yield Outcome(**fields)
    finally:
        for child in children:
            child.terminate()
            child.wait()


def _forward(child: subprocess.Popen[str], lines: queue.Queue[str | None]) -> None:
    assert child.stdout is not None
    for line in child.stdout:
        lines.put(line.rstrip("\n"))
    lines.put(None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--remote", action="store_true",
                        help="schedules over a site with a remote (central, remote, agent, "
                        "terminal) instead of central and an agent")
    parser.add_argument("--schedules", type=int, default=1000, help="how many seeds")
    parser.add_argument("--steps", type=int, default=10, help="steps per schedule")
    parser.add_argument("--seed-base", type=int, default=1, help="the first seed")
    parser.add_argument("--workers", type=int, default=1,
                        help="sets of processes run side by side (one child process each)")
    parser.add_argument("--write", action="store_true",
                        help=f'replace the "{TITLE}" section of docs/reliability.md (with '
                        f'--remote: "{REMOTE_TITLE}"; also every --write-every schedules, '
                        'so a long run stopped early still reports what it ran)')
    parser.add_argument("--write-every", type=int, default=25, help="schedules")
    parser.add_argument("--keep-logs", metavar="DIR", help="copy the processes' logs into "
                        "DIR/seed-N when schedule N fails")
    parser.add_argument("--seeds", help=argparse.SUPPRESS)  # a child's share
    parser.add_argument("--emit", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, _stop)  # a stopped run stops its processes too
    title, make_section = (REMOTE_TITLE, _remote_section) if args.remote else (TITLE, _section)
    seeds = ([int(seed) for seed in args.seeds.split(",")] if args.seeds
             else list(range(args.seed_base, args.seed_base + args.schedules)))
    outcomes: list[Outcome] = []
    started = time.monotonic()
    runs = _run_in_children(args, seeds) if args.workers > 1 else _run_here(args, seeds)
    for outcome in runs:
        if args.emit:  # a child: the parent adds it up
            print(OUTCOME_MARK + json.dumps(dataclasses.asdict(outcome)), flush=True)
            continue
        outcomes.append(outcome)
        print(f"seed {outcome.seed}  steps {args.steps}  {outcome.seconds:5.1f} s  "
              f"acknowledged {outcome.acknowledged}  {_result(outcome)}", flush=True)
        if args.write and len(outcomes) % args.write_every == 0:
            write_section(title, make_section(_by_seed(outcomes), args.steps,
                                              time.monotonic() - started), DOC)
    if args.emit:
        sys.exit(0)
    wall = time.monotonic() - started
    section = make_section(_by_seed(outcomes), args.steps, wall)
    print(section)
    if args.write:
        write_section(title, section, DOC)
    sys.exit(1 if any(o.problems for o in outcomes) else 0)


def _stop(signum: int, _frame: object) -> None:
    """SIGTERM: leave as from Ctrl-C, so each set of processes is torn down (the parent
    stops its children the same way)."""
    raise KeyboardInterrupt(f"signal {signum}")


def _by_seed(outcomes: list[Outcome]) -> list[Outcome]:
    return sorted(outcomes, key=lambda outcome: outcome.seed)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt as stopped:
        sys.exit(f"stopped ({stopped or 'Ctrl-C'})")
