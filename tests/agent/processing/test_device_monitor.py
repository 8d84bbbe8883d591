"""The device monitor: an idle queue shows its printer's state and supplies, and a dead
printer before any job finds it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from printwarden.agent.queues import QueueStatus
from tests.agent.support import AgentFactory, World, enrolled, running, wait_for
from tests.support.peers import EvePrinter
from tests.support.printers import VirtualPrinterProcess


def test_an_idle_queue_shows_a_dead_printer_then_its_return(
        world: World, agent_settings: AgentFactory, tmp_path: Path) -> None:
    printer = VirtualPrinterProcess(tmp_path / "printed")

    async def scenario() -> tuple[QueueStatus, QueueStatus]:
        settings = agent_settings(device_poll_seconds=0.2)
        await enrolled(settings, world)
        world.server.devices.create_printer("hall", actor="test", agent_id=world.agent_id(),
                                            device_uri=printer.uri)
        async with running(settings, world.transport) as core:
            await wait_for(lambda: core.queue_config("hall"), "the queue")
            down = await wait_for(
                lambda: (s := core.queue_status("hall")).printer_state == 5 and s,
                "the queue to show its printer is down")
            printer.start()
            up = await wait_for(
                lambda: (s := core.queue_status("hall")).printer_state == 3 and s,
                "the queue to show its printer is back")
            return down, up

    try:
        down, up = asyncio.run(scenario())
    finally:
        printer.stop()

    assert "offline-report" in down.printer_state_reasons
    assert down.printer_state_message.startswith("printer not answering since ")
    assert down.is_accepting_jobs  # jobs are still taken in; they wait for it
    assert "offline-report" not in up.printer_state_reasons


def test_an_idle_queue_relays_the_supplies_its_printer_reports(
        world: World, agent_settings: AgentFactory,
        eve_factory: Callable[[], EvePrinter]) -> None:
    eve = eve_factory()
    eve.start()

    async def scenario() -> QueueStatus:
        settings = agent_settings(device_poll_seconds=0.2)
        await enrolled(settings, world)
        world.server.devices.create_printer("hall", actor="test", agent_id=world.agent_id(),
                                            device_uri=eve.uri)
        async with running(settings, world.transport) as core:
            await wait_for(lambda: core.queue_config("hall"), "the queue")
            found: QueueStatus = await wait_for(
                lambda: (s := core.queue_status("hall")).supplies and s,
                "the printer's supplies on the queue")
            return found

    status = asyncio.run(scenario())

    assert any("type=" in supply.value for supply in status.supplies)
    assert status.printer_state == 3


def test_the_agent_reports_its_devices_status_to_the_server(
        world: World, agent_settings: AgentFactory, tmp_path: Path) -> None:
    """A release queue's device (no direct queue prints to it) is polled too; the server
    learns it is stopped (offline) while it does not answer, idle once it does."""
    printer = VirtualPrinterProcess(tmp_path / "printed")
    devices = world.server.devices

    def status_of(name: str) -> tuple[str, tuple[str, ...]] | None:
        device = devices.find_device_by_name(name)
        report = devices.device_statuses().get(device.id) if device else None
        return (report.state, report.reasons) if report else None

    async def scenario() -> tuple[tuple[str, tuple[str, ...]], tuple[str, tuple[str, ...]]]:
        settings = agent_settings(device_poll_seconds=0.2)
        await enrolled(settings, world)
        devices.create_printer("vault", actor="test", agent_id=world.agent_id(),
                               device_uri=printer.uri, hold_for_release=True,
                               owner_check="release")
        async with running(settings, world.transport) as core:
            await wait_for(lambda: core.queue_config("vault"), "the queue")
            down = await wait_for(lambda: (s := status_of("vault")) and s[0] == "stopped"
                                  and s, "the server to learn the device is stopped")
            printer.start()
            up = await wait_for(lambda: (s := status_of("vault")) and s[0] == "idle" and s,
                                "the server to learn the device is back")
            return down, up

    try:
        down, up = asyncio.run(scenario())
    finally:
        printer.stop()

    assert down == ("stopped", ("offline-report",))
    assert up[0] == "idle" and "offline-report" not in up[1]
