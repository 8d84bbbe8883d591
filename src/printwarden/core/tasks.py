"""Stopping background asyncio tasks the same way everywhere."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable

__all__ = ["cancel_and_wait"]


async def cancel_and_wait(tasks: Iterable[asyncio.Task[object] | None]) -> None:
    """Cancel each task, then wait until each has ended (a cancelled task's
    ``CancelledError`` is expected and swallowed; any other error propagates)."""
    running = [task for task in tasks if task is not None]
    for task in running:
        task.cancel()
    for task in running:
        with contextlib.suppress(asyncio.CancelledError):
            await task
