"""HTTP client of terminal protocol v1. Every error answer becomes a ``TerminalError``
carrying the server's ``error`` code and ``message``; a transport failure is code
``unreachable``. The transport is injectable (tests pass an ASGI or mock transport)."""

from __future__ import annotations

from typing import Any

import httpx

from printwarden import __version__

PREFIX = "/api/v1/terminal"


class TerminalError(Exception):
    def __init__(self, code: str, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


class TerminalClient:
    def __init__(self, server: str, token: str = "", *, timeout: float = 10.0,
                 transport: httpx.BaseTransport | None = None, verify: bool = True) -> None:
        self._http = httpx.Client(base_url=server.rstrip("/"), timeout=timeout,
                                  transport=transport, verify=verify)
        self.token = token

    def close(self) -> None:
        self._http.close()

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        try:
            answer = self._http.request(method, PREFIX + path, json=body, headers=headers)
        except httpx.HTTPError as exc:
            raise TerminalError("unreachable", f"the server does not answer: {exc}") from exc
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
