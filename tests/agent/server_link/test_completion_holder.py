"""A completion goes to the server that holds the job: with central and a site's remote,
a job decided at one is unknown (404) at the other, and its completion must not be
dropped because the link's current server does not know it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import pytest

from printwarden.agent.server_link.client import (
    ServerElsewhere,
    ServerLink,
    ServerRejected,
    ServerUnreachable,
)

CENTRAL, REMOTE = "http://central.test", "http://remote.test"
BODY = {"status": "completed", "pages_printed": 1}

Handler = Callable[[httpx.Request], httpx.Response]


def complete_with(handle: Handler) -> tuple[object, list[str], str]:
    """Complete job J1 through a link on REMOTE (central first in its list); what it
    answered or raised, the hosts asked in order, and the link's server after."""
    asked: list[str] = []

    def recording(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.host)
        return handle(request)

    async def scenario() -> tuple[object, list[str], str]:
        link = ServerLink([CENTRAL, REMOTE], token="pwa_t",
                          transport=httpx.MockTransport(recording))
        link.current = 1  # failed over to the remote
        try:
            try:
                result: object = await link.complete("J1", BODY)
            except (ServerRejected, ServerUnreachable) as exc:
                result = exc
            return result, asked, link.current_url
        finally:
            await link.aclose()

    return asyncio.run(scenario())


def test_a_job_the_remote_does_not_know_is_completed_at_central() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.host == "remote.test":
            return httpx.Response(404, json={"error": "not_found", "message": "no job"})
        return httpx.Response(200, json={"job_id": "J1", "state": "completed"})

    result, asked, current = complete_with(handle)
    assert result == {"job_id": "J1", "state": "completed"}
    assert asked == ["remote.test", "central.test"]
    assert current == REMOTE  # a completion does not move the link


def test_a_job_unknown_where_it_was_asked_while_central_is_away_is_kept_for_later() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.host == "central.test":
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(404, json={"error": "not_found", "message": "no job"})

    result, _, _ = complete_with(handle)
    assert isinstance(result, ServerElsewhere)  # not dropped: central may hold it


@pytest.mark.parametrize("status", [404, 409])
def test_what_every_server_refuses_is_refused(status: int) -> None:
    result, asked, _ = complete_with(
        lambda request: httpx.Response(status, json={"error": "x", "message": "no"}))
    assert isinstance(result, ServerRejected) and result.status == status
    assert asked == (["remote.test", "central.test"] if status == 404 else ["remote.test"])


def test_no_server_answering_is_unreachable_not_elsewhere() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    result, _, _ = complete_with(handle)
    assert type(result) is ServerUnreachable


def test_each_server_is_asked_once_though_the_link_moves_meanwhile() -> None:
    """A health check that brings the link back to central while the remote is answering
    (a found seed of the remote chaos schedules) must not make the link ask the remote
    twice and drop the completion as unknown everywhere."""
    asked: list[str] = []

    async def scenario() -> object:
        link: ServerLink

        def handle(request: httpx.Request) -> httpx.Response:
            asked.append(request.url.host)
            if request.url.host == "remote.test":
                link.current = 0  # central is healthy again
                return httpx.Response(404, json={"error": "not_found", "message": "no job"})
            return httpx.Response(200, json={"job_id": "J1", "state": "completed"})

        link = ServerLink([CENTRAL, REMOTE], token="pwa_t",
                          transport=httpx.MockTransport(handle))
        link.current = 1
        try:
            return await link.complete("J1", BODY)
        finally:
            await link.aclose()

    assert asyncio.run(scenario()) == {"job_id": "J1", "state": "completed"}
    assert asked == ["remote.test", "central.test"]
