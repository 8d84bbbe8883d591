"""Secure release against the real server (SQLite) and an agent in process: held jobs are
listed priced for a device, released there by their owner (or an audited operator),
deleted, or expired; charged once at the releasing device's price, or never."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from printwarden.agent.model import JobMeta, LocalJob, LocalState
from printwarden.agent.service import AgentService
from printwarden.core.clock import FixedClock
from printwarden.core.principal import Principal
from printwarden.jobs.model import JobState
from printwarden.release.service import ReleaseService
from tests.agent.support import (
    MONO_PAGE,
    AgentFactory,
    World,
    chunks_of,
    enrolled,
    running,
    text_document,
    wait_for,
)

L = LocalState
TWIN = "01HZX0000000000000000TWIN1"  # another server's job of the same agent job key


def _user(world: World, name: str) -> Principal:
    user = world.server.accounts.find_user_by_username(name)
    assert user is not None
    principal = world.server.principal_for_user(user.id)
    assert principal is not None
    return principal


async def _held(core: AgentService, user: str = "alice") -> LocalJob:
    job = await core.accept("vault", JobMeta(username=user), chunks_of(text_document()))
    await wait_for(lambda: (j := core.get_job(job.local_id)) and j.state is L.HELD
                   and j.server_job_id, "the job to be held")
    held = core.get_job(job.local_id)
    assert held is not None and held.server_job_id is not None
    return held


def _vault_id(world: World) -> str:
    """The device of the vault queue's release group (``add_queue`` names it after it)."""
    vault = world.server.devices.find_device_by_name("vault")
    assert vault is not None
    return vault.id


def test_the_owner_lists_a_held_job_priced_for_the_device_and_releases_it_charged_once(
        world: World, agent_settings: AgentFactory) -> None:
    async def scenario() -> None:
        settings = agent_settings()
        await enrolled(settings, world)
        world.add_queue("vault", hold_for_release=True)
        device = _vault_id(world)
        alice = _user(world, "alice")
        release = world.server.release
        async with running(settings, world.transport) as core:
            held = await _held(core)
            listed = release.held_jobs(alice.id, device_id=device)
            assert [job.job_id for job in listed] == [held.server_job_id]
            assert listed[0].cost is not None and listed[0].cost.minor == MONO_PAGE
            assert listed[0].expires_at - listed[0].created_at == timedelta(hours=8)

            outcomes = release.release(alice, device)  # "release all"
            assert [(o.job_id, o.ok) for o in outcomes] == [(held.server_job_id, True)]
            await wait_for(lambda: (j := core.get_job(held.local_id))
                           and j.state is L.COMPLETED and j.completion_sent,
                           "the released job to print")
            await wait_for(lambda: world.server_job(held.server_job_id).state
                           is JobState.COMPLETED, "the server job to complete")
            server_job = world.server_job(held.server_job_id)
            assert server_job.device_id == device
            assert server_job.charged_cost_minor == MONO_PAGE
            assert world.charges(held.server_job_id) == 1
            assert release.held_jobs(alice.id) == []
            again = release.release(alice, device, [held.server_job_id])
            assert not again[0].ok and "not held" in again[0].message
        assert world.device.read_bytes() == text_document()
        assert world.charges(held.server_job_id) == 1

    asyncio.run(scenario())


def test_another_user_cannot_release_or_delete_a_job_and_an_operator_can_audited(
        world: World, agent_settings: AgentFactory) -> None:
    world.server.accounts.create_user("olga", roles=["operator"], actor="test")

    async def scenario() -> None:
        settings = agent_settings()
        await enrolled(settings, world)
        world.add_queue("vault", hold_for_release=True)
        device = _vault_id(world)
        bob, olga = _user(world, "bob"), _user(world, "olga")
        release = world.server.release
        async with running(settings, world.transport) as core:
            held = await _held(core)
            job_id = held.server_job_id
            assert job_id is not None
            for attempt in (release.release(bob, device, [job_id]),
                            release.delete(bob, [job_id])):
                assert [(o.ok, o.message) for o in attempt] == [
                    (False, "no such held job of yours")]  # as for a job that is not there
            assert release.release(bob, device, ["01NOSUCHJOB0000000000000000"])[0].message \
                == "no such held job of yours"
            assert release.held_jobs(bob.id) == []  # "release all" of bob: none of alice's
            assert release.release(bob, device) == []
            assert world.server_job(job_id).state is JobState.HELD

            done = release.release(olga, device, [job_id])
            assert done[0].ok
            await wait_for(lambda: world.server_job(job_id).state is JobState.COMPLETED,
                           "the job released by the operator to print")
            entries = [e for e in world.server.audit.recent() if e["action"] == "job.release"]
            assert [(e["actor"], e["detail"]["operator"], e["detail"]["owner"])
                    for e in entries] == [("olga", True, "alice")]
            assert world.charges(job_id) == 1  # alice pays for her own job

    asyncio.run(scenario())


def test_a_deleted_held_job_is_never_charged_and_its_document_goes(
        world: World, agent_settings: AgentFactory) -> None:
    async def scenario() -> None:
        settings = agent_settings()
        await enrolled(settings, world)
        world.add_queue("vault", hold_for_release=True)
        alice = _user(world, "alice")
        async with running(settings, world.transport) as core:
            held = await _held(core)
            spooled = core.book.spool.path_of(held)
            assert spooled.exists()
            outcome = world.server.release.delete(alice, [held.server_job_id or ""])
            assert outcome[0].ok
            await wait_for(lambda: (j := core.get_job(held.local_id))
                           and j.state is L.CANCELLED, "the agent to drop the job")
            await wait_for(lambda: not spooled.exists(), "the document to be deleted")
        job = world.server_job(held.server_job_id)
        assert job.state is JobState.CANCELLED and job.charged_cost_minor == 0
        assert world.charges(held.server_job_id) == 0
        reservation = world.server.ledger.get_reservation(job.reservation_id)
        assert reservation.status == "released"
        assert not world.device.exists()

    asyncio.run(scenario())


def test_a_held_job_nobody_releases_expires_uncharged_and_the_agent_deletes_it(
        world: World, agent_settings: AgentFactory) -> None:
    async def scenario() -> None:
        settings = agent_settings()
        await enrolled(settings, world)
        world.add_queue("vault", hold_for_release=True, held_job_lifetime_seconds=3600)
        server = world.server
        async with running(settings, world.transport) as core:
            held = await _held(core)
            spooled = core.book.spool.path_of(held)
            assert server.release.expire_held() == 0  # not yet
            later = FixedClock(datetime.now(UTC) + timedelta(hours=1, minutes=1))
            sweep = ReleaseService(server.db, later, server.audit, ledger=server.ledger,
                                   devices=server.devices, jobs=server.jobs)
            assert sweep.expire_held() == 1
            assert sweep.expire_held() == 0  # once
            await wait_for(lambda: (j := core.get_job(held.local_id))
                           and j.state is L.EXPIRED, "the agent to expire the job")
            await wait_for(lambda: not spooled.exists(), "the document to be deleted")
        job = server.jobs.get_job(held.server_job_id or "")
        assert job.state is JobState.EXPIRED and job.charged_cost_minor == 0
        assert server.ledger.get_reservation(job.reservation_id or "").status == "released"
        assert world.charges(job.id) == 0

    asyncio.run(scenario())


def test_a_colour_job_released_at_the_mono_device_of_its_group_prints_there_charged_mono(
        world: World, agent_settings: AgentFactory) -> None:
    """A release group of a colour and a mono device: the colour job is reserved at the
    dearest (colour) price, listed at each device's price, and released at the mono one:
    its document goes there only and it is charged the mono price."""
    colour_out = world.device.parent / "colour.out"
    mono_out = world.device.parent / "mono.out"

    async def scenario() -> None:
        settings = agent_settings()
        await enrolled(settings, world)
        devices = world.server.devices
        agent_id = world.agent_id()
        colour = devices.create_device("colour", actor="test", agent_id=agent_id,
                                       device_uri=colour_out.as_uri())
        mono = devices.create_device("mono", actor="test", agent_id=agent_id,
                                     device_uri=mono_out.as_uri(), color_capable=False)
        group = devices.create_release_group("floor", actor="test",
                                             device_ids=[colour.id, mono.id])
        devices.create_queue("vault", actor="test", kind="release", release_group_id=group.id,
                             agent_id=agent_id, owner_check="release")
        alice = _user(world, "alice")
        release = world.server.release
        document = b"%PDF-1.4\n" + _colour_pdf_body()
        async with running(settings, world.transport) as core:
            await wait_for(lambda: core.queue_config("vault") is not None, "the queue")
            job = await core.accept("vault", JobMeta(username="alice"), chunks_of(document))
            await wait_for(lambda: (j := core.get_job(job.local_id)) and j.state is L.HELD
                           and j.server_job_id, "the colour job to be held")
            held = core.get_job(job.local_id)
            assert held is not None and held.server_job_id is not None
            assert held.color_pages == 1
            job_id = held.server_job_id
            at_colour = release.held_jobs(alice.id, device_id=colour.id)[0].cost
            at_mono = release.held_jobs(alice.id, device_id=mono.id)[0].cost
            assert at_colour is not None and at_mono is not None
            assert (at_colour.minor, at_mono.minor) == (4 * MONO_PAGE, MONO_PAGE)
            assert world.server_job(job_id).estimated_cost_minor == 4 * MONO_PAGE  # dearest

            [outcome] = release.release(alice, mono.id, [job_id])
            assert outcome.ok and outcome.cost == at_mono
            await wait_for(lambda: world.server_job(job_id).state is JobState.COMPLETED,
                           "the job to print at the mono device")
        assert mono_out.read_bytes() == document and not colour_out.exists()
        server_job = world.server_job(job_id)
        assert server_job.device_id == mono.id
        assert server_job.charged_cost_minor == MONO_PAGE
        assert world.charges(job_id) == 1

    asyncio.run(scenario())


def _colour_pdf_body() -> bytes:
    """One A4 page filled with red (colour), as a minimal PDF after the header."""
    content = b"1 0 0 rg 0 0 595 842 re f"
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
               b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"]
    body, offsets = b"", []
    for number, obj in enumerate(objects, start=1):
        offsets.append(9 + len(body))
        body += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = 9 + len(body)
    table = b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    table += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    trailer = b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return body + table + trailer

def test_a_twins_cancel_expire_and_release_events_leave_the_job_alone_its_own_do_not(
        world: World, agent_settings: AgentFactory) -> None:
    """With a site's remote one print can be authorized at two servers; the agent follows
    one answer and drops the other server's job (a twin, docs/protocols/agent-link.md,
    3b). The twin's cancel (the drop, or central settling it), expiry or release names the
    agent's job key too: applied by key, it cancelled the job that follows the other
    server's (held, unprinted, its reservation left open there: chaos seed 499)."""

    async def scenario() -> None:
        settings = agent_settings()
        await enrolled(settings, world)
        world.add_queue("vault", hold_for_release=True)
        async with running(settings, world.transport) as core:
            held = await _held(core)
            assert held.server_job_id is not None
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
