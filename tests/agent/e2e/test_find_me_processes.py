"""Find-me between two real agent processes and a live server: a job held on agent A is
released at a device served by agent B; B fetches it from A's listener, the virtual
printer receives it once, the server charges it once, A's spool is empty afterwards."""

from __future__ import annotations

from pathlib import Path

from tests.agent.e2e.support import AgentProcess, add_agent_queue, charges_of, poll
from tests.agent.support import LiveServer, World, text_document
from tests.ipp.server.support import RunningVirtualPrinter


def _spool_files(agent: AgentProcess) -> list[Path]:
    return [p for p in (agent.data_dir / "spool").rglob("*") if p.is_file()]


def test_a_job_held_on_agent_a_prints_at_agent_bs_device_and_leaves_a(
        live: LiveServer, world: World, downstream: RunningVirtualPrinter,
        tmp_path: Path) -> None:
    server = world.server
    a = AgentProcess(tmp_path / "agent-a", live.url, name="e2e-a")
    b = AgentProcess(tmp_path / "agent-b", live.url, name="e2e-b", extra_settings=(
        f'min_free_bytes = 0\n[find_me_peers]\n"e2e-a" = "{a.base}"\n'))
    try:
        a.start(enrol=world.code)
        add_agent_queue(world, a, "vault", "ipp://127.0.0.1:9/never", hold_for_release=True)
        code, _ = server.devices.create_enrolment_code(actor="test")
        b.start(enrol=code)
        agent_b = next(x for x in server.devices.list_agents() if x.name == "e2e-b")
        far = server.devices.create_device("far", actor="test", agent_id=agent_b.id,
                                           device_uri=downstream.uri)
        queue = server.devices.find_queue_by_name("vault")
        assert queue is not None and queue.release_group_id is not None
        server.devices.add_release_group_member(queue.release_group_id, far.id, actor="test")

        document = text_document(20)
        answer = a.print_job("vault", document, fmt="text/plain")
        assert answer.status_code == 0, answer
        held = poll(lambda: [j for j in server.jobs.list_jobs(username="alice")[0]
                             if j.state.value == "held"], "the job held at the server")
        assert _spool_files(a), "the document waits in A's spool"
        alice = server.principal_for_user(world.alice_id)
        assert alice is not None
        [outcome] = server.release.release(alice, far.id, [held[0].id])
        assert outcome.ok, outcome.message

        printed = poll(lambda: list(downstream.directory.iterdir()), "the print at B's device")
        assert printed[0].read_bytes() == document
        poll(lambda: server.jobs.get_job(held[0].id).state.value == "completed",
             "the server job to complete")
        poll(lambda: not _spool_files(a), "A's spool to be empty")
        assert charges_of(world, held[0].id) == 1
        job = server.jobs.get_job(held[0].id)
        assert job.device_id == far.id and job.charged_cost_minor
    finally:
        a.kill()
        b.kill()
