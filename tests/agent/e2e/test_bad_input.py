"""Acceptance: bad requests get the right IPP status and never take the agent down."""

from __future__ import annotations

from pathlib import Path

import httpx

from printwarden.ipp import DelimiterTag, IppMessage, Operation, StatusCode, decode
from tests.agent.e2e.conftest import AgentFactory
from tests.agent.e2e.support import AgentProcess, add_agent_queue
from tests.agent.support import World
from tests.ipp.server.support import RunningVirtualPrinter, ipp_request
from tests.support.peers import make_pdf

LIMIT = 200_000


def _post(agent: AgentProcess, body: bytes) -> IppMessage:
    response = httpx.post(agent.url("q"), content=body,
                          headers={"Content-Type": "application/ipp"}, timeout=30)
    assert response.status_code == 200, response.text
    return decode(response.content)[0]


def _still_answers(agent: AgentProcess) -> None:
    assert agent.alive()
    assert agent.printer_attributes("q").operation_id == StatusCode.SUCCESSFUL_OK


def test_bad_requests_are_refused_with_their_ipp_status(
        world: World, agent_factory: AgentFactory, downstream: RunningVirtualPrinter,
        tmp_path: Path) -> None:
    agent = agent_factory(extra_settings=f"max_job_bytes = {LIMIT}\n")
    agent.start(enrol=world.code)
    add_agent_queue(world, agent, "q", downstream.uri)
    pdf = make_pdf(tmp_path / "doc.pdf").read_bytes()
    valid = ipp_request(Operation.GET_PRINTER_ATTRIBUTES, agent.uri("q"))

    truncated = _post(agent, valid[:-7])
    assert truncated.operation_id == StatusCode.CLIENT_ERROR_BAD_REQUEST
    _still_answers(agent)

    unknown = _post(agent, ipp_request(0x3F01, agent.uri("q")))
    assert unknown.operation_id == StatusCode.SERVER_ERROR_OPERATION_NOT_SUPPORTED
    _still_answers(agent)

    wrong_format = agent.print_job("q", pdf, fmt="application/x-nonsense")
    assert wrong_format.operation_id == StatusCode.CLIENT_ERROR_DOCUMENT_FORMAT_NOT_SUPPORTED
    _still_answers(agent)

    oversized = agent.print_job("q", pdf + b"\0" * (2 * LIMIT))
    assert oversized.operation_id == StatusCode.CLIENT_ERROR_REQUEST_ENTITY_TOO_LARGE
    _still_answers(agent)

    garbage = httpx.post(agent.url("q"), content=b"\x02", timeout=30,
                         headers={"Content-Type": "application/ipp"})
    assert garbage.status_code == 400
    _still_answers(agent)

    assert not list(downstream.directory.iterdir())
    assert not [p for p in (agent.data_dir / "spool").iterdir() if p.is_file()]


def test_a_full_spool_disk_stops_the_queue_and_says_why(
        world: World, agent_factory: AgentFactory, downstream: RunningVirtualPrinter,
        tmp_path: Path) -> None:
    agent = agent_factory(extra_settings=f"min_free_bytes = {1 << 60}\n")
    agent.start(enrol=world.code)
    add_agent_queue(world, agent, "q", downstream.uri)

    assert agent.printer_value("q", "printer-is-accepting-jobs") == (False,)
    assert "spool-area-full" in agent.printer_value("q", "printer-state-reasons")
    assert agent.printer_value("q", "printer-state") == (5,)
    refused = agent.print_job("q", make_pdf(tmp_path / "doc.pdf").read_bytes())
    assert refused.operation_id in (StatusCode.SERVER_ERROR_NOT_ACCEPTING_JOBS,
                                    StatusCode.SERVER_ERROR_SERVICE_UNAVAILABLE)
    found = refused.get(DelimiterTag.OPERATION, "status-message")
    assert found is not None and "spool" in str(found.value)
    _still_answers(agent)
