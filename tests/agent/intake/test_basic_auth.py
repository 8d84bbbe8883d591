"""A queue with require_auth: HTTP Basic checked at the server; the user owns the job."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from zeroconf import IPVersion
from zeroconf.asyncio import AsyncServiceInfo, AsyncZeroconf

from printwarden.ipp import DelimiterTag, Operation, decode, mime_media_type
from printwarden.ipp.status import StatusCode
from tests.agent.e2e.conftest import AgentFactory
from tests.agent.e2e.support import add_agent_queue, poll, server_jobs
from tests.agent.support import LiveServer, World
from tests.ipp.server.support import RunningVirtualPrinter, ipp_request, make_pdf

SETTINGS = """min_free_bytes = 0
[[queues]]
name = "locked"
owner_check = "authenticate"
"""


def _post(url: str, body: bytes, auth: tuple[str, str] | None = None) -> httpx.Response:
    return httpx.post(url, content=body, auth=auth, timeout=60,
                      headers={"Content-Type": "application/ipp"})


async def _txt(name: str) -> dict[bytes, bytes | None] | None:
    zc = AsyncZeroconf(interfaces=["127.0.0.1"], ip_version=IPVersion.V4Only)
    try:
        info = AsyncServiceInfo("_ipp._tcp.local.", name)
        return info.properties if await info.async_request(zc.zeroconf, 3000) else None
    finally:
        await zc.async_close()


def test_a_locked_queue_needs_a_password_and_prints_as_the_authenticated_user(
        live: LiveServer, world: World, agent_factory: AgentFactory,
        downstream: RunningVirtualPrinter, tmp_path: Path) -> None:
    world.server.accounts.set_password(world.alice_id, "alice-pass-1", actor="test")
    agent = agent_factory(extra_settings=SETTINGS)
    agent.start(enrol=world.code)
    add_agent_queue(world, agent, "locked", downstream.uri)
    document = make_pdf(tmp_path / "doc.pdf", pages=1).read_bytes()
    # bob claims the job; alice's credentials say who really prints
    job = ipp_request(Operation.PRINT_JOB, agent.uri("locked"),
                      mime_media_type("document-format", "application/pdf"),
                      user="bob") + document

    anonymous = _post(agent.url("locked"), job)
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"] == 'Basic realm="printwarden"'
    refusal = decode(anonymous.content)[0]  # the IPP answer says why, to any IPP client
    assert refusal.status_code == StatusCode.CLIENT_ERROR_NOT_AUTHORIZED
    reason = refusal.get(DelimiterTag.OPERATION, "status-message")
    assert reason is not None and "not proof of who prints" in str(reason.value)
    discovery = _post(agent.url("locked"),
                      ipp_request(Operation.GET_PRINTER_ATTRIBUTES, agent.uri("locked")))
    assert discovery.status_code == 200  # capabilities stay open to IPP Everywhere clients
    assert decode(discovery.content)[0].status_code == StatusCode.SUCCESSFUL_OK
    wrong = _post(agent.url("locked"), job, auth=("alice", "not-her-password"))
    assert wrong.status_code == 401
    unknown = _post(agent.url("locked"), job, auth=("mallory", "alice-pass-1"))
    assert unknown.status_code == 401
    assert server_jobs(live, "alice") == [] and server_jobs(live, "bob") == []

    attributes = _post(agent.url("locked"),
                       ipp_request(Operation.GET_PRINTER_ATTRIBUTES, agent.uri("locked")),
                       auth=("alice", "alice-pass-1"))
    assert attributes.status_code == 200
    found = decode(attributes.content)[0].get(DelimiterTag.PRINTER,
                                              "uri-authentication-supported")
    assert found is not None and found.value == "basic"

    accepted = _post(agent.url("locked"), job, auth=("alice", "alice-pass-1"))
    assert accepted.status_code == 200
    answer = decode(accepted.content)[0]
    assert answer.status_code == StatusCode.SUCCESSFUL_OK
    jobs = poll(lambda: server_jobs(live, "alice"), "alice's job at the server")
    assert len(jobs) == 1
    assert server_jobs(live, "bob") == []
    poll(lambda: sorted(downstream.directory.iterdir()), "the document downstream")

    txt = asyncio.run(_txt("locked._ipp._tcp.local."))
    assert txt is not None, "the queue is advertised with DNS-SD"
    assert txt[b"air"] == b"username,password"
    assert txt[b"rp"] == b"ipp/print/locked"
    assert agent.log.read_text().count("Basic credentials sent over plain ipp://") == 1


def test_guesses_from_one_ipp_client_never_lock_out_another_client_of_the_same_agent(
        live: LiveServer, world: World, agent_factory: AgentFactory,
        downstream: RunningVirtualPrinter, tmp_path: Path) -> None:
    world.server.accounts.set_password(world.alice_id, "alice-pass-1", actor="test")
    agent = agent_factory(extra_settings=SETTINGS)
    agent.start(enrol=world.code)
    add_agent_queue(world, agent, "locked", downstream.uri)
    job = ipp_request(Operation.PRINT_JOB, agent.uri("locked"),
                      mime_media_type("document-format", "application/pdf"),
                      user="alice") + make_pdf(tmp_path / "doc.pdf", pages=1).read_bytes()
    guesser = httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.2"),
                           timeout=60)
    answers = [guesser.post(agent.url("locked"), content=job, auth=("alice", f"guess-{n}"),
                            headers={"Content-Type": "application/ipp"}).status_code
               for n in range(15)]
    assert set(answers) == {401}
    slowed = guesser.post(agent.url("locked"), content=job, auth=("alice", "alice-pass-1"),
                          headers={"Content-Type": "application/ipp"})
    assert slowed.status_code == 401  # that client is slowed down, even with the password

    owner = _post(agent.url("locked"), job, auth=("alice", "alice-pass-1"))
    assert owner.status_code == 200  # from her own machine she prints
    assert decode(owner.content)[0].status_code == StatusCode.SUCCESSFUL_OK
