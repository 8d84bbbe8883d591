"""Document analysis in a separate process.

The agent analyses every spooled document (pages, colour, sizes) before it asks the server
for a decision. That work is pure Python (pypdf) or native code (pdfium) fed with whatever
a client sent, so it runs in a worker process
(``printwarden.agent.processing.analysis_child``) rather than in the agent's:

- the agent's event loop never waits for the GIL while a 300-page PDF is being read, so
  acceptance latency does not depend on the backlog being analysed;
- a document that makes the analyser run out of memory or crash kills the worker, not the
  agent: the job gets a reasoned "pages unknown" result, the queue's policy applies, and
  the next document gets a fresh worker;
- the worker runs at a lower CPU priority (``nice``) and, on POSIX, under an address-space
  limit, so analysis yields to acceptance on a busy print server.

- every request is bounded in time (``timeout``): a worker that does not answer in time
  (a PostScript ``{} loop``, a pathological file) is killed with its process group
  (Ghostscript included) and the job gets a "timed out" result, never a guess.

The worker is a plain ``python -m`` subprocess speaking JSON lines (portable to Windows,
no fork of the threaded agent, and it imports ``printwarden.documents`` only). It is
started on the first job: an idle agent has none. ``analysis_pool`` runs several.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Analyser", "AnalysisSummary"]

log = logging.getLogger(__name__)
_CHILD = "printwarden.agent.processing.analysis_child"
#: The start of the reason of an analysis that overran its time.
TIMED_OUT = "the document analysis did not finish within"


@dataclass(frozen=True)
class AnalysisSummary:
    """What the agent keeps of a document's analysis.

    ``count_certain`` is the analyser's promise that any reader of the file counts the
    same pages (see ``documents.model``); a summary that does not say so is uncertain.
    ``problem`` is set on the answer to a rewrite that could not be made."""

    pages: int | None
    color_pages: int | None
    mono_pages: int | None
    sizes: dict[str, int] = field(default_factory=dict)
    estimated: bool = False
    reason: str = ""
    format: str = ""
    count_certain: bool = False
    problem: str = ""
    rewrite_method: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"pages": self.pages, "color_pages": self.color_pages,
                "mono_pages": self.mono_pages, "sizes": dict(self.sizes),
                "estimated": self.estimated, "reason": self.reason, "format": self.format,
                "count_certain": self.count_certain}

    @classmethod
    def from_answer(cls, answer: dict[str, Any]) -> AnalysisSummary:
        def count(key: str) -> int | None:
            value = answer.get(key)
            return value if type(value) is int and value >= 0 else None
        sizes = answer.get("sizes") or {}
        return cls(count("pages"), count("color_pages"), count("mono_pages"),
                   {str(k): int(v) for k, v in sizes.items()}, bool(answer.get("estimated")),
                   str(answer.get("reason") or ""), str(answer.get("format") or ""),
                   answer.get("count_certain") is True, str(answer.get("problem") or ""),
                   str(answer.get("rewrite_method") or ""))

    @classmethod
    def unknown(cls, reason: str) -> AnalysisSummary:
        return cls(None, None, None, estimated=True, reason=reason, problem=reason)


_DIED = ("the document analyser stopped on this document (it ran out of memory or crashed)")


class Analyser:
    """One analysis worker process, used by one request at a time; restarted after it
    dies or overruns ``timeout`` seconds."""

    def __init__(self, *, nice: int = 5, memory_limit_bytes: int = 2 << 30,
                 seconds: float = 30.0, timeout: float = 90.0,
                 command: list[str] | None = None) -> None:
        self._command = command or [sys.executable, "-m", _CHILD, "--nice", str(nice),
                                    "--memory-limit", str(memory_limit_bytes),
                                    "--seconds", str(seconds)]
        self.timeout = timeout
        self._proc: asyncio.subprocess.Process | None = None
        self._lock = asyncio.Lock()

    @property
    def pid(self) -> int | None:
        """The worker's process id while it runs."""
        return self._proc.pid if self._proc is not None else None

    async def _worker(self) -> asyncio.subprocess.Process:
        if self._proc is None or self._proc.returncode is not None:
            self._proc = await asyncio.create_subprocess_exec(
                *self._command, stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE, limit=1 << 20,
                start_new_session=os.name == "posix")
        return self._proc

    async def analyse(self, path: Path, format_hint: str | None,
                      lines_per_page: int) -> AnalysisSummary:
        """Never raises for the document's sake."""
        return await self._ask({"path": str(path), "format_hint": format_hint,
                                "lines_per_page": lines_per_page}, path)

    async def rewrite(self, path: Path, target: Path, fmt: str, pages: int,
                      lines_per_page: int = 60) -> AnalysisSummary:
        """Write ``target``: the document rewritten to exactly ``pages`` pages, and answer
        the summary of the rewritten file (``pages`` None and ``problem`` when it could
        not be made). Never raises for the document's sake."""
        return await self._ask({"op": "rewrite", "path": str(path), "target": str(target),
                                "format": fmt, "pages": pages,
                                "lines_per_page": lines_per_page}, path)

    async def grayscale(self, path: Path, target: Path, fmt: str,
                        timeout: float) -> AnalysisSummary:
        """Write ``target``: a grayscale PDF of the PDF or PostScript ``path``, and answer
        the summary of the converted file (``pages`` None and ``problem`` when it could
        not be made). Ghostscript gets ``timeout`` seconds; the worker, Ghostscript with
        it, is killed 10 s after that. Never raises for the document's sake."""
        return await self._ask({"op": "grayscale", "path": str(path), "target": str(target),
                                "format": fmt, "timeout": timeout}, path, timeout=timeout + 10)

    async def _ask(self, request: dict[str, Any], path: Path,
                   timeout: float | None = None) -> AnalysisSummary:
        limit = self.timeout if timeout is None else timeout
        line = json.dumps(request).encode() + b"\n"
        async with self._lock:
            proc = await self._worker()
            assert proc.stdin is not None and proc.stdout is not None
            try:
                proc.stdin.write(line)
                await proc.stdin.drain()
                answer = await asyncio.wait_for(proc.stdout.readline(), limit)
            except asyncio.CancelledError:  # the answer will never be read: start afresh
                await asyncio.shield(self._reap())
                raise
            except TimeoutError:
                log.warning("the document analyser overran %g s on %s; stopping it",
                            limit, path.name)
                await self._reap()
                return AnalysisSummary.unknown(f"{TIMED_OUT} {limit:g} s")
            except (ConnectionError, BrokenPipeError):
                answer = b""
            if not answer:
                log.warning("the document analyser stopped while reading %s; restarting it",
                            path.name)
                await self._reap()
                return AnalysisSummary.unknown(_DIED)
        try:
            return AnalysisSummary.from_answer(json.loads(answer))
        except (ValueError, TypeError, AttributeError) as exc:
            return AnalysisSummary.unknown(f"unreadable analysis: {exc}")

    async def _reap(self) -> None:
        """Kill the worker and everything it started (its process group)."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            if os.name == "posix":
                os.killpg(proc.pid, signal.SIGKILL)
            else:
                proc.kill()
        await proc.wait()

    async def aclose(self) -> None:
        """Stop the worker (it exits when its stdin closes)."""
        proc = self._proc
        if proc is None:
            return
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            await asyncio.wait_for(proc.wait(), 10)
        except TimeoutError:
            await self._reap()
        self._proc = None
