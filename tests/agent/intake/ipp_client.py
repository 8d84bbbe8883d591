"""IPP requests to an agent process as a given user (HTTP Basic) or nobody."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import httpx

from printwarden.ipp import Attribute, AttributeGroup, IppMessage, decode, encode
from tests.agent.e2e.support import AgentProcess
from tests.ipp.server.support import ipp_request

Auth = tuple[str, str] | None


def post(agent: AgentProcess, queue: str, body: bytes, auth: Auth = None) -> httpx.Response:
    return httpx.post(agent.url(queue), content=body, auth=auth, timeout=60,
                      headers={"Content-Type": "application/ipp"})


def ipp(agent: AgentProcess, queue: str, operation: int, *extra: Attribute, auth: Auth = None,
        user: str = "alice", data: bytes = b"", groups: Iterable[AttributeGroup] = (),
        **options: Any) -> IppMessage:
    """One IPP request; the HTTP answer must be 200 (an IPP answer)."""
    body = ipp_request(operation, agent.uri(queue), *extra, user=user, **options)
    extra_groups = list(groups)
    if extra_groups:
        message = decode(body)[0]
        message.groups.extend(extra_groups)
        body = encode(message)
    response = post(agent, queue, body + data, auth)
    assert response.status_code == 200, (response.status_code, response.text)
    return decode(response.content)[0]
