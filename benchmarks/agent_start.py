"""Agent start with a big journal: 200,000 ended jobs, against an empty one and cupsd.

Run from the repository root, as root (cupsd needs it):

    .venv/bin/python benchmarks/agent_start.py [--jobs 200000] [--runs 5] [--write-docs]

Each run starts ``printwarden agent`` as a process (no server answers: it starts from its
cached configuration, as after a power cut) and times it from exec to its first
``/healthz`` answer, which comes once the journal was recovered, swept and each queue's
IPP jobs rebuilt. The peer is a private cupsd, timed from exec to ``lpstat -r``
answering "running", in the same run. ``--write-docs`` replaces the section of
``docs/benchmarks.md`` between its markers.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import httpx
from ipp_submit import Cupsd, free_port

from printwarden.agent.model import JobMeta, LocalJob, LocalState
from printwarden.agent.storage.journal import Journal, _row
from printwarden.core.ids import new_id

QUEUE = "hall"
DOCS = Path(__file__).parent.parent / "docs" / "benchmarks.md"
BEGIN, END = "<!-- agent-start:begin -->", "<!-- agent-start:end -->"


def make_agent_dir(root: Path, ended_jobs: int) -> Path:
    """An enrolled agent's data directory whose journal holds ``ended_jobs`` jobs."""
    root.mkdir(parents=True)
    (root / "agent-token").write_text("pwa_benchmark-token\n")
    os.chmod(root / "agent-token", 0o600)
    (root / "agent.toml").write_text(
        f'[agent]\nserver_urls = ["http://127.0.0.1:{free_port()}"]\n'
        f'dnssd = false\nmin_free_bytes = 0\nrequest_timeout_seconds = 2\n'
        f'[[agent.queues]]\nname = "{QUEUE}"\ndevice_uri = "file:///dev/null"\n')
    Journal(root / "agent.db").close()  # the schema
    now = datetime.now(UTC) - timedelta(days=1)  # recent: the sweep keeps them all
    rows = []
    for n in range(ended_jobs):
        job = LocalJob(local_id=new_id(), queue=QUEUE,
                       meta=JobMeta(username=f"user{n % 500}", title=f"report {n}.pdf",
                                    document_format="application/pdf", ipp_job_id=n + 1),
                       spool_name="gone.doc", size_bytes=4096, created_at=now,
                       updated_at=now, state=LocalState.COMPLETED, pages=2,
                       completion_sent=True, pages_printed=2, copies_printed=1)
        rows.append(_row(job))
    with sqlite3.connect(root / "agent.db") as conn:
        marks = ", ".join("?" for _ in rows[0]) if rows else ""
        if rows:
            conn.executemany(f"INSERT INTO jobs VALUES ({marks})", rows)
    return root


def time_agent(data_dir: Path) -> float:
    port = free_port()
    env = {**os.environ, "PRINTWARDEN_AGENT_PORT": str(port),
           "PRINTWARDEN_AGENT_HOST": "127.0.0.1"}
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "printwarden", "agent", "--data-dir",
                             str(data_dir)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    return time.perf_counter() - started
            except httpx.HTTPError:
                pass
            if proc.poll() is not None:
                raise RuntimeError("the agent exited")
            time.sleep(0.01)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def time_cupsd(root: Path) -> float:
    cupsd = Cupsd(root)
    started = time.perf_counter()
    cupsd.start()  # returns once lpstat -r says it runs (and its queue is added)
    took = time.perf_counter() - started
    cupsd.stop()
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pw-agent-start-") as tmp:
        base = Path(tmp)
        print(f"building a journal of {args.jobs} ended jobs...", flush=True)
        big = make_agent_dir(base / "big", args.jobs)
        empty = make_agent_dir(base / "empty", 0)
        results: dict[str, list[float]] = {"big": [], "empty": [], "cupsd": []}
        for run in range(args.runs):
            results["big"].append(time_agent(big))
            results["empty"].append(time_agent(empty))
            results["cupsd"].append(time_cupsd(base / f"cupsd-{run}"))
            print(f"run {run + 1}/{args.runs}: " + ", ".join(
                f"{k} {v[-1]:.2f} s" for k, v in results.items()), flush=True)
        with sqlite3.connect(big / "agent.db") as conn:
            kept = conn.execute("SELECT COUNT(*) FROM jobs").fetchone()[0]
    median = {k: statistics.median(v) for k, v in results.items()}
    report = {"jobs": args.jobs, "kept_after_start": kept, "median_seconds": median,
              "ratio_big_to_cupsd": median["big"] / median["cupsd"],
              "ratio_big_to_empty": median["big"] / median["empty"],
              "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
                         f"Python {platform.python_version()}",
              "date": datetime.now(UTC).strftime("%Y-%m-%d")}
    print(json.dumps(report, indent=2))
    if args.write_docs:
        write_docs(report)


def write_docs(report: dict[str, object]) -> None:
    median = report["median_seconds"]
    assert isinstance(median, dict)
    section = (
        f"{BEGIN}\n"
        f"Agent start (`benchmarks/agent_start.py`, {report['date']}, {report['machine']}): "
        f"exec to the first `/healthz` answer, median of 5, no server reachable.\n\n"
        "| journal | agent start | ratio to cupsd start |\n| --- | --- | --- |\n"
        f"| {report['jobs']:,} ended jobs | {median['big']:.2f} s | "
        f"{report['ratio_big_to_cupsd']:.2f}x |\n"
        f"| empty | {median['empty']:.2f} s | {median['empty'] / median['cupsd']:.2f}x |\n"
        f"| cupsd (peer, empty) | {median['cupsd']:.2f} s | 1x |\n\n"
        f"Target: under 2 s with {report['jobs']:,} ended jobs. The queue rebuilds its open "
        "jobs and its 500 newest ended ones (`ipp_ended_jobs_kept`); the retention sweep "
        "(30 days) found none old enough here.\n"
        f"{END}")
    text = DOCS.read_text()
    if BEGIN in text:
        head, rest = text.split(BEGIN, 1)
        text = head + section + rest.split(END, 1)[1]
    else:
        text = text.rstrip() + "\n\n## Agent start with a large journal\n\n" + section + "\n"
    DOCS.write_text(text)


if __name__ == "__main__":
    main()
