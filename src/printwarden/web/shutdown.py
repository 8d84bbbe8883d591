"""The server is stopping: long-lived answers (agent event long polls, event WebSockets)
end at once instead of holding the shutdown until they time out.

``Stopping`` is set by the runner when SIGTERM/SIGINT arrives (before uvicorn waits for
open connections to finish), so a long poll answers what it has (often ``[]``) and a
WebSocket closes with 1012 "service restart": agents reconnect to the next instance.
"""

from __future__ import annotations

import threading

#: RFC 6455 close code: the service is restarting; try again (after a pause).
WS_SERVICE_RESTART = 1012


class Stopping:
    """A flag set once, readable from any thread or task."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def set(self) -> None:
        self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set()
