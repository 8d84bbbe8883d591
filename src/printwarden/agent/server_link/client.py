"""The server link: HTTP JSON calls of docs/protocols/agent-link.md, with failover.

    LinkError
     +-- ServerUnreachable   no server answered (connection error, timeout, 5xx on all)
     +-- ServerRejected      a server answered 4xx: retrying will not change it

Servers are tried in order starting from the current one; a request that fails on one
moves on to the next. ``check_health`` probes ``/readyz``, brings the link back to the
preferred server (the first URL) as soon as it is healthy and tells listeners. A server
that refuses the agent's own token (HTTP 401 on any call but registration and a print
user's password check) means the agent was revoked: ``on_revoked`` listeners hear it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import httpx

log = logging.getLogger(__name__)
API = "/api/v1/agent"
#: How long a server the link does not follow is waited for when asked for its events.
OTHERS_TIMEOUT_SECONDS = 5.0
#: Calls whose 401 is about something else than the agent's token.
_NOT_ABOUT_THE_TOKEN = (f"{API}/register", f"{API}/authenticate")


class LinkError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ServerUnreachable(LinkError):
    pass


class ServerElsewhere(ServerUnreachable):
    """No server that answered knows the job, and one did not answer: the job was
    decided by that one (central, or a site's remote), which must hear about it."""


class ServerRejected(LinkError):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


def _rejection(response: httpx.Response) -> ServerRejected:
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    message = str(body.get("message") or response.text[:200] or response.reason_phrase)
    return ServerRejected(response.status_code, str(body.get("error", "")), message)


class ServerLink:
    def __init__(self, server_urls: list[str], *, token: str | None = None,
                 timeout: float = 10.0,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        """``transport`` is httpx's seam: tests give an ``httpx.ASGITransport`` over the real
        server app (no sockets) or a ``MockTransport`` with scripted answers."""
        if not server_urls:
            raise ValueError("at least one server URL is needed")
        self.server_urls = [url.rstrip("/") for url in server_urls]
        self.token = token
        self.current = 0
        self.reachable = True
        self._timeout = timeout
        self._client = httpx.AsyncClient(timeout=timeout, transport=transport)
        self._listeners: list[Callable[[bool], None]] = []
        self._revoked_listeners: list[Callable[[str], None]] = []

    @property
    def current_url(self) -> str:
        return self.server_urls[self.current]

    def on_reachability(self, listener: Callable[[bool], None]) -> None:
        """Call ``listener(reachable)`` whenever the link goes up or down."""
        self._listeners.append(listener)

    def on_revoked(self, listener: Callable[[str], None]) -> None:
        """Call ``listener(message)`` when a server refuses the agent's token."""
        self._revoked_listeners.append(listener)

    def _set_reachable(self, reachable: bool) -> None:
        if reachable == self.reachable:
            return
        self.reachable = reachable
        if reachable:
            log.warning("a printwarden server answers again: %s", self.current_url)
        else:
            log.warning("no printwarden server answers (%s)", ", ".join(self.server_urls))
        for listener in self._listeners:
            listener(reachable)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def request(self, method: str, path: str, *, json: Any = None,
                      params: dict[str, Any] | None = None,
                      timeout: float | None = None) -> Any:
        """Send to the current server, failing over in order; answer the decoded JSON."""
        _, answer = await self._request(method, path, json=json,
                                        params_for=lambda _url: params, timeout=timeout)
        return answer

    async def _request(self, method: str, path: str, *, json: Any,
                       params_for: Callable[[str], dict[str, Any] | None],
                       timeout: float | None) -> tuple[str, Any]:
        """``request``, with the query made for each server tried (``params_for(url)``);
        answer the URL of the server that answered and its decoded JSON."""
        headers = self._auth_headers()
        errors: list[str] = []
        count = len(self.server_urls)
        start = self.current
        for step in range(count):
            index = (start + step) % count
            url = self.server_urls[index]
            response = await self._send(method, url + path, json=json,
                                        params=params_for(url), headers=headers,
                                        timeout=timeout or self._timeout)
            if isinstance(response, str):
                errors.append(response)
                continue
            if index != start or self.current == start:
                # A request that failed over moves the link to the server that answered;
                # one answered where it started leaves the link where it is now: a long
                # poll sent to a fallback server may answer after a health check brought
                # the link back to the preferred one, and must not take it away again.
                self.current = index
            self._set_reachable(True)
            if response.status_code >= 400:
                rejection = _rejection(response)
                if response.status_code == 401 and path not in _NOT_ABOUT_THE_TOKEN:
                    for listener in self._revoked_listeners:
                        listener(rejection.message)
                raise rejection
            return url, (response.json() if response.content else None)
        self._set_reachable(False)
        raise ServerUnreachable("no server answered: " + "; ".join(errors))

    def _auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    async def _send(self, method: str, url: str, *, json: Any,
                    params: dict[str, Any] | None, headers: dict[str, str],
                    timeout: float) -> httpx.Response | str:
        """The server's answer, or why there is none (unreachable, or a 5xx: it may
        answer later): the text a ServerUnreachable lists."""
        try:
            response = await self._client.request(method, url, json=json, params=params,
                                                  headers=headers, timeout=timeout)
        except httpx.TransportError as exc:
            return f"{url}: {exc.__class__.__name__} {exc}"
        if response.status_code >= 500:
            return f"{url}: HTTP {response.status_code}"
        return response

    async def request_holder(self, method: str, path: str, *, json: Any = None) -> Any:
        """Send a request about a job to the server that holds it: the current server
        first, then each other one that answers 404 (the job was decided at another
        server: central before a failover, the remote during one). ServerRejected if every
        server answered and none knows it, ServerElsewhere if one did not answer (it may
        be the holder: ask again later), ServerUnreachable if none did. The link's current
        server does not change; each server is asked once, starting from the one current
        when the request began (a health check may move the link meanwhile)."""
        headers = self._auth_headers()
        count = len(self.server_urls)
        start = self.current
        unknown: ServerRejected | None = None
        unreached: list[str] = []
        for step in range(count):
            response = await self._send(
                method, self.server_urls[(start + step) % count] + path, json=json,
                params=None, headers=headers, timeout=self._timeout)
            if isinstance(response, str):
                unreached.append(response)
                continue
            if response.status_code == 404:
                unknown = _rejection(response)
                continue
            if response.status_code >= 400:
                raise _rejection(response)
            return response.json() if response.content else None
        if len(unreached) == count:
            self._set_reachable(False)
            raise ServerUnreachable("no server answered: " + "; ".join(unreached))
        if unreached:
            raise ServerElsewhere("no server that answered knows the job: "
                                  + "; ".join(unreached))
        assert unknown is not None
        raise unknown

    async def _healthy(self, index: int) -> bool:
        try:
            response = await self._client.get(self.server_urls[index] + "/readyz")
        except httpx.TransportError:
            return False
        return response.status_code == 200

    async def check_health(self) -> bool:
        """Probe servers in preference order; switch to the first healthy one."""
        for index in range(len(self.server_urls)):
            if await self._healthy(index):
                self.current = index
                self._set_reachable(True)
                return True
        self._set_reachable(False)
        return False

    async def watch_health(self, min_delay: float, max_delay: float) -> None:
        """Forever: while unreachable or off the preferred server, re-check with back-off."""
        delay = min_delay
        while True:
            if self.reachable and self.current == 0:
                delay = min_delay
                await asyncio.sleep(min_delay)
                continue
            healthy = await self.check_health()
            delay = min_delay if healthy and self.current == 0 else min(delay * 2, max_delay)
            await asyncio.sleep(delay)

    # --- the protocol ----------------------------------------------------------------------

    async def register(self, code: str, *, name: str, hostname: str,
                       version: str) -> dict[str, Any]:
        body = {"code": code, "name": name, "hostname": hostname, "version": version}
        answer: dict[str, Any] = await self.request("POST", f"{API}/register", json=body)
        return answer

    async def config(self) -> dict[str, Any]:
        answer: dict[str, Any] = await self.request("GET", f"{API}/config")
        return answer

    async def authenticate(self, username: str, password: str, *,
                           client_address: str = "") -> dict[str, Any]:
        """A print user's credentials (queues that authenticate): ServerRejected if bad.
        ``client_address`` is the IPP client's, so the server throttles guesses per
        client."""
        body = {"username": username, "password": password}
        if client_address:
            body["client_address"] = client_address[:100]
        answer: dict[str, Any] = await self.request("POST", f"{API}/authenticate", json=body)
        return answer

    async def printing(self, server_job_id: str) -> None:
        await self.request("POST", f"{API}/jobs/{server_job_id}/printing")

    async def fetch_failed(self, server_job_id: str, reason: str) -> None:
        await self.request("POST", f"{API}/jobs/{server_job_id}/fetch-failed",
                           json={"reason": reason[:500]})

    async def complete(self, server_job_id: str, body: dict[str, Any]) -> dict[str, Any]:
        answer: dict[str, Any] = await self.request_holder(
            "POST", f"{API}/jobs/{server_job_id}/complete", json=body)
        return answer

    async def authorize_where(self, body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """Ask for a decision on a received job (failing over in order); answer the URL
        of the server that decided, and its decision."""
        url, answer = await self._request("POST", f"{API}/authorize", json=body,
                                          params_for=lambda _url: None, timeout=None)
        return url, answer

    async def drop_twin_at(self, url: str, agent_job_key: str, followed_job_id: str
                           ) -> dict[str, Any] | None:
        """Tell the server at ``url`` that the job ``agent_job_key`` prints as another
        server's job (``followed_job_id``): it drops its own job of that key, if it has
        one that has not printed. Its answer once it answered (``{}`` for a 4xx: an older
        server, nothing to retry), None if it did not (try again later)."""
        headers = self._auth_headers()
        response = await self._send(
            "POST", url + f"{API}/drop-twin", json={"agent_job_key": agent_job_key,
                                                    "followed_job_id": followed_job_id},
            params=None, headers=headers, timeout=self._timeout)
        if isinstance(response, str):
            return None
        if response.status_code >= 400:
            log.warning("drop-twin of %s refused by %s: HTTP %s", agent_job_key, url,
                        response.status_code)
            return {}
        try:
            answer = response.json()
        except ValueError:
            return {}
        return answer if isinstance(answer, dict) else {}

    async def events_at(self, url: str, after: str | None) -> list[dict[str, Any]] | None:
        """The events waiting at the server at ``url`` after ``after``, without waiting
        for one (the servers the link does not follow, ``EventPump.run_others``). None if
        it did not answer or refused: asked again on the next round."""
        response = await self._send(
            "GET", url + f"{API}/events", json=None,
            params={"wait": 0, **({"after": after} if after else {})},
            headers=self._auth_headers(), timeout=min(self._timeout, OTHERS_TIMEOUT_SECONDS))
        if isinstance(response, str) or response.status_code >= 400:
            return None
        try:
            answer = response.json()
        except ValueError:
            return None
        return answer if isinstance(answer, list) else None

    async def offline_jobs(self, jobs: list[dict[str, Any]]) -> dict[str, Any]:
        """Upload tracker journal entries (agent-link section 5c); per-item results."""
        answer: dict[str, Any] = await self.request("POST", f"{API}/offline-jobs",
                                                    json={"jobs": jobs})
        return answer

    async def device_status(self, devices: list[dict[str, Any]]) -> None:
        """Report the status of this agent's devices (agent-link section 5b). A server
        that predates supply levels refuses the field (422): the report goes again
        without them, so states and reasons still arrive."""
        try:
            await self.request("POST", f"{API}/device-status", json={"devices": devices})
        except ServerRejected as exc:
            if exc.status != 422 or not any("supplies" in entry for entry in devices):
                raise
            plain = [{k: v for k, v in entry.items() if k != "supplies"} for entry in devices]
            await self.request("POST", f"{API}/device-status", json={"devices": plain})

    async def events(self, after: Callable[[str], str | None],
                     wait: float) -> tuple[str, list[dict[str, Any]]]:
        """Long poll the events of the current server (failing over in order), asking
        each server after ``after(url)``: every server numbers its own events (central
        and a site's remote each keep theirs), so the cursor is per server. Answer the
        URL of the server that answered, and its events."""
        def params_for(url: str) -> dict[str, Any]:
            cursor = after(url)
            return {"wait": wait, **({"after": cursor} if cursor else {})}

        url, answer = await self._request("GET", f"{API}/events", json=None,
                                          params_for=params_for, timeout=wait + self._timeout)
        return url, answer
