"""A raw TCP printer (AppSocket, ``socket://``) for tests and benchmarks.

It accepts connections on a loopback port, reads each to end of file and then closes it
(the agent's socket backend waits for that close before it calls a job printed), and
keeps what every connection carried and the moment its first byte arrived
(``time.perf_counter()``, one clock for the whole process). It prints nothing and never
refuses: a sink for "what reached the printer, how many times, how soon".
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from dataclasses import dataclass
from types import TracebackType

__all__ = ["Arrival", "TcpSink"]

#: Longest a connection may stay silent before the sink gives up on it.
READ_TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True)
class Arrival:
    """One connection's document, whole, and when its first byte came."""

    data: bytes
    first_byte_at: float


class TcpSink:
    """``with TcpSink() as sink:`` listens on ``sink.port`` until the block ends.

    ``first_bytes`` grows the moment a connection's first byte arrives (before the
    document is whole); ``arrivals`` once the client has shut its side. Both keep the
    order in which that happened."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self._listener = socket.create_server((host, 0), backlog=256)
        self.host = host
        self.port = int(self._listener.getsockname()[1])
        self._changed = threading.Condition()
        self._arrivals: list[Arrival] = []
        self._first_bytes: list[float] = []
        self._thread = threading.Thread(target=self._accept, name="tcp-sink", daemon=True)
        self._closed = False

    @property
    def uri(self) -> str:
        return f"socket://{self.host}:{self.port}"

    def __enter__(self) -> TcpSink:
        self._thread.start()
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self._closed = True
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        if self._thread.is_alive():
            self._thread.join(5)

    def arrivals(self) -> list[Arrival]:
        with self._changed:
            return list(self._arrivals)

    def first_bytes(self) -> list[float]:
        with self._changed:
            return list(self._first_bytes)

    def wait_for_first_byte(self, seen: int, timeout: float) -> float:
        """The moment of the first byte of connection number ``seen`` (0-based, in order
        of first bytes), waiting up to ``timeout`` seconds for it."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self._first_bytes) <= seen:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no byte of connection {seen + 1} within {timeout} s")
                self._changed.wait(left)
            return self._first_bytes[seen]

    def wait_for_arrivals(self, count: int, timeout: float) -> list[Arrival]:
        """Every arrival once there are at least ``count`` of them."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self._arrivals) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{len(self._arrivals)} of {count} documents "
                                       f"arrived within {timeout} s")
                self._changed.wait(left)
            return list(self._arrivals)

    def _accept(self) -> None:
        while not self._closed:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._read, args=(conn,), name="tcp-sink-conn",
                             daemon=True).start()

    def _read(self, conn: socket.socket) -> None:
        chunks: list[bytes] = []
        first: float | None = None
        with conn:
            conn.settimeout(READ_TIMEOUT_SECONDS)
            try:
                while chunk := conn.recv(1 << 16):
                    if first is None:
                        first = time.perf_counter()
                        with self._changed:
                            self._first_bytes.append(first)
                            self._changed.notify_all()
                    chunks.append(chunk)
            except OSError:
                return  # a connection cut half-way is no arrival
        if first is None:
            return  # a status probe: connected and closed without a document
        with self._changed:
            self._arrivals.append(Arrival(b"".join(chunks), first))
            self._changed.notify_all()
