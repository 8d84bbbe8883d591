"""An agent whose authorize was in doubt tells the servers it does not follow to drop
their twin of the job: each other server once it answers (a 4xx too), retried while it
does not, never the server that decided."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from printwarden.agent.server_link import twin_dropper
from printwarden.agent.server_link.client import ServerLink
from printwarden.agent.server_link.twin_dropper import PENDING_PREFIX, TwinDropper, pending_key
from printwarden.agent.storage.journal import Journal

CENTRAL, REMOTE, SPARE = "http://central.test", "http://remote.test", "http://spare.test"


def test_each_server_but_the_deciding_one_is_asked_until_it_answers(
        monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[tuple[str, dict[str, str]]] = []
    remote_down = 2  # the remote answers the third time

    def handle(request: httpx.Request) -> httpx.Response:
        nonlocal remote_down
        asked.append((request.url.host, json.loads(request.content)))
        if request.url.host == "remote.test" and remote_down:
            remote_down -= 1
            if remote_down:
                raise httpx.ConnectError("refused", request=request)
            return httpx.Response(503, json={"error": "starting", "message": "later"})
        if request.url.host == "spare.test":
            return httpx.Response(404, json={"error": "not_found", "message": "old"})
        return httpx.Response(200, json={"job_id": "T1", "state": "cancelled"})

    async def scenario() -> None:
        link = ServerLink([CENTRAL, REMOTE, SPARE], token="pwa_t",
                          transport=httpx.MockTransport(handle))
        dropper = TwinDropper(link)
        try:
            await dropper.drop_elsewhere("local-1", "C1", decided_at=CENTRAL)
            for _ in range(200):
                await asyncio.sleep(0.01)
                if not dropper.busy:
                    break
        finally:
            await dropper.aclose()
            await link.aclose()

    monkeypatch.setattr(twin_dropper, "FIRST_RETRY_SECONDS", 0.01)
    asyncio.run(scenario())
    hosts = [host for host, _ in asked]
    assert "central.test" not in hosts  # it decided: its job is the one followed
    assert hosts.count("remote.test") == 3 and hosts.count("spare.test") == 1
    assert {tuple(sorted(body.items())) for _, body in asked} == {
        (("agent_job_key", "local-1"), ("followed_job_id", "C1"))}


def _dropper_run(journal: Journal, handle: Callable[[httpx.Request], httpx.Response],
                 work: Callable[[TwinDropper], Awaitable[Any]]) -> Any:
    async def scenario() -> Any:
        link = ServerLink([CENTRAL, REMOTE], token="pwa_t",
                          transport=httpx.MockTransport(handle))
        dropper = TwinDropper(link, journal)
        try:
            return await work(dropper)
        finally:
            await dropper.aclose()  # a SIGKILL: what is pending stays in the journal
            await link.aclose()

    return asyncio.run(scenario())


async def _idle(dropper: TwinDropper) -> None:
    for _ in range(300):
        if not dropper.busy:
            return
        await asyncio.sleep(0.01)


def test_a_pending_drop_survives_a_restart_of_the_agent(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A SIGKILLed agent forgot its pending drops: the twin waited, held and reserved,
    until its job lifetime ended it. The drops are journaled and resumed at start."""
    monkeypatch.setattr(twin_dropper, "FIRST_RETRY_SECONDS", 0.01)
    journal = Journal(tmp_path / "agent.db")
    asked: list[str] = []

    def remote_down(request: httpx.Request) -> httpx.Response:
        asked.append(f"down {request.url.host}")
        raise httpx.ConnectError("refused", request=request)

    def remote_up(request: httpx.Request) -> httpx.Response:
        asked.append(f"up {request.url.host}")
        return httpx.Response(200, json={"job_id": "T1", "state": "cancelled"})

    async def drop(dropper: TwinDropper) -> None:
        await dropper.drop_elsewhere("local-1", "C1", decided_at=CENTRAL)
        await asyncio.sleep(0.05)

    _dropper_run(journal, remote_down, drop)
    assert journal.values_under(PENDING_PREFIX)  # pending when the agent went
    journal.close()
    journal = Journal(tmp_path / "agent.db")  # the restart

    async def resume(dropper: TwinDropper) -> int:
        resumed = await dropper.resume(lambda key, followed: (key, followed) == ("local-1",
                                                                                "C1"))
        await _idle(dropper)
        return resumed

    assert _dropper_run(journal, remote_up, resume) == 1
    assert asked[-1] == "up remote.test" and "down central.test" not in asked
    assert journal.values_under(PENDING_PREFIX) == []  # answered: nothing to resume again
    journal.close()


def test_a_drop_whose_job_follows_another_server_job_now_is_forgotten(
        tmp_path: Path) -> None:
    """Journaled before the decision: killed between the two, the job is asked for again
    and may follow the very server the drop was for; that drop must not cancel it."""
    journal = Journal(tmp_path / "agent.db")
    journal.set_value(pending_key("local-2", REMOTE),
                      json.dumps({"followed": "C2", "since": 0}))
    journal.set_value(pending_key("local-3", "http://gone.test"),  # not listed any more
                      json.dumps({"followed": "C3", "since": 0}))
    asked: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.host)
        return httpx.Response(200, json={"job_id": "T2", "state": "cancelled"})

    async def resume(dropper: TwinDropper) -> int:
        return await dropper.resume(lambda key, followed: False)

    assert _dropper_run(journal, handle, resume) == 0
    assert asked == [] and journal.values_under(PENDING_PREFIX) == []
    journal.close()
