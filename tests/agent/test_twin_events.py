"""A twin's events leave the job alone. With a site's remote one print can be authorized
at two servers; the agent follows one answer and drops the other server's job (a twin).
The twin's cancel (the drop, or central settling it), expiry or release names the agent's
job key too: applied by key, it cancelled the job that follows the other server's (held,
unprinted, its reservation left open there: chaos seed 499). Real server (SQLite), agent in
process."""

from __future__ import annotations

import asyncio

from printwarden.agent.model import JobMeta, LocalJob, LocalState
from printwarden.agent.service import AgentService
from tests.agent.support import (
    AgentFactory,
    World,
    chunks_of,
    enrolled,
    running,
    text_document,
    wait_for,
)

L = LocalState
TWIN = "01HZX0000000000000000TWIN1"  # the other server's job of the same agent job key


async def _held(core: AgentService) -> LocalJob:
    job = await core.accept("vault", JobMeta(username="alice"), chunks_of(text_document()))
    await wait_for(lambda: (j := core.get_job(job.local_id)) and j.state is L.HELD
                   and j.server_job_id, "the job to be held")
    held = core.get_job(job.local_id)
    assert held is not None
    return held


def test_a_twins_cancel_expire_and_release_events_leave_the_job_alone_its_own_do_not(
        world: World, agent_settings: AgentFactory) -> None:
    async def scenario() -> None:
        settings = agent_settings()
        await enrolled(settings, world)
        world.add_queue("vault", hold_for_release=True)
        async with running(settings, world.transport) as core:
            held = await _held(core)
            for kind in ("cancel", "expire", "release"):
                await core.events.handle({"id": f"twin-{kind}", "kind": kind, "payload": {
                    "job_id": TWIN, "agent_job_key": held.local_id,
                    "reason": f"cancelled by agent:ps-1: printed through another server "
                              f"(its job {held.server_job_id})"}})
            await asyncio.sleep(0.2)
            still = core.get_job(held.local_id)
            assert still is not None and still.state is L.HELD  # the twin's: ignored
            await core.events.handle({"id": "own-cancel", "kind": "cancel", "payload": {
                "job_id": held.server_job_id, "agent_job_key": held.local_id,
                "reason": "cancelled by staff"}})
            await wait_for(lambda: (j := core.get_job(held.local_id))
                           and j.state is L.CANCELLED, "its own cancel to apply")

    asyncio.run(scenario())
