"""A small pool of analysis workers (``Analyser`` processes), shared fairly.

Requests wait in a ``FairShare`` line keyed by queue and user and go to the first idle
worker: queues and users take turns, and one user holds at most ``per_user`` workers.
Every request is bounded by its worker's timeout, so a worker is never lost for longer.
A caller that gives up (its task is cancelled) cancels its request: waiting, it leaves
the line; running, its worker is stopped and started afresh for the next request.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Awaitable, Callable
from pathlib import Path

from printwarden.agent.processing.analysis_worker import Analyser, AnalysisSummary
from printwarden.agent.processing.fair_share import FairShare
from printwarden.agent.settings import AgentSettings

__all__ = ["AnalysisPool", "pool_from_settings", "pool_size", "user_share"]

Work = Callable[[Analyser], Awaitable[AnalysisSummary]]
_Request = tuple["asyncio.Future[AnalysisSummary]", Work]


def pool_size(configured: int = 0) -> int:
    """``configured`` workers, or (0) one per CPU, at least 2 and at most 8."""
    return configured if configured > 0 else min(8, max(2, os.cpu_count() or 1))


def user_share(size: int, configured: int = 0) -> int:
    """Workers one user may hold: ``configured``, or (0) half the pool, at least 1."""
    return configured if configured > 0 else max(1, size // 2)


def pool_from_settings(settings: AgentSettings) -> AnalysisPool:
    """The pool the ``analysis_*`` settings describe."""
    def make() -> Analyser:
        return Analyser(memory_limit_bytes=settings.analysis_memory_limit_bytes,
                        seconds=settings.analysis_seconds,
                        timeout=settings.analysis_timeout_seconds)
    return AnalysisPool(settings.analysis_workers,
                        per_user=settings.analysis_workers_per_user, make=make)


class AnalysisPool:
    def __init__(self, size: int = 0, *, per_user: int = 0,
                 make: Callable[[], Analyser] = Analyser) -> None:
        self.size = pool_size(size)
        self._idle = [make() for _ in range(self.size)]  # processes start on first use
        self._all = list(self._idle)
        self._line: FairShare[_Request] = FairShare(user_share(self.size, per_user))
        self._serving: set[asyncio.Task[None]] = set()
        self._closed = False

    @property
    def per_user(self) -> int:
        return self._line.per_user

    @property
    def busy(self) -> int:
        """Workers running a request now."""
        return self.size - len(self._idle)

    async def analyse(self, path: Path, format_hint: str | None, lines_per_page: int, *,
                      queue: str, user: str) -> AnalysisSummary:
        return await self._run(queue, user,
                               lambda worker: worker.analyse(path, format_hint, lines_per_page))

    async def rewrite(self, path: Path, target: Path, fmt: str, pages: int, *, queue: str,
                      user: str, lines_per_page: int = 60) -> AnalysisSummary:
        return await self._run(queue, user, lambda worker: worker.rewrite(
            path, target, fmt, pages, lines_per_page))

    async def grayscale(self, path: Path, target: Path, fmt: str, *, timeout: float,
                        queue: str, user: str) -> AnalysisSummary:
        return await self._run(queue, user, lambda worker: worker.grayscale(
            path, target, fmt, timeout))

    async def _run(self, queue: str, user: str, work: Work) -> AnalysisSummary:
        answer: asyncio.Future[AnalysisSummary] = asyncio.get_running_loop().create_future()
        self._line.add(queue, user, (answer, work))
        self._dispatch()
        return await answer

    def _dispatch(self) -> None:
        while self._idle and not self._closed:
            taken = self._line.take()
            if taken is None:
                return
            _, user, (answer, work) = taken
            if answer.done():  # its caller gave up while it waited
                self._line.finish(user)
                continue
            worker = self._idle.pop()
            task = asyncio.create_task(self._serve(worker, user, answer, work),
                                       name="agent-analysis")
            self._serving.add(task)
            task.add_done_callback(self._serving.discard)
            answer.add_done_callback(_cancel_with(task))

    async def _serve(self, worker: Analyser, user: str,
                     answer: asyncio.Future[AnalysisSummary], work: Work) -> None:
        try:
            result = await work(worker)
            if not answer.done():
                answer.set_result(result)
        except asyncio.CancelledError:
            answer.cancel()
            raise
        except Exception as exc:  # a bug: the caller sees it
            if not answer.done():
                answer.set_exception(exc)
        finally:
            self._idle.append(worker)
            self._line.finish(user)
            self._dispatch()

    async def aclose(self) -> None:
        self._closed = True
        for task in list(self._serving):
            task.cancel()
        for task in list(self._serving):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for worker in self._all:
            await worker.aclose()


def _cancel_with(task: asyncio.Task[None]) -> Callable[[asyncio.Future[AnalysisSummary]], None]:
    """A done-callback: a request whose caller gave up stops its worker's task."""
    def callback(answer: asyncio.Future[AnalysisSummary]) -> None:
        if answer.cancelled():
            task.cancel()
    return callback
