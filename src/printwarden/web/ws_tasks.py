"""A WebSocket served by two loops (a sender and a receiver): run both until one ends,
then stop the other. A disconnect or a send on a closed socket ends the pair quietly;
any other exception of either loop propagates (uvicorn closes the socket 1011)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from typing import Any

from starlette.websockets import WebSocketDisconnect


async def run_until_one_ends(*loops: Coroutine[Any, Any, None]) -> None:
    tasks = [asyncio.ensure_future(loop) for loop in loops]
    _, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect):
            await task
    for task in tasks:
        if task.done() and not task.cancelled():
            with contextlib.suppress(WebSocketDisconnect, RuntimeError):
                task.result()
