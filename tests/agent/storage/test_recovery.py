"""Recovery: a new agent on the data of one that died at each step finishes every job,
and the server charges each job once."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from printwarden.agent.model import JobMeta, LocalJob, LocalState, completion_body
from printwarden.agent.settings import AgentSettings, read_token
from printwarden.agent.storage.journal import Journal
from printwarden.core.ids import new_id
from printwarden.jobs.messages import Analysis, AuthorizeRequest
from printwarden.jobs.model import JobState
from tests.agent.support import AgentFactory, World, enrolled, running, text_document, wait_for

L = LocalState


class CrashedAgent:
    """Writes journal rows and spool files the way a killed agent leaves them."""

    def __init__(self, settings: AgentSettings, world: World) -> None:
        self.settings = settings
        self.world = world
        settings.spool_dir.mkdir(parents=True, exist_ok=True)
        (settings.spool_dir / "tmp").mkdir(exist_ok=True)
        self.journal = Journal(settings.journal_path)
        token = read_token(settings)
        assert token is not None
        self.agent = world.server.devices.principal_for_agent_token(token)

    def job(self, queue: str, state: LocalState, document: bytes | None) -> LocalJob:
        local_id = new_id()
        now = datetime.now(UTC)
        job = LocalJob(local_id=local_id, queue=queue, meta=JobMeta(
            username="alice", title=f"{state.value}.txt", document_format="text/plain"),
            spool_name=f"{local_id}.doc", size_bytes=len(document or b""), created_at=now,
            updated_at=now, state=state, state_reason=f"crashed while {state.value}")
        if document is not None:
            (self.settings.spool_dir / job.spool_name).write_bytes(document)
        if state not in (L.SPOOLED, L.ANALYSED):
            job = self.authorized(job)
        self.journal.insert_job(job)
        return job

    def authorized(self, job: LocalJob) -> LocalJob:
        decision = self.world.server.jobs.authorize(self.agent, AuthorizeRequest(
            agent_job_key=job.local_id, queue=job.queue, username="alice",
            title=job.meta.title, document_format="text/plain", size_bytes=job.size_bytes,
            analysis=Analysis(pages=1, color_pages=0, mono_pages=1,
                              sizes={"iso_a4_210x297mm": 1})))
        assert decision.decision == "allow"
        return replace(job, server_job_id=decision.job_id, decision="allow", pages=1,
                       color_pages=0, analysis={"pages": 1, "color_pages": 0})


def test_a_restarted_agent_finishes_every_job_it_knew_and_charges_each_once(
        world: World, agent_settings: AgentFactory, tmp_path: Path) -> None:
    spooled_doc, forwarding_doc, asked_doc = text_document(2), text_document(5), text_document(7)
    devices = {name: tmp_path / f"{name}.out"
               for name in ("first", "second", "third", "fourth")}
    first_answers: dict[str, str | None] = {}

    async def scenario() -> dict[str, LocalJob]:
        settings = agent_settings()
        await enrolled(settings, world)
        for name, device in devices.items():
            world.add_queue(name, device=device)
        crashed = CrashedAgent(settings, world)
        jobs = {
            "spooled": crashed.job("first", L.SPOOLED, spooled_doc),
            "forwarding": crashed.job("second", L.FORWARDING, forwarding_doc),
            "lost": crashed.job("third", L.AUTHORIZED, None),
        }
        forwarded = replace(crashed.job("third", L.FORWARDED, None), pages_printed=1,
                            copies_printed=1)
        crashed.journal.save_job(forwarded, outbox=completion_body(forwarded))
        jobs["forwarded"] = forwarded
        # Died after the server decided but before the decision was journaled.
        jobs["asked"] = crashed.job("fourth", L.ANALYSED, asked_doc)
        first_answers["asked"] = crashed.authorized(jobs["asked"]).server_job_id
        (settings.spool_dir / "tmp" / f"{new_id()}.part").write_bytes(b"half an upload")
        (settings.spool_dir / f"{new_id()}.doc").write_bytes(b"a file without a row")
        crashed.journal.close()

        async with running(settings, world.transport) as core:
            assert core.recovery is not None and core.recovery.missing_documents == 1

            def settled() -> bool:
                current = [core.get_job(job.local_id) for job in jobs.values()]
                return all(job is not None and job.terminal and (
                    job.completion_sent or job.server_job_id is None) for job in current)

            await wait_for(settled, "every recovered job to end")
            ended = {name: core.get_job(job.local_id) for name, job in jobs.items()}
            assert list(settings.spool_dir.glob("*.doc")) == []
            assert list((settings.spool_dir / "tmp").iterdir()) == []
            assert core.book.journal.outbox() == []
            return {name: job for name, job in ended.items() if job is not None}

    ended = asyncio.run(scenario())

    assert {name: job.state for name, job in ended.items()} == {
        "spooled": L.COMPLETED, "forwarding": L.COMPLETED, "lost": L.FAILED,
        "forwarded": L.COMPLETED, "asked": L.COMPLETED}
    assert ended["asked"].server_job_id == first_answers["asked"]
    assert devices["fourth"].read_bytes() == asked_doc
    assert devices["first"].read_bytes() == spooled_doc
    assert devices["second"].read_bytes() == forwarding_doc
    assert not devices["third"].exists()
    assert "lost" in ended["lost"].state_reason
    server = world.server.jobs
    for name in ("spooled", "forwarding", "forwarded", "asked"):
        job_id = ended[name].server_job_id
        assert job_id is not None
        assert server.get_job(job_id).state is JobState.COMPLETED, name
        assert world.charges(job_id) == 1, name
    lost_id = ended["lost"].server_job_id
    assert lost_id is not None
    assert server.get_job(lost_id).state is JobState.FAILED
    assert world.charges(lost_id) == 0
    account = world.server.ledger.credit_account(world.alice_id)
    assert (account.balance_minor, account.reserved_minor) == (1000 - 4 * 5, 0)
