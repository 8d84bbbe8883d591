"""The device's supplies and alerts reach the queue's IPP clients: ``IppForwarder.status()``
against a real ippeveprinter fills ``QueueActivity.device_status`` (as the agent's device
monitor does), and the queue answers printer-supply & co. from it, over real IPP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx
import uvicorn

from printwarden.agent.forwarding import IppForwarder
from printwarden.agent.forwarding.ipp_printer_info import PrinterInfo
from printwarden.agent.intake.front import IppFront
from printwarden.ipp import (
    AttributeGroup,
    DelimiterTag,
    IppMessage,
    Operation,
    decode,
    keyword,
    octet_string,
    text,
)
from tests.agent.support import AgentFactory, LiveServer, World, enrolled, running
from tests.ipp.server.support import ipp_request
from tests.support.peers import EvePrinter
from tests.support.postgres import free_port

SUPPLY_ATTRIBUTES = ("printer-supply", "printer-supply-description", "printer-supply-info-uri",
                     "printer-alert", "printer-alert-description")


@asynccontextmanager
async def serving(front: IppFront) -> AsyncIterator[str]:
    """The front end's app on a loopback port (in this event loop); yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(front.app, host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def _supplies(base: str) -> IppMessage:
    body = ipp_request(Operation.GET_PRINTER_ATTRIBUTES, "ipp://127.0.0.1/ipp/print/hall",
                       keyword("requested-attributes", *SUPPLY_ATTRIBUTES))
    async with httpx.AsyncClient() as client:
        answer = await client.post(f"{base}/ipp/print/hall", content=body, timeout=30,
                                   headers={"Content-Type": "application/ipp"})
    assert answer.status_code == 200
    return decode(answer.content)[0]


def test_the_queue_shows_the_supplies_its_ipp_device_reports(
        live: LiveServer, world: World, agent_settings: AgentFactory,
        eve_factory: Callable[[], EvePrinter]) -> None:
    eve = eve_factory()
    eve.start()

    async def scenario() -> None:
        settings = agent_settings(server_urls=[live.url])  # this directory's world is live
        await enrolled(settings, world)
        world.server.devices.create_printer("hall", actor="test", agent_id=world.agent_id(),
                                            device_uri=eve.uri, owner_check="trusted-network")
        async with running(settings, world.transport) as core:
            front = IppFront(core)
            async with serving(front) as base:
                before = await _supplies(base)
                unknown = before.get(DelimiterTag.PRINTER, "printer-supply")
                assert unknown is not None and b"type=unknown" in unknown.values[0]

                status = await IppForwarder(eve.uri).status()
                assert [s.description for s in status.supplies] == ["Toner Waste Tank",
                                                                    "Black Toner"]
                core.queue_activity("hall").device_status = status
                after = await _supplies(base)
                supply = after.get(DelimiterTag.PRINTER, "printer-supply")
                assert supply is not None
                assert supply.values == tuple(s.value.encode() for s in status.supplies)
                assert b"type=toner" in supply.values[1] and b"level=75" in supply.values[1]
                described = after.get(DelimiterTag.PRINTER, "printer-supply-description")
                assert described is not None
                assert described.values == ("Toner Waste Tank", "Black Toner")
                info = after.get(DelimiterTag.PRINTER, "printer-supply-info-uri")
                assert info is not None and str(info.value).endswith("/ipp/print/hall")
                async with httpx.AsyncClient() as client:
                    page = await client.get(f"{base}/ipp/print/hall", timeout=10)
                assert "Black Toner: 75%" in page.text
            await front.stop()

    asyncio.run(scenario())


def test_alerts_and_supplies_in_a_devices_answer_are_parsed_and_cleaned() -> None:
    answer = IppMessage(0, 1, [AttributeGroup(DelimiterTag.OPERATION), AttributeGroup(
        DelimiterTag.PRINTER, [
            octet_string("printer-alert", b"code=mediaJam;severity=critical;",
                         b"code=tonerLow;\x07\xe9;"),
            text("printer-alert-description", "Paper jam in tray 2", "Toner low"),
            octet_string("printer-supply", *(f"index={n};level=10;".encode()
                                             for n in range(100))),
            keyword("printer-state-reasons", "media-jam-error")])])
    status = PrinterInfo.from_response(answer).device_status()
    assert [(a.value, a.description) for a in status.alerts] == [
        ("code=mediaJam;severity=critical;", "Paper jam in tray 2"),
        ("code=tonerLow;;", "Toner low")]
    assert len(status.supplies) == 32  # a device cannot flood the queue's answers
    assert status.supplies[0].description == "Supply 1"
    assert status.reasons == ("media-jam-error",)
