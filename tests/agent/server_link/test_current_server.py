"""Which server the link uses while requests are in flight: a slow answer from a
fallback server does not undo a health check's return to the preferred one."""

from __future__ import annotations

import asyncio

import httpx

from printwarden.agent.server_link.client import ServerLink

PREFERRED, FALLBACK = "http://preferred.test", "http://fallback.test"


def test_a_late_answer_from_the_fallback_leaves_the_link_on_the_preferred_server() -> None:
    async def scenario() -> tuple[str, str, str]:
        preferred_up = False
        answer_now = asyncio.Event()

        async def handle(request: httpx.Request) -> httpx.Response:
            if request.url.host == "preferred.test":
                if not preferred_up:
                    raise httpx.ConnectError("refused", request=request)
                return httpx.Response(200, json={"status": "ready"})
            if request.url.path.endswith("/events"):
                await answer_now.wait()  # a long poll, answered late
            return httpx.Response(200, json=[])

        link = ServerLink([PREFERRED, FALLBACK], token="pwa_t",
                          transport=httpx.MockTransport(handle))
        try:
            await link.request("GET", "/api/v1/agent/config")  # fails over
            on_fallback = link.current_url
            poll = asyncio.create_task(link.request("GET", "/api/v1/agent/events"))
            await asyncio.sleep(0)
            preferred_up = True
            assert await link.check_health()
            back = link.current_url
            answer_now.set()
            await poll
            return on_fallback, back, link.current_url
        finally:
            await link.aclose()

    on_fallback, back, after_late_answer = asyncio.run(scenario())
    assert (on_fallback, back) == (FALLBACK, PREFERRED)
    assert after_late_answer == PREFERRED


def test_a_request_that_fails_over_moves_the_link_to_the_server_that_answered() -> None:
    async def scenario() -> str:
        async def handle(request: httpx.Request) -> httpx.Response:
            if request.url.host == "preferred.test":
                return httpx.Response(503, json={"error": "unavailable", "message": "no"})
            return httpx.Response(200, json={})

        link = ServerLink([PREFERRED, FALLBACK], transport=httpx.MockTransport(handle))
        try:
            await link.request("GET", "/api/v1/agent/config")
            return link.current_url
        finally:
            await link.aclose()

    assert asyncio.run(scenario()) == FALLBACK
