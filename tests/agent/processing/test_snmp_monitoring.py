"""SNMP monitoring by the real agent: it learns a device's SNMP settings from the server,
reads a real SNMP agent over UDP beside the device's IPP, and the server refuses a release
to a device SNMP says is jammed, until the jam is cleared. SNMP going silent does not stop
a device that still answers IPP."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from printwarden.agent.model import JobMeta, LocalState
from printwarden.agent.service import AgentService
from printwarden.agent.settings import AgentSettings
from printwarden.core.principal import Principal
from printwarden.devices.device_status_model import DeviceStatusReport
from printwarden.jobs.model import JobState
from tests.agent.support import AgentFactory, World, chunks_of, enrolled, running, wait_for
from tests.support.printers import VirtualPrinterProcess
from tests.support.snmp_agent import SnmpAgent, SnmpPrinter

COMMUNITY = "s3cret-Comm!"


@pytest.fixture
def snmp_agent() -> Iterator[SnmpAgent]:
    agent = SnmpAgent(COMMUNITY).start()
    try:
        yield agent
    finally:
        agent.stop()


@pytest.fixture
def printer(tmp_path: Path) -> Iterator[VirtualPrinterProcess]:
    process = VirtualPrinterProcess(tmp_path / "printed").start()
    try:
        yield process
    finally:
        process.stop()


def _alice(world: World) -> Principal:
    principal = world.server.principal_for_user(world.alice_id)
    assert principal is not None
    return principal


def _settings(agent_settings: AgentFactory) -> AgentSettings:
    return agent_settings(device_poll_seconds=0.2, snmp_timeout_seconds=0.2, snmp_retries=0)


def _vault(world: World, printer: VirtualPrinterProcess, snmp_port: int) -> str:
    world.server.devices.create_printer(
        "vault", actor="test", agent_id=world.agent_id(), device_uri=printer.uri,
        hold_for_release=True, owner_check="release", snmp_enabled=True,
        snmp_port=snmp_port, snmp_community=COMMUNITY)
    device = world.server.devices.find_device_by_name("vault")
    assert device is not None
    return device.id


def _status(world: World, device_id: str) -> DeviceStatusReport | None:
    return world.server.devices.device_statuses().get(device_id)


async def _held_job(core: AgentService) -> str:
    job = await core.accept("vault", JobMeta(username="alice"), chunks_of(b"hello\n"))
    await wait_for(lambda: (j := core.get_job(job.local_id)) and j.state is LocalState.HELD
                   and j.server_job_id, "the job to be held")
    held = core.get_job(job.local_id)
    assert held is not None and held.server_job_id is not None
    return held.server_job_id


def test_a_jam_seen_over_snmp_stops_the_device_and_refuses_a_release_until_cleared(
        world: World, agent_settings: AgentFactory, snmp_agent: SnmpAgent,
        printer: VirtualPrinterProcess, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    snmp = SnmpPrinter(snmp_agent)
    snmp.supply(1, b"Black Toner", level=40, capacity=100)
    snmp.supply(2, b"Waste Box", level=-3, capacity=100)
    release = world.server.release

    async def scenario() -> None:
        settings = _settings(agent_settings)
        await enrolled(settings, world)
        device = _vault(world, printer, snmp_agent.port)
        async with running(settings, world.transport) as core:
            await wait_for(lambda: (s := _status(world, device)) and s.supplies,
                           "a first report with the SNMP supplies")
            job_id = await _held_job(core)

            snmp.errors("jammed", "lowToner")
            jammed = await wait_for(lambda: (s := _status(world, device)) and s.stopped and s,
                                    "the server to learn of the jam")
            assert "media-jam-error" in jammed.reasons
            assert "toner-low-warning" in jammed.reasons
            assert "paper jam" in jammed.message
            outcome, = release.release(_alice(world), device, [job_id])
            assert not outcome.ok and "paper jam" in outcome.message
            assert world.server_job(job_id).state is JobState.HELD

            snmp.errors()
            await wait_for(lambda: (s := _status(world, device)) and s.state == "idle",
                           "the server to learn the jam is cleared")
            outcome, = release.release(_alice(world), device, [job_id])
            assert outcome.ok
            await wait_for(lambda: world.server_job(job_id).state is JobState.COMPLETED,
                           "the released job to print")

    asyncio.run(scenario())

    final = _status(world, world.server.devices.find_device_by_name("vault").id)  # type: ignore[union-attr]
    assert final is not None
    assert [(s.description, s.percent, s.condition) for s in final.supplies] == [
        ("Black Toner", 40, "known"), ("Waste Box", None, "some-remaining")]
    assert printer.print_log.read_text().count("\n") == 1  # printed once
    assert COMMUNITY not in caplog.text  # the community never reaches a log


def test_a_silent_snmp_agent_warns_but_does_not_stop_a_device_that_answers_ipp(
        world: World, agent_settings: AgentFactory, snmp_agent: SnmpAgent,
        printer: VirtualPrinterProcess) -> None:
    SnmpPrinter(snmp_agent)

    async def scenario() -> DeviceStatusReport:
        settings = _settings(agent_settings)
        await enrolled(settings, world)
        device = _vault(world, printer, snmp_agent.port)
        async with running(settings, world.transport) as core:
            await wait_for(lambda: _status(world, device), "a first report")
            assert "snmp-unreachable-warning" not in _status(world, device).reasons  # type: ignore[union-attr]
            snmp_agent.stop()
            silent: DeviceStatusReport = await wait_for(
                lambda: (s := _status(world, device))
                and "snmp-unreachable-warning" in s.reasons and s,
                "the server to learn SNMP does not answer")
            job_id = await _held_job(core)
            outcome, = world.server.release.release(_alice(world), device, [job_id])
            assert outcome.ok
            return silent

    silent = asyncio.run(scenario())
    assert silent.state == "idle"
    assert "SNMP: 127.0.0.1" in silent.message


def test_the_agent_is_told_snmp_settings_only_of_devices_read_over_snmp(
        world: World, agent_settings: AgentFactory, printer: VirtualPrinterProcess) -> None:
    async def scenario() -> tuple[object, object]:
        settings = _settings(agent_settings)
        await enrolled(settings, world)
        _vault(world, printer, 1161)
        world.server.devices.create_printer("hall", actor="test", agent_id=world.agent_id(),
                                            device_uri=printer.uri)
        async with running(settings, world.transport) as core:
            vault = await wait_for(lambda: core.queue_config("vault"), "the vault queue")
            hall = await wait_for(lambda: core.queue_config("hall"), "the hall queue")
            return vault.devices[0].snmp, hall.devices[0].snmp

    vault_snmp, hall_snmp = asyncio.run(scenario())
    assert hall_snmp is None
    assert vault_snmp is not None and vault_snmp.port == 1161  # type: ignore[attr-defined]
    assert vault_snmp.community == COMMUNITY  # type: ignore[attr-defined]
    assert COMMUNITY not in repr(vault_snmp)
