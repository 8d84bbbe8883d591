"""Reporting device status to a server that predates supply levels: it refuses the field
(422, its models forbid unknown fields), so the agent sends the report again without
supplies and states and reasons still arrive. Any other refusal is not retried."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from printwarden.agent.server_link.client import ServerLink, ServerRejected

ENTRY = {"device_id": "D1", "state": "stopped", "reasons": ["media-jam-error"],
         "message": "paper jam",
         "supplies": [{"description": "Toner", "percent": 5, "condition": "known"}]}


class OlderServer:
    """The device-status endpoint of a server without supplies: extra fields are a 422."""

    def __init__(self, status_for_others: int = 200) -> None:
        self.bodies: list[dict[str, Any]] = []
        self._other = status_for_others

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.bodies.append(body)
        if any("supplies" in entry for entry in body["devices"]):
            return httpx.Response(422, json={"error": "invalid",
                                             "message": "supplies: extra inputs"})
        return httpx.Response(self._other, json={"accepted": 1, "refused": []}
                              if self._other == 200 else {"error": "x", "message": "no"})


def _link(server: OlderServer) -> ServerLink:
    return ServerLink(["http://server.test"], token="pwa_x",
                      transport=httpx.MockTransport(server))


def test_an_older_server_gets_the_report_again_without_supplies() -> None:
    server = OlderServer()
    asyncio.run(_link(server).device_status([ENTRY, {**ENTRY, "device_id": "D2"}]))
    assert len(server.bodies) == 2
    assert [e["device_id"] for e in server.bodies[1]["devices"]] == ["D1", "D2"]
    assert all("supplies" not in e and e["reasons"] == ["media-jam-error"]
               for e in server.bodies[1]["devices"])


def test_a_report_without_supplies_is_not_sent_twice() -> None:
    server = OlderServer(status_for_others=422)
    plain = {k: v for k, v in ENTRY.items() if k != "supplies"}
    with pytest.raises(ServerRejected):
        asyncio.run(_link(server).device_status([plain]))
    assert len(server.bodies) == 1


def test_a_refusal_that_is_no_422_is_not_retried() -> None:
    def forbidden(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(403, json={"error": "forbidden", "message": "no"})

    calls: list[httpx.Request] = []
    link = ServerLink(["http://server.test"], token="pwa_x",
                      transport=httpx.MockTransport(forbidden))
    with pytest.raises(ServerRejected):
        asyncio.run(link.device_status([ENTRY]))
    assert len(calls) == 1
