"""The remote's HTTP client of central's replication API (``/api/v1/sync``).

Takes an ``httpx.Client`` so tests hand it one bound to an in-process central app; the
remote role builds one on central's URL. Central's refusals come back as the domain
errors they were (``ResyncRequired`` for a 410, ``AuthenticationFailed`` for a 401,
``OutboxGap`` for a push's 409),
anything else unexpected as ``CentralError`` with central's message.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from printwarden.core.errors import AuthenticationFailed, PrintwardenError
from printwarden.remote.enrolment import Enrolment
from printwarden.sync.feed import ResyncRequired
from printwarden.sync.reconcile_plan import OutboxGap

PREFIX = "/api/v1/sync"
#: How many ledger entries the remote holds unacked, told on every push and pull.
PENDING_HEADER = "X-Pending-Entries"


class CentralError(PrintwardenError):
    """Central answered something the remote cannot use (its message is kept)."""

    code = "central_error"


class CentralClient:
    def __init__(self, http: httpx.Client, token: str = "") -> None:
        self._http = http
        self._token = token

    @classmethod
    def for_url(cls, central: str, token: str = "", *, timeout: float = 30) -> CentralClient:
        return cls(httpx.Client(base_url=central.rstrip("/"), timeout=timeout), token)

    def close(self) -> None:
        self._http.close()

    def enrol(self, code: str, *, hostname: str, central: str) -> Enrolment:
        answer = self._http.post(PREFIX + "/enrol", json={"code": code, "hostname": hostname})
        body = _checked(answer)
        self._token = str(body["token"])
        return Enrolment(central=central, remote_id=str(body["remote"]["id"]),
                         name=str(body["remote"]["name"]), token=self._token,
                         card_hmac_key=str(body["card_hmac_key"]))

    def changes(self, since: int, limit: int, *, pending: int | None = None) -> dict[str, Any]:
        answer = self._http.get(PREFIX + "/changes", params={"since": since, "limit": limit},
                                headers=self._auth(pending))
        body = _checked(answer)
        if not isinstance(body.get("changes"), list) or not isinstance(body.get("next_since"),
                                                                        int):
            raise CentralError("central's change page has no changes or next_since")
        return body

    def push_outbox(self, entries: list[dict[str, Any]], *, pending: int) -> int:
        """Push ledger entries (ascending site sequence); answer central's ``acked_through``
        (``OutboxGap`` when central wants them from another sequence)."""
        answer = self._http.post(PREFIX + "/outbox", json={"entries": entries},
                                 headers=self._auth(pending))
        if answer.status_code == 409:
            body = _json(answer)
            acked = body.get("acked_through") if isinstance(body, dict) else None
            if isinstance(acked, int) and not isinstance(acked, bool):
                raise OutboxGap(acked, entries[0]["seq"] if entries else acked + 1)
        acked = _checked(answer).get("acked_through")
        if not isinstance(acked, int) or isinstance(acked, bool):
            raise CentralError("central's outbox answer has no acked_through")
        return acked

    def push_jobs(self, jobs: list[dict[str, Any]]) -> list[str]:
        """Send ended jobs to central's job log; answer the ids central now holds."""
        answer = self._http.post(PREFIX + "/jobs", json={"jobs": jobs}, headers=self._auth())
        acked = _checked(answer).get("acked")
        if not isinstance(acked, list) or not all(isinstance(i, str) for i in acked):
            raise CentralError("central's jobs answer has no acked list")
        return [str(job_id) for job_id in acked]

    @contextmanager
    def snapshot(self) -> Iterator[Iterator[Any]]:
        """The snapshot's lines, parsed, while the answer streams in."""
        with self._http.stream("GET", PREFIX + "/snapshot", headers=self._auth()) as answer:
            if answer.status_code != 200:
                answer.read()
                _checked(answer)
            yield (json.loads(line) for line in answer.iter_lines() if line)

    def _auth(self, pending: int | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self._token}"}
        if pending is not None:
            headers[PENDING_HEADER] = str(pending)
        return headers


def _json(answer: httpx.Response) -> Any:
    try:
        return answer.json()
    except ValueError:
        return {}


def _checked(answer: httpx.Response) -> dict[str, Any]:
    body = _json(answer)
    message = str(body.get("message", answer.text[:200])) if isinstance(body, dict) else ""
    if answer.status_code == 410:
        raise ResyncRequired(message)
    if answer.status_code == 401:
        raise AuthenticationFailed(f"central refused: {message}")
    if answer.status_code >= 300 or not isinstance(body, dict):
        raise CentralError(f"central answered {answer.status_code}: {message}")
    return body
