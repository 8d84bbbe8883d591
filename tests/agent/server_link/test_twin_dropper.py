"""An agent whose authorize was in doubt tells the servers it does not follow to drop
their twin of the job: each other server once it answers (a 4xx too), retried while it
does not, never the server that decided."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from printwarden.agent.server_link import twin_dropper
from printwarden.agent.server_link.client import ServerLink
from printwarden.agent.server_link.twin_dropper import TwinDropper

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
            dropper.drop_elsewhere("local-1", "C1", decided_at=CENTRAL)
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
