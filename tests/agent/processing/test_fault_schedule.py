"""A bounded random schedule of faults over 50 jobs, and the invariants after the heal.

Faults: the printer goes away for a while (SIGTERM, back later), the printer loses power
(SIGKILL, back at once: what it was printing is lost, what it finished it remembers, as a
printer with a job history does), users cancel jobs at any moment, the agent restarts.
Seed: ``PRINTWARDEN_FAULT_SEED`` (the one used is printed, and in the assertion, so a
failure reproduces). After the heal:

- every accepted job ended: printed once, or cancelled with a reason, or (a job its
  printer lost mid-print) failed with a reason and flagged for an operator;
- no cancelled job reached the printer after its cancel, and none printed;
- the pages the printer printed (its own log) equal the pages charged (the ledger);
- no reservation outlives its job, and the server and the agent agree on every ending.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from printwarden.agent.bootstrap import build_agent
from printwarden.agent.model import TERMINAL_STATES, JobMeta, LocalJob, LocalState
from printwarden.agent.service import AgentService, JobConflict
from printwarden.agent.settings import AgentSettings
from printwarden.jobs.model import JobState
from tests.agent.support import MONO_PAGE, AgentFactory, World, enrolled, wait_for
from tests.ipp.server.support import make_pdf
from tests.support.printers import VirtualPrinterProcess

JOBS = 50
L = LocalState
SERVER_STATE = {L.COMPLETED: JobState.COMPLETED, L.CANCELLED: JobState.CANCELLED,
                L.FAILED: JobState.FAILED}


@dataclass
class Schedule:
    """What the test did, to check against what happened."""

    seed: int
    accepted: dict[str, str] = field(default_factory=dict)  # local id -> title
    cancelled_at: dict[str, float] = field(default_factory=dict)  # title -> wall time
    faults: list[str] = field(default_factory=list)


async def _document(path: Path) -> AsyncIterator[bytes]:
    yield path.read_bytes()


class Rig:
    """The agent (restartable in place) and the printer (stoppable, killable)."""

    def __init__(self, settings: AgentSettings, world: World,
                 printer: VirtualPrinterProcess) -> None:
        self.settings = settings
        self.world = world
        self.printer = printer
        self.core: AgentService | None = None

    async def start_agent(self) -> AgentService:
        self.core = build_agent(self.settings, transport=self.world.transport)
        await self.core.start()
        return self.core

    async def restart_agent(self) -> None:
        assert self.core is not None
        await self.core.stop()
        await self.start_agent()

    def printer_up(self) -> None:
        if self.printer.proc is None:
            self.printer.start()


async def _run_schedule(rig: Rig, plan: Schedule, documents: list[Path]) -> None:
    rng = random.Random(plan.seed)
    core = await rig.start_agent()
    await wait_for(lambda: core.queue_config("hall"), "the queue")
    submitted = down_steps = 0
    while submitted < JOBS or down_steps:
        core = rig.core
        assert core is not None
        roll = rng.random()
        if submitted < JOBS and roll < 0.55:
            title = f"fault-{submitted:02d}"
            pages = rng.randint(1, 3)
            job = await core.accept("hall", JobMeta(username="alice", title=title,
                                                    document_format="application/pdf"),
                                    _document(documents[pages - 1]))
            plan.accepted[job.local_id] = title
            submitted += 1
        elif roll < 0.65 and plan.accepted:
            local_id = rng.choice(sorted(plan.accepted))
            current = core.get_job(local_id)
            if current is not None and not current.terminal:
                plan.cancelled_at.setdefault(plan.accepted[local_id], time.time())
                try:
                    await core.cancel(local_id, by_user="alice")
                    plan.faults.append(f"cancel {plan.accepted[local_id]}")
                except JobConflict:  # sent whole to the printer meanwhile: IPP says
                    # completed and a client's cancel is refused (not-possible)
                    after = core.get_job(local_id)
                    assert after is not None and after.state in (L.FORWARDED, L.COMPLETED)
                    plan.faults.append(f"cancel {plan.accepted[local_id]} refused: printed")
        elif roll < 0.72 and rig.printer.proc is not None:
            rig.printer.stop()
            down_steps = rng.randint(2, 6)
            plan.faults.append("printer away")
        elif roll < 0.78 and rig.printer.proc is not None:
            rig.printer.kill()
            rig.printer.start()
            plan.faults.append("printer power cut")
        elif roll < 0.84:
            await rig.restart_agent()
            plan.faults.append("agent restart")
        if down_steps:
            down_steps -= 1
            if not down_steps:
                rig.printer_up()
                plan.faults.append("printer back")
        await asyncio.sleep(rng.uniform(0.02, 0.3))
    rig.printer_up()


def _everything_settled(core: AgentService, plan: Schedule) -> bool:
    jobs = [core.get_job(local_id) for local_id in plan.accepted]
    return all(job is not None and job.state in TERMINAL_STATES and
               (job.completion_sent or job.server_job_id is None) for job in jobs)


def test_a_random_schedule_of_faults_loses_no_job_prints_none_twice_and_charges_what_printed(
        world: World, agent_settings: AgentFactory, tmp_path: Path) -> None:
    seed = int(os.environ.get("PRINTWARDEN_FAULT_SEED") or random.randrange(1 << 30))
    print(f"fault schedule seed: {seed} (PRINTWARDEN_FAULT_SEED={seed} reproduces it)")
    plan = Schedule(seed)
    printer = VirtualPrinterProcess(tmp_path / "printed", delay=0.4, keep_history=True)
    printer.start()
    world.top_up(world.alice_id, 100_000)
    documents = [make_pdf(tmp_path / f"doc-{n}.pdf", n) for n in (1, 2, 3)]
    settings = agent_settings(device_poll_seconds=0)
    rig = Rig(settings, world, printer)

    async def scenario() -> dict[str, LocalJob]:
        await enrolled(settings, world)
        world.server.devices.create_printer(
            "hall", actor="test", agent_id=world.agent_id(), device_uri=printer.uri,
            owner_check="trusted-network", lost_job_charge="flag")
        try:
            await _run_schedule(rig, plan, documents)
            core = rig.core
            assert core is not None
            await wait_for(lambda: _everything_settled(core, plan), "every job to end",
                           timeout=180)
            found = {local_id: core.get_job(local_id) for local_id in plan.accepted}
            return {k: v for k, v in found.items() if v is not None}
        finally:
            if rig.core is not None:
                await rig.core.stop()

    try:
        ended = asyncio.run(scenario())
    finally:
        printer.stop()
    context = f"seed {seed}; faults: {', '.join(plan.faults)}"
    printed = printer.printed()
    completed_prints: dict[str, int] = {}
    for entry in printed:
        if entry.completed:
            completed_prints[entry.name] = completed_prints.get(entry.name, 0) + 1

    assert len(ended) == JOBS, context
    for local_id, job in ended.items():
        title = plan.accepted[local_id]
        if job.state is L.COMPLETED:
            assert completed_prints.get(title) == 1, f"{title} printed " \
                f"{completed_prints.get(title, 0)} times; {context}"
        elif job.state is L.CANCELLED:
            assert job.state_reason, context
            assert title not in completed_prints, f"cancelled {title} printed; {context}"
        else:
            assert job.state is L.FAILED and job.flag and job.state_reason, (
                f"{title} ended {job.state.value}: {job.state_reason}; {context}")
            assert title not in completed_prints, context
        if job.server_job_id is None:  # cancelled before the server heard of it
            assert job.state is L.CANCELLED, (title, context)
            continue
        server_job = world.server_job(job.server_job_id)
        assert server_job.state is SERVER_STATE[job.state], (title, context)
    for title, when in plan.cancelled_at.items():
        late = [p for p in printer.documents() if title in p.name
                and p.stat().st_mtime > when + 0.05]
        cancelled = [j for j in ended.values() if plan.accepted[j.local_id] == title
                     and j.state is L.CANCELLED]
        assert not (cancelled and late), f"{title} reached the printer after its cancel"
    pages_printed = sum(p.impressions for p in printed if p.completed)
    charges = []
    for job in ended.values():
        if job.server_job_id is None:
            continue
        entries, _ = world.server.ledger.list_entries(kind="charge", job_id=job.server_job_id)
        charges += [-entry.amount.minor for entry in entries]
    assert sum(charges) == pages_printed * MONO_PAGE, context
    account = world.server.ledger.credit_account(world.alice_id)
    assert account.reserved_minor == 0, context
