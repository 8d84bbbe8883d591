"""Find-me on the holding agent (A): the releasing agent (B) fetches a held job's document.

    GET  /fetch/{job_key}        Authorization: Bearer TOKEN, X-Printwarden-Agent: B_ID
         -> 200, the spooled document; X-Printwarden-Job (JSON metadata the analysis and
            the completion need), X-Printwarden-Sha256, Content-Length
    POST /fetch/{job_key}/done   (same headers) -> 200: B has the document durably;
         A's job ends ``moved``, its spool file is deleted and the token is spent

The token (``core/fetch_token.py``) must be signed by the server's key (learned from the
agent configuration), unexpired, name this agent as ``src``, ``job_key`` as the job, the
caller's ``X-Printwarden-Agent`` as ``dst``, and the job's server id. The handover takes
two steps so that a fetch cut off (B crashes, the network drops) loses nothing: the GET may
be repeated while the token lives; only ``done`` spends it. A spent token id is kept in the
journal (``fetch-token:TID`` until its expiry; a restart keeps it) and answers 409, as
does a second GET while one is streaming. Refusals are JSON ``{"error", "message"}``.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

from printwarden.agent.model import LocalJob, LocalState
from printwarden.agent.storage.job_book import JobBook
from printwarden.core.fetch_token import FetchClaims, FetchTokenRefused, FetchTokenVerifier

__all__ = ["FETCH_PREFIX", "FetchEndpoint", "used_token_key"]

log = logging.getLogger(__name__)
Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
FETCH_PREFIX = "/fetch/"
CHUNK = 256 * 1024


def used_token_key(tid: str) -> str:
    return f"fetch-token:{tid}"


class FetchEndpoint:
    def __init__(self, book: JobBook, *, verifier: Callable[[], FetchTokenVerifier | None],
                 agent_id: Callable[[], str | None],
                 now: Callable[[], float] = time.time) -> None:
        self._book = book
        self._verifier = verifier
        self._agent_id = agent_id
        self._now = now
        self._streaming: set[str] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope["path"])[len(FETCH_PREFIX):]
        done = path.endswith("/done")
        job_key = path.removesuffix("/done")
        method = scope["method"]
        if (method, done) not in (("GET", False), ("POST", True)) or "/" in job_key:
            await _refuse(send, 405, "use GET /fetch/{job_key} or POST /fetch/{job_key}/done")
            return
        try:
            claims, job = self._authorise(scope, job_key)
        except FetchTokenRefused as exc:
            log.warning("find-me fetch of job %r refused: %s", job_key[:40], exc.message)
            await _refuse(send, exc.status, exc.message)
            return
        if done:
            await self._finish(send, claims, job)
        else:
            await self._stream(send, claims, job)

    def _authorise(self, scope: Scope, job_key: str) -> tuple[FetchClaims, LocalJob]:
        verifier, own_id = self._verifier(), self._agent_id()
        if verifier is None or own_id is None:
            raise FetchTokenRefused(503, "this agent has no server configuration yet: it "
                                    "cannot check fetch tokens")
        headers = {name.decode("latin-1").lower(): value.decode("latin-1")
                   for name, value in scope.get("headers", [])}
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise FetchTokenRefused(401, "a fetch needs 'Authorization: Bearer TOKEN'")
        claims = verifier.verify(token.strip(), now=self._now(), job_key=job_key, src=own_id)
        if headers.get("x-printwarden-agent", "") != claims.dst:
            raise FetchTokenRefused(403, "fetch token is for another agent")
        if self._book.journal.get_value(used_token_key(claims.tid)) is not None:
            raise FetchTokenRefused(409, "fetch token already used")
        job = self._book.get(job_key)
        if job is None or job.server_job_id != claims.job_id:
            raise FetchTokenRefused(403, "fetch token is for another job")
        if job.state is not LocalState.HELD:
            raise FetchTokenRefused(410, f"the job is {job.state.value} here, not held: "
                                    "there is nothing to fetch")
        return claims, job

    async def _stream(self, send: Send, claims: FetchClaims, job: LocalJob) -> None:
        if claims.tid in self._streaming:
            await _refuse(send, 409, "this fetch token is being used by another request")
            return
        self._streaming.add(claims.tid)
        try:
            path = self._book.spool.path_of(job)
            try:
                digest, size = await asyncio.to_thread(_digest, path)
            except OSError:
                await _refuse(send, 410, "the job's document is gone from the spool")
                return
            await send({"type": "http.response.start", "status": 200, "headers": [
                (b"content-type", job.meta.document_format.encode("latin-1", "replace")),
                (b"content-length", str(size).encode()),
                (b"x-printwarden-sha256", digest.encode()),
                (b"x-printwarden-job", json.dumps(_metadata(job)).encode())]})
            with path.open("rb") as handle:
                while chunk := await asyncio.to_thread(handle.read, CHUNK):
                    await send({"type": "http.response.body", "body": chunk,
                                "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        finally:
            self._streaming.discard(claims.tid)

    async def _finish(self, send: Send, claims: FetchClaims, job: LocalJob) -> None:
        moved = await self._book.move_async(
            job, LocalState.MOVED, f"released at another agent's device ({claims.device_id})",
            completion_sent=True)
        if moved is None:
            await _refuse(send, 409, "the job changed while it was handed over")
            return
        self._book.journal.set_value(used_token_key(claims.tid), str(claims.exp))
        body = json.dumps({"job_key": job.local_id, "state": moved.state.value}).encode()
        await _answer(send, 200, body)


def _digest(path: Path) -> tuple[str, int]:
    sha, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            sha.update(chunk)
            size += len(chunk)
    return sha.hexdigest(), size


def _metadata(job: LocalJob) -> dict[str, Any]:
    """What B needs to print and report the job: its server id, the IPP job template
    attributes and the analysis that was priced (B does not analyse again)."""
    meta = job.meta
    return {"server_job_id": job.server_job_id, "queue": job.queue,
            "username": meta.username, "title": meta.title,
            "document_format": meta.document_format, "copies": meta.copies,
            "sides": meta.sides, "color_mode": meta.color_mode, "media": meta.media,
            "pages": job.pages, "color_pages": job.color_pages, "analysis": job.analysis,
            "decision": job.decision, "size_bytes": job.size_bytes}


async def _refuse(send: Send, status: int, message: str) -> None:
    error = {401: "unauthenticated", 403: "forbidden", 405: "method_not_allowed",
             409: "conflict", 410: "gone", 503: "unavailable"}.get(status, "invalid")
    await _answer(send, status, json.dumps({"error": error, "message": message}).encode())


async def _answer(send: Send, status: int, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
