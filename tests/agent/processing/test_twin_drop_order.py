"""An authorize in doubt (an earlier attempt found no server): the agent journals its drops
of the job's twins before the decision it follows, and sends them only after. Killed
between the two commits, the agent then loses neither: the decision was not journaled,
so the drop is forgotten at start and made again with the next authorize; the decision
was, so the drop is there to resume (``TwinDropper.resume``). A drop sent before the
decision is journaled would make a twin's cancel event the agent cannot tell from its
own job's. Real server app (SQLite) and journal; the second server shares its database."""

from __future__ import annotations

import asyncio
import json

import httpx

from printwarden.agent.model import JobMeta, LocalState
from printwarden.agent.server_link.twin_dropper import PENDING_PREFIX, pending_key
from printwarden.agent.service import AgentService
from tests.agent.support import (
    AgentFactory,
    InProcessServer,
    Network,
    World,
    chunks_of,
    enrolled,
    running,
    text_document,
    wait_for,
)

L = LocalState


class Recorder(httpx.AsyncBaseTransport):
    """The test network, noting each authorize tried and, for each drop-twin request,
    the server job the agent's journal says its job follows when the request leaves."""

    def __init__(self, network: Network) -> None:
        self.network = network
        self.core: AgentService | None = None
        self.authorizes = 0
        self.drops: list[tuple[str, str | None]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/agent/authorize"):
            self.authorizes += 1
        elif path.endswith("/agent/drop-twin") and self.core is not None:
            key = str(json.loads(request.content)["agent_job_key"])
            job = self.core.get_job(key)
            self.drops.append((request.url.host, None if job is None else job.server_job_id))
        return await self.network.handle_async_request(request)


def test_drops_are_journaled_before_the_decision_and_sent_after_it(
        world: World, agent_settings: AgentFactory, app_server: InProcessServer,
        backup_server: InProcessServer, network: Network) -> None:
    recorder = Recorder(network)
    # At each commit of the job: its state, and whether its drop at the backup is journaled.
    commits: list[tuple[LocalState, bool]] = []

    async def scenario() -> tuple[str, str | None]:
        settings = agent_settings(server_urls=[app_server.url, backup_server.url])
        await enrolled(settings, world)
        world.add_queue("hall", failure_policy="hold")
        async with running(settings, recorder) as core:
            recorder.core = core
            journal = core.book.journal
            app_server.stop()
            backup_server.stop()
            job = await core.accept("hall", JobMeta(
                username="alice", title="notes.txt", document_format="text/plain"),
                chunks_of(text_document(2)))
            pending = pending_key(job.local_id, backup_server.url)

            def committed(local_id: str) -> None:
                if local_id == job.local_id:
                    current = core.get_job(local_id)
                    assert current is not None
                    commits.append((current.state, any(
                        key == pending for key, _ in journal.values_under(PENDING_PREFIX))))

            journal.watch(committed)
            await wait_for(lambda: recorder.authorizes >= 2,
                           "authorizes that find no server")  # now in doubt
            app_server.start()  # central decides; the backup is still down
            done = await wait_for(
                lambda: (j := core.get_job(job.local_id)) is not None
                and j.state is L.COMPLETED and j, "the job to print")
            await wait_for(lambda: recorder.drops, "the drop to be tried at the backup")
            backup_server.start()
            await wait_for(lambda: not journal.values_under(PENDING_PREFIX),
                           "the drop to be answered and forgotten")
            return str(done.server_job_id), recorder.drops[0][1]

    followed, seen_when_sent = asyncio.run(scenario())
    decided = next(i for i, (state, _) in enumerate(commits) if state is L.AUTHORIZED)
    assert commits[decided][1]  # the drop was journaled when the decision was committed
    assert seen_when_sent == followed  # and sent only once the decision was journaled
    assert {host for host, _ in recorder.drops} == {backup_server.host}  # not who decided
    assert world.charges(followed) == 1
