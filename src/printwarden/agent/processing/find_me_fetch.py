"""Find-me on the releasing agent (B): fetch a job released here from the agent holding it.

A ``fetch`` event (agent-link.md section 5) carries a server-signed token, the holding
agent's id and name and the job's server id. B finds the holding agent's URL in its
``find_me_peers`` setting (agent name -> base URL of its IPP/HTTP listener), then:

1. ``GET {url}/fetch/{agent_job_key}`` streams the document into B's spool (``Spool.accept``:
   fsync, rename, one journal insert of the job already ``authorized`` with the server's job
   id, the priced analysis and the releasing device). A body whose length or SHA-256 differ
   from A's headers is thrown away. B never analyses or authorizes the job again: the
   server decided and priced it; B prints it and reports its completion (charged once, at
   B's device's price). The event's ``transforms`` (a rule's forced grayscale or duplex,
   a conversion the user accepted) are journaled with it and applied as on A; ones B does
   not know give the job back (it stays held) rather than print other than priced.
2. ``POST {url}/fetch/{key}/done`` tells A it may delete its copy (A's job ends ``moved``).
   A ``done`` that does not arrive is sent again on the next delivery of the event.

Recovery: a fetch cut off (A unreachable, B crashes) leaves nothing in B's journal. B
retries with backoff while the token lives; a crash of B means the event was not marked
processed, so it comes again after the restart and the fetch is retried while the token
lives. A job already in B's journal (the event delivered twice) is not fetched again.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx

from printwarden.agent.model import JobMeta, LocalState, UnknownTransform, parse_transforms
from printwarden.agent.storage.job_book import JobBook

__all__ = ["FIND_ME_QUEUE", "FetchFailed", "FindMeFetcher"]

log = logging.getLogger(__name__)
#: The local queue of jobs fetched from other agents (not served over IPP).
FIND_ME_QUEUE = "find-me"
_RETRY_SECONDS = (0.5, 1.0, 2.0, 5.0)


class FetchFailed(Exception):
    """The document could not be fetched; ``retry``: trying again may help (a 4xx will
    not)."""

    def __init__(self, message: str, *, retry: bool = True) -> None:
        super().__init__(message)
        self.retry = retry


class FindMeFetcher:
    def __init__(self, book: JobBook, *, peers: Callable[[], dict[str, str]],
                 own_id: Callable[[], str | None], timeout: float,
                 transport: httpx.AsyncBaseTransport | None = None,
                 now: Callable[[], float] = time.time) -> None:
        self._book = book
        self._peers = peers
        self._own_id = own_id
        self._client = httpx.AsyncClient(timeout=timeout, transport=transport)
        self._now = now

    async def aclose(self) -> None:
        await self._client.aclose()

    async def handle(self, payload: dict[str, Any]) -> str | None:
        """Fetch the job of a ``fetch`` event; answers its local id (None: nothing to do)."""
        job_id, key = str(payload.get("job_id") or ""), str(payload.get("agent_job_key") or "")
        token, source = str(payload.get("token") or ""), str(payload.get("source_agent_name")
                                                              or "")
        if not (job_id and key and token):
            log.warning("fetch event without job, key or token: ignored")
            return None
        try:  # checked before fetching: a job it cannot print as priced is given back
            transforms = parse_transforms(payload.get("transforms"))
        except UnknownTransform as exc:
            raise FetchFailed(f"not fetched: {exc}", retry=False) from None
        payload = {**payload, "transforms": transforms}
        base = self._peers().get(source)
        if base is None:
            raise FetchFailed(f"agent {source!r} is not in this agent's find_me_peers",
                              retry=False)
        url = f"{base.rstrip('/')}/fetch/{key}"
        headers = {"Authorization": f"Bearer {token}",
                   "X-Printwarden-Agent": self._own_id() or ""}
        existing = self._book.journal.find_by_server_id(job_id)
        if existing is None:
            deadline = float(payload.get("expires_at") or 0)
            existing_id = await self._fetch_until(url, headers, payload, deadline)
        else:
            existing_id = existing.local_id
        await self._done(url, headers)
        return existing_id

    async def _fetch_until(self, url: str, headers: dict[str, str], payload: dict[str, Any],
                           deadline: float) -> str:
        attempt = 0
        while True:
            try:
                return await self._fetch(url, headers, payload)
            except (httpx.TransportError, FetchFailed) as exc:
                if isinstance(exc, FetchFailed) and not exc.retry:
                    raise
                delay = _RETRY_SECONDS[min(attempt, len(_RETRY_SECONDS) - 1)]
                if self._now() + delay >= deadline:
                    raise FetchFailed(f"gave up fetching {url}: {exc}") from exc
                log.warning("find-me fetch %s failed (%s): retrying", url, exc)
                attempt += 1
                await asyncio.sleep(delay)

    async def _fetch(self, url: str, headers: dict[str, str],
                     payload: dict[str, Any]) -> str:
        async with self._client.stream("GET", url, headers=headers) as response:
            if response.status_code != 200:
                body = (await response.aread())[:500].decode("utf-8", "replace")
                raise FetchFailed(f"HTTP {response.status_code} from {url}: {body}",
                                  retry=response.status_code >= 500)
            meta = json.loads(response.headers.get("x-printwarden-job", "{}"))
            expected = response.headers.get("x-printwarden-sha256", "")
            length = int(response.headers.get("content-length", "-1"))
            sha = hashlib.sha256()

            async def chunks() -> AsyncIterator[bytes]:
                async for chunk in response.aiter_bytes():
                    sha.update(chunk)
                    yield chunk
                if sha.hexdigest() != expected:
                    raise FetchFailed(f"the document from {url} does not match its digest")

            job = await self._book.spool.accept(
                FIND_ME_QUEUE, _meta(meta), chunks(), **_fields(meta, payload))
        if job.size_bytes != length:
            log.warning("find-me: %s sent %d bytes, announced %d (the digest matched)",
                        url, job.size_bytes, length)
        log.info("find-me: job %s fetched from %s", job.server_job_id, url)
        return job.local_id

    async def _done(self, url: str, headers: dict[str, str]) -> None:
        try:
            answer = await self._client.post(f"{url}/done", headers=headers)
        except httpx.TransportError as exc:
            log.warning("find-me: could not tell %s the job was fetched (%s)", url, exc)
            return
        if answer.status_code not in (200, 409):  # 409: already done
            log.warning("find-me: %s answered %d to done: %s", url, answer.status_code,
                        answer.text[:300])


def _meta(meta: dict[str, Any]) -> JobMeta:
    return JobMeta(username=str(meta.get("username") or ""), title=str(meta.get("title") or ""),
                   document_format=str(meta.get("document_format")
                                       or "application/octet-stream"),
                   copies=int(meta.get("copies") or 1),
                   sides=str(meta.get("sides") or "one-sided"),
                   color_mode=str(meta.get("color_mode") or "auto"),
                   media=str(meta.get("media") or ""))


def _fields(meta: dict[str, Any], payload: dict[str, Any]) -> dict[str, Any]:
    """The journal fields of a fetched job: authorized by the server (the job id of the
    event, not of A's header), with the analysis it was priced with, for B's device."""
    analysis = meta.get("analysis")
    return {"state": LocalState.AUTHORIZED,
            "state_reason": f"fetched for release at {payload.get('device_id')}",
            "server_job_id": str(payload["job_id"]), "decision": "allow",
            "pages": meta.get("pages"), "color_pages": meta.get("color_pages"),
            "analysis": analysis if isinstance(analysis, dict) else {},
            "release_device_uri": str(payload.get("device_uri") or ""),
            "release_device_id": str(payload.get("device_id") or ""),
            "transforms": tuple(payload.get("transforms") or ())}
