"""A loopback TCP proxy that partition tests put between two processes.

``TcpProxy(host, port)`` listens on ``127.0.0.1:<free port>`` and forwards every
connection to ``host:port``. A test, from its own thread, then breaks the path the way
networks break:

- ``cut()`` resets every open connection and refuses new ones (the listening socket is
  closed, so a connect fails at once with "connection refused"); ``restore()`` listens
  on the same port again;
- ``delay(seconds)`` holds each forwarded chunk that long (``0`` removes the delay);
- ``half_open()`` keeps accepting connections and reading what clients send, but
  forwards nothing and answers nothing: the client hangs until its own timeout.
  ``restore()`` ends it and resets the connections that were silenced (their streams
  lost bytes; nothing sensible can travel on them any more);
- ``drop_mid_response(after_bytes=N, times=1)`` forwards the request, lets the first N
  bytes of the answer through and then closes both sides: "the server did the work but
  the answer was lost". ``times`` answers in a row are cut that way;
- ``blackhole_requests(times=1)`` reads a request and closes the connection without
  forwarding it: "the request never reached the server".

Both take ``matching=b"..."``: only requests whose first chunk holds those bytes (for HTTP
the request line, e.g. ``b"/authorize"``) are hit, so a client's other traffic on the same
path (a long poll, a health probe) does not use the fault up. ``clear_faults()`` disarms
those not yet spent.

The proxy knows nothing of HTTP. It calls a chunk from the client that follows silence
or an answer "the start of a request", and a chunk from the server that follows a
request "the start of an answer"; for request/response protocols (HTTP/1.1, also kept
alive) that is exactly one request and one answer.

Threads, not an event loop: one accepts, two per connection copy bytes (one each way).
Only those copying threads close sockets (the last of a pair closes both), so a control
call never closes a descriptor another thread is still reading: controls only shut
sockets down, which wakes the readers.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from dataclasses import dataclass
from types import TracebackType

__all__ = ["ProxyCounters", "TcpProxy"]

#: Bytes read at once from either side.
CHUNK = 1 << 16

#: How often a restore retries binding the port a cut released.
REBIND_ATTEMPTS = 50


@dataclass(frozen=True)
class ProxyCounters:
    """What went through the proxy since it started."""

    connections: int  #: connections accepted (also the silenced and black-holed ones)
    open_connections: int
    bytes_to_server: int
    bytes_to_client: int


def _linger_zero(sock: socket.socket) -> None:
    """Make the coming close send a reset instead of an orderly end of stream."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


class _Connection:
    """One client connection and, unless silenced, its upstream twin."""

    def __init__(self, client: socket.socket, upstream: socket.socket | None) -> None:
        self.client = client
        self.upstream = upstream
        self.lock = threading.Lock()
        self.silenced = upstream is None  #: bytes were swallowed: the stream is broken
        self.last_direction: str | None = None  #: "up" (to the server) or "down"
        self.request_head = b""  #: the first chunk of the request being answered
        self.drop_budget: int | None = None  #: answer bytes still let through, then cut
        self._pumps = 2 if upstream is not None else 1
        self._ended = False

    def sockets(self) -> list[socket.socket]:
        return [self.client] + ([self.upstream] if self.upstream is not None else [])

    def end(self, reset: bool = False) -> None:
        """Shut both sides so the copying threads wake up and finish; ``reset`` makes
        their final close send a reset to the client (and the server)."""
        with self.lock:
            already, self._ended = self._ended, True
        if already and not reset:
            return  # keep a reset a reset: a later orderly shutdown would send a FIN
        for sock in self.sockets():
            if reset:
                _linger_zero(sock)
            with contextlib.suppress(OSError):
                # SHUT_RD wakes a blocked recv without sending anything, so the reset
                # (not a FIN) is what the peer sees when the socket is closed.
                sock.shutdown(socket.SHUT_RD if reset else socket.SHUT_RDWR)

    def is_ended(self) -> bool:
        with self.lock:
            return self._ended

    def pump_done(self) -> bool:
        """Count one copying thread out; True for the last, which closes the sockets."""
        with self.lock:
            self._pumps -= 1
            return self._pumps == 0


class TcpProxy:
    """``with TcpProxy(host, port) as proxy:`` forwards ``127.0.0.1:proxy.port`` to
    ``host:port`` until the block ends; the controls apply from the moment they return."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target_host = target_host
        self.target_port = target_port
        self._lock = threading.Lock()
        self._connections: set[_Connection] = set()
        self._delay = 0.0
        self._half_open = False
        #: (after_bytes, matching) of each answer still to be cut
        self._drops: list[tuple[int, bytes]] = []
        self._blackholes: list[bytes] = []  #: matching of each request still to be lost
        self._accepted = 0
        self._to_server = 0
        self._to_client = 0
        self._closed = False
        self._listener: socket.socket | None = self._listen(0)
        self.port = int(self._listener.getsockname()[1])
        self._accepter = self._start_accepting(self._listener)

    # -- addresses ----------------------------------------------------------------------

    def url(self, scheme: str = "http") -> str:
        return f"{scheme}://127.0.0.1:{self.port}"

    # -- controls -----------------------------------------------------------------------

    def cut(self) -> None:
        """Reset every open connection and refuse new ones until ``restore()``."""
        with self._lock:
            listener, self._listener = self._listener, None
            connections = list(self._connections)
        if listener is not None:
            self._stop_listening(listener)
            self._accepter.join(5)  # it closes the listener: the port refuses from now
        for connection in connections:
            connection.end(reset=True)

    def restore(self) -> None:
        """Undo ``cut()`` and ``half_open()``: accept and forward again."""
        with self._lock:
            self._half_open = False
            silenced = [c for c in self._connections if c.silenced]
            relisten = self._listener is None and not self._closed
        for connection in silenced:
            connection.end(reset=True)
        if relisten:
            listener = self._rebind()
            with self._lock:
                self._listener = listener
            self._accepter = self._start_accepting(listener)

    def delay(self, seconds: float) -> None:
        """Hold every forwarded chunk ``seconds`` (either way); 0 forwards at once."""
        if seconds < 0:
            raise ValueError("a delay is not negative")
        with self._lock:
            self._delay = seconds

    def half_open(self) -> None:
        """Accept and read, never forward nor answer, until ``restore()``."""
        with self._lock:
            self._half_open = True

    def drop_mid_response(self, after_bytes: int = 0, times: int = 1, *,
                          matching: bytes = b"") -> None:
        """Let the next ``times`` answers (to requests holding ``matching``) through for
        ``after_bytes`` bytes each, then close both sides of their connection (the request
        itself is forwarded whole)."""
        if after_bytes < 0 or times < 1:
            raise ValueError("after_bytes >= 0 and times >= 1")
        with self._lock:
            self._drops.extend([(after_bytes, matching)] * times)

    def blackhole_requests(self, times: int = 1, *, matching: bytes = b"") -> None:
        """Read the next ``times`` requests (holding ``matching``) and close their
        connection without forwarding them."""
        if times < 1:
            raise ValueError("times >= 1")
        with self._lock:
            self._blackholes.extend([matching] * times)

    def clear_faults(self) -> None:
        """Disarm the answer drops and black holes not yet spent."""
        with self._lock:
            self._drops.clear()
            self._blackholes.clear()

    def pending_faults(self) -> int:
        """Answer drops and black holes armed but not yet spent."""
        with self._lock:
            return len(self._drops) + len(self._blackholes)

    def counters(self) -> ProxyCounters:
        with self._lock:
            return ProxyCounters(self._accepted, len(self._connections),
                                 self._to_server, self._to_client)

    @property
    def connections(self) -> int:
        """Connections accepted so far."""
        return self.counters().connections

    # -- life cycle ---------------------------------------------------------------------

    def __enter__(self) -> TcpProxy:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Stop listening and end every connection; idempotent."""
        with self._lock:
            self._closed = True
            self._half_open = False
            listener, self._listener = self._listener, None
            connections = list(self._connections)
        if listener is not None:
            self._stop_listening(listener)
        for connection in connections:
            connection.end(reset=True)
        if self._accepter.is_alive():
            self._accepter.join(5)

    # -- machinery ----------------------------------------------------------------------

    def _listen(self, port: int) -> socket.socket:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            listener.bind(("127.0.0.1", port))
            listener.listen(128)
        except OSError:
            listener.close()
            raise
        return listener

    def _rebind(self) -> socket.socket:
        for _ in range(REBIND_ATTEMPTS - 1):
            try:
                return self._listen(self.port)
            except OSError:
                time.sleep(0.05)
        return self._listen(self.port)

    @staticmethod
    def _stop_listening(listener: socket.socket) -> None:
        # shutdown wakes the accepting thread; that thread closes the socket.
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)

    def _start_accepting(self, listener: socket.socket) -> threading.Thread:
        thread = threading.Thread(target=self._accept, args=(listener,),
                                  name="tcp-proxy-accept", daemon=True)
        thread.start()
        return thread

    def _accept(self, listener: socket.socket) -> None:
        with listener:
            while True:
                try:
                    client, _ = listener.accept()
                except OSError:
                    return
                with self._lock:
                    current = self._listener is listener
                    silent = self._half_open
                    if current:
                        self._accepted += 1
                if not current:  # cut or closed while this one was being accepted
                    _linger_zero(client)
                    client.close()
                    return
                self._serve(client, silent)

    def _serve(self, client: socket.socket, silent: bool) -> None:
        upstream: socket.socket | None = None
        if not silent:
            try:
                upstream = socket.create_connection((self.target_host, self.target_port),
                                                    timeout=5)
                upstream.settimeout(None)
            except OSError:  # the server is down: the client sees what it would see
                _linger_zero(client)
                client.close()
                return
        connection = _Connection(client, upstream)
        with self._lock:
            self._connections.add(connection)
        if upstream is None:
            self._thread(self._swallow, connection)
        else:
            self._thread(self._pump, connection, "up")
            self._thread(self._pump, connection, "down")

    @staticmethod
    def _thread(target: object, *args: object) -> None:
        threading.Thread(target=target, args=args, name="tcp-proxy-pump",  # type: ignore[arg-type]
                         daemon=True).start()

    def _swallow(self, connection: _Connection) -> None:
        """A connection accepted while half open: read everything, answer nothing."""
        try:
            with contextlib.suppress(OSError):
                while connection.client.recv(CHUNK):
                    pass
        finally:
            self._finish(connection)

    def _pump(self, connection: _Connection, direction: str) -> None:
        up = direction == "up"
        source = connection.client if up else connection.upstream
        sink = connection.upstream if up else connection.client
        assert source is not None and sink is not None
        try:
            while not connection.is_ended():
                try:
                    chunk = source.recv(CHUNK)
                except OSError:
                    break
                if not chunk:
                    break
                forward, then_end = self._decide(connection, direction, chunk)
                if forward:
                    with self._lock:
                        pause = self._delay
                    if pause:
                        time.sleep(pause)
                    if connection.is_ended():
                        break
                    try:
                        sink.sendall(forward)
                    except OSError:
                        break
                    with self._lock:
                        if up:
                            self._to_server += len(forward)
                        else:
                            self._to_client += len(forward)
                if then_end:
                    break
        finally:
            connection.end()
            self._finish(connection)

    def _decide(self, connection: _Connection, direction: str,
                chunk: bytes) -> tuple[bytes, bool]:
        """What of ``chunk`` goes on, and whether the connection ends after it."""
        with self._lock, connection.lock:
            starts = connection.last_direction != direction
            connection.last_direction = direction
            if self._half_open:
                connection.silenced = True
                return b"", False
            if direction == "up":
                if starts:
                    connection.request_head = chunk
                    hole = _first_matching(self._blackholes, chunk)
                    if hole is not None:
                        del self._blackholes[hole]
                        return b"", True
                return chunk, False
            if starts and connection.drop_budget is None:
                drop = _first_matching([m for _, m in self._drops], connection.request_head)
                if drop is not None:
                    connection.drop_budget = self._drops.pop(drop)[0]
            if connection.drop_budget is None:
                return chunk, False
            if len(chunk) < connection.drop_budget:
                connection.drop_budget -= len(chunk)
                return chunk, False
            return chunk[:connection.drop_budget], True

    def _finish(self, connection: _Connection) -> None:
        if not connection.pump_done():
            return
        for sock in connection.sockets():
            sock.close()
        with self._lock:
            self._connections.discard(connection)


def _first_matching(patterns: list[bytes], head: bytes) -> int | None:
    """The index of the first pattern ``head`` holds (an empty pattern matches all)."""
    for index, pattern in enumerate(patterns):
        if pattern in head:
            return index
    return None
