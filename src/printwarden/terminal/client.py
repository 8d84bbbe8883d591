"""HTTP client of terminal protocol v1. Every error answer becomes a ``TerminalError``
carrying the server's ``error`` code and ``message``; a transport failure is code
``unreachable``. The transport is injectable (tests pass an ASGI or mock transport).

Failover (``docs/protocols/terminal.md`` section 5): the client holds an ordered list of
servers of one database, preferred first (``ServerList``). A request that fails on a
connection error or a 5xx goes to the next server at once, with the same
``Idempotency-Key`` (every POST and DELETE carries one, made once per request), so a
release whose answer was lost is answered, not done twice. Off the preferred server, the
client probes its ``/readyz`` before a request every ``recheck_seconds`` and goes back as
soon as it answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx

from printwarden import __version__
from printwarden.core.ids import new_id
from printwarden.core.server_list import (
    DEFAULT_RECHECK_SECONDS,
    NoServerAnswers,
    ServerList,
    failed_status,
)

PREFIX = "/api/v1/terminal"
#: How long a health probe of a server may take.
HEALTH_TIMEOUT_SECONDS = 2.0


class TerminalError(Exception):
    def __init__(self, code: str, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


class TerminalClient:
    def __init__(self, servers: str | Sequence[str], token: str = "", *,
                 timeout: float = 10.0, transport: httpx.BaseTransport | None = None,
                 verify: bool = True,
                 recheck_seconds: float = DEFAULT_RECHECK_SECONDS) -> None:
        """``servers``: one URL or several, preferred first (ValueError if none)."""
        self.servers = ServerList(servers, recheck_seconds=recheck_seconds)
        self._http = httpx.Client(timeout=timeout, transport=transport, verify=verify)
        self.token = token

    @property
    def server(self) -> str:
        """The URL of the server in use."""
        return self.servers.current_url

    def close(self) -> None:
        self._http.close()

    def healthy(self, url: str) -> bool:
        """``GET url/readyz`` answers 200: the server and its database are up."""
        try:
            answer = self._http.get(url + "/readyz", timeout=HEALTH_TIMEOUT_SECONDS)
        except httpx.HTTPError:
            return False
        return answer.status_code == 200

    def check_health(self) -> bool:
        """Probe the servers in preference order and use the first healthy one."""
        return self.servers.check_health(self.healthy)

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        if method in ("POST", "DELETE"):
            headers["Idempotency-Key"] = new_id()  # the same on every server tried
        self.servers.try_return(self.healthy)
        answer = self._send(method, path, body, headers)
        try:
            data = answer.json()
        except ValueError:
            data = None
        if answer.status_code >= 400:
            if isinstance(data, dict) and "message" in data:
                raise TerminalError(str(data.get("error", "error")), str(data["message"]),
                                    answer.status_code)
            raise TerminalError("error", f"HTTP {answer.status_code}", answer.status_code)
        return data

    def _send(self, method: str, path: str, body: dict[str, Any] | None,
              headers: dict[str, str]) -> httpx.Response:
        """The first answer below 500 of the servers in turn, from the one in use."""
        try:
            return self.servers.first_answer(
                lambda url: self._http.request(method, url + PREFIX + path, json=body,
                                               headers=headers),
                lambda answer: failed_status(answer.status_code), (httpx.HTTPError,))
        except NoServerAnswers as exc:
            raise TerminalError("unreachable", f"no server answers: {exc}") from exc

    def register(self, code: str, hostname: str) -> dict[str, Any]:
        answer: dict[str, Any] = self._call("POST", "/register", {
            "code": code, "hostname": hostname[:255], "version": __version__})
        self.token = str(answer["token"])
        return answer

    def hello(self) -> dict[str, Any]:
        answer: dict[str, Any] = self._call("GET", "/hello")
        return answer

    def sign_in(self, method: str, **credentials: str) -> dict[str, Any]:
        answer: dict[str, Any] = self._call("POST", "/sessions",
                                            {"method": method, **credentials})
        return answer

    def session(self, session_id: str) -> dict[str, Any]:
        answer: dict[str, Any] = self._call("GET", f"/sessions/{session_id}")
        return answer

    def sign_out(self, session_id: str) -> dict[str, Any]:
        answer: dict[str, Any] = self._call("DELETE", f"/sessions/{session_id}")
        return answer

    def held_jobs(self, session_id: str) -> list[dict[str, Any]]:
        answer: list[dict[str, Any]] = self._call("GET", f"/sessions/{session_id}/held-jobs")
        return answer

    def release(self, session_id: str, job_ids: list[str] | None) -> list[dict[str, Any]]:
        answer: list[dict[str, Any]] = self._call(
            "POST", f"/sessions/{session_id}/release", {"job_ids": job_ids})
        return answer

    def delete(self, session_id: str, job_ids: list[str] | None) -> list[dict[str, Any]]:
        answer: list[dict[str, Any]] = self._call(
            "POST", f"/sessions/{session_id}/delete", {"job_ids": job_ids})
        return answer

    def copy_open(self, session_id: str) -> dict[str, Any]:
        answer: dict[str, Any] = self._call("POST", f"/sessions/{session_id}/copy")
        return answer

    def copy_count(self, session_id: str, report: dict[str, Any]) -> dict[str, Any]:
        answer: dict[str, Any] = self._call("POST", f"/sessions/{session_id}/copy/counts",
                                            report)
        return answer

    def copy_close(self, session_id: str) -> dict[str, Any]:
        answer: dict[str, Any] = self._call("POST", f"/sessions/{session_id}/copy/close")
        return answer
