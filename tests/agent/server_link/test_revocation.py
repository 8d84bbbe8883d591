"""A revoked agent stops taking jobs, says why, and leaves no money hanging."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from printwarden.agent.model import JobMeta, LocalJob, LocalState
from printwarden.agent.queues import QueueStatus
from printwarden.agent.service import REVOKED_MESSAGE, QueueNotAccepting
from printwarden.jobs.model import JobState
from tests.agent.support import AgentFactory, World, enrolled, running, wait_for
from tests.ipp.server.support import make_pdf
from tests.support.printers import VirtualPrinterProcess

L = LocalState
PDF = JobMeta(username="alice", title="report.pdf", document_format="application/pdf")


async def pdf(path: Path) -> AsyncIterator[bytes]:
    yield make_pdf(path, 2).read_bytes()


def test_a_revoke_mid_job_ends_the_job_at_the_server_and_stops_the_agents_queues(
        world: World, agent_settings: AgentFactory, tmp_path: Path) -> None:
    printer = VirtualPrinterProcess(tmp_path / "printed", delay=3).start()
    settings = agent_settings()

    async def scenario() -> tuple[LocalJob, QueueStatus, str]:
        await enrolled(settings, world)
        world.server.devices.create_printer(
            "hall", actor="test", agent_id=world.agent_id(), device_uri=printer.uri,
            owner_check="trusted-network")
        async with running(settings, world.transport) as core:
            await wait_for(lambda: core.queue_config("hall"), "the queue")
            job = await core.accept("hall", PDF, pdf(tmp_path / "a.pdf"))
            printing = await wait_for(
                lambda: (j := core.get_job(job.local_id)) and j.remote_job_id and j,
                "the printer to take the job")
            ended = world.server.jobs.revoke_agent(world.agent_id(), actor="admin")
            assert ended == 1
            await wait_for(lambda: core.revoked, "the agent to hear it was revoked")
            accepting = core.accepting("hall")
            status = core.queue_status("hall")
            with pytest.raises(QueueNotAccepting):
                await core.accept("hall", PDF, pdf(tmp_path / "b.pdf"))
            done = await wait_for(
                lambda: (j := core.get_job(job.local_id)) and j.completion_sent and j,
                "the completion to be settled")  # refused by the server, not retried
            assert printing.server_job_id is not None
            return done, status, accepting[1]

    try:
        done, status, why = asyncio.run(scenario())
    finally:
        printer.stop()

    assert why == "agent-revoked"
    assert status.printer_state == 5 and not status.is_accepting_jobs
    assert status.printer_state_message == REVOKED_MESSAGE
    assert done.server_job_id is not None
    server_job = world.server_job(done.server_job_id)
    assert server_job.state is JobState.FAILED and "revoked" in server_job.state_reason
    assert world.charges(done.server_job_id) == 0
    account = world.server.ledger.credit_account(world.alice_id)
    assert (account.balance_minor, account.reserved_minor) == (1000, 0)

    async def restarted() -> tuple[bool, str]:
        async with running(settings, world.transport) as core:
            return core.revoked is not None, core.accepting("hall")[1]

    assert asyncio.run(restarted()) == (True, "agent-revoked")  # until re-enrolled


def test_a_re_enrolled_agent_takes_jobs_again(world: World,
                                             agent_settings: AgentFactory) -> None:
    settings = agent_settings()

    async def scenario() -> tuple[str, str]:
        await enrolled(settings, world)
        world.add_queue("hall", owner_check="trusted-network")
        async with running(settings, world.transport) as core:
            await wait_for(lambda: core.queue_config("hall"), "the queue")
            world.server.jobs.revoke_agent(world.agent_id(), actor="admin")
            await wait_for(lambda: core.revoked, "the agent to hear it was revoked")
            revoked = core.accepting("hall")[1]
        code, _ = world.server.devices.create_enrolment_code(
            actor="admin", for_agent_id=world.agent_id())  # made for this agent
        world.code = code
        await enrolled(settings, world)
        async with running(settings, world.transport) as core:
            await wait_for(lambda: core.queue_config("hall"), "the queue")
            return revoked, core.accepting("hall")[1]

    assert asyncio.run(scenario()) == ("agent-revoked", "")
