"""Document analysis in a separate process.

The agent analyses every spooled document (pages, colour, sizes) before it asks the server
for a decision. That work is pure Python (pypdf) or native code (pdfium) fed with whatever
a client sent, so it runs in a child process rather than in the agent's:

- the agent's event loop never waits for the GIL while a 300-page PDF is being read, so
  acceptance latency does not depend on the backlog being analysed;
- a document that makes the analyser run out of memory or crash kills the child, not the
  agent: the job gets a reasoned "pages unknown" result and the queue's policy applies;
- the child runs at a lower CPU priority (``nice``) and, on POSIX, under an address-space
  limit, so analysis yields to acceptance on a busy print server.

The pool uses the ``spawn`` start method (no fork of a threaded process; the same on
Windows). The child imports ``printwarden.documents`` only; an idle agent does not start it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

__all__ = ["Analyser", "AnalysisSummary", "analyse_summary"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AnalysisSummary:
    """What the agent keeps of a document's analysis."""

    pages: int | None
    color_pages: int | None
    mono_pages: int | None
    sizes: dict[str, int] = field(default_factory=dict)
    estimated: bool = False
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"pages": self.pages, "color_pages": self.color_pages,
                "mono_pages": self.mono_pages, "sizes": dict(self.sizes),
                "estimated": self.estimated, "reason": self.reason}


def analyse_summary(path: str, format_hint: str | None, lines_per_page: int) -> AnalysisSummary:
    """Runs in the child: ``printwarden.documents.analyse`` (which never raises)."""
    from printwarden.documents import analyse

    info = analyse(Path(path), format_hint=format_hint, lines_per_page=lines_per_page)
    return AnalysisSummary(info.pages, info.color_pages, info.mono_pages, dict(info.sizes),
                           info.estimated, info.reason or "")


def _init_child(nice: int, memory_limit_bytes: int | None) -> None:
    if nice and hasattr(os, "nice"):
        with contextlib.suppress(OSError):
            os.nice(nice)
    if memory_limit_bytes:
        with contextlib.suppress(ImportError, ValueError, OSError):
            import resource  # POSIX only

            resource.setrlimit(resource.RLIMIT_AS, (memory_limit_bytes, memory_limit_bytes))


#: ``(path, format_hint, lines_per_page) -> summary``; a module-level function (picklable).
AnalyseFunction = Callable[[str, str | None, int], AnalysisSummary]


class Analyser:
    """A small process pool for document analysis; restarted after a child dies."""

    def __init__(self, *, workers: int = 1, nice: int = 5,
                 memory_limit_bytes: int | None = 2 << 30,
                 function: AnalyseFunction = analyse_summary) -> None:
        self._workers = max(1, workers)
        self._nice = nice
        self._memory_limit = memory_limit_bytes
        self._function = function
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self._workers, mp_context=get_context("spawn"),
                initializer=_init_child, initargs=(self._nice, self._memory_limit))
        return self._pool

    @property
    def child_pids(self) -> list[int]:
        """The worker processes now running (for memory figures and tests)."""
        processes = getattr(self._pool, "_processes", None) or {}
        return sorted(int(pid) for pid in processes)

    async def analyse(self, path: Path, format_hint: str | None,
                      lines_per_page: int) -> AnalysisSummary:
        """Never raises for the document's sake: a dead child gives ``pages=None`` and a
        reason, and the next document gets a fresh child."""
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor(), self._function, str(path),
                                              format_hint, lines_per_page)
        except BrokenProcessPool:
            log.warning("the document analyser stopped while reading %s; restarting it",
                        path.name)
            self._discard()
            return AnalysisSummary(None, None, None, reason=(
                "the document analyser stopped on this document (it ran out of memory "
                "or crashed)"))

    def _discard(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
