"""The partition proxy against a real tiny HTTP server: every control does what it says."""

from __future__ import annotations

import http.client
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.support.tcp_proxy import TcpProxy

#: The answer body of GET /; large enough to be cut in the middle.
BODY = b"x" * 5000


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: several requests on one connection

    def do_GET(self) -> None:
        self._answer(BODY)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        data = self.rfile.read(length)
        server = self.server
        assert isinstance(server, _Server)
        with server.lock:
            server.posts.append(data)
        self._answer(b"done:" + data)

    def _answer(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.posts: list[bytes] = []

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # the resets these tests make on purpose are no news


@pytest.fixture(scope="module")
def server() -> Iterator[_Server]:
    httpd = _Server()
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def proxy(server: _Server) -> Iterator[TcpProxy]:
    with server.lock:
        server.posts.clear()
    with TcpProxy("127.0.0.1", server.server_address[1]) as p:
        yield p


def _client(proxy: TcpProxy, timeout: float = 5.0) -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=timeout)


def _get(proxy: TcpProxy, timeout: float = 5.0) -> bytes:
    conn = _client(proxy, timeout)
    try:
        conn.request("GET", "/")
        return conn.getresponse().read()
    finally:
        conn.close()


def _post(conn: http.client.HTTPConnection, data: bytes) -> bytes:
    conn.request("POST", "/", body=data)
    return conn.getresponse().read()


def _wait(condition: object, what: str, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.01)


def test_forwards_requests_and_counts_them(proxy: TcpProxy, server: _Server) -> None:
    assert proxy.url() == f"http://127.0.0.1:{proxy.port}"
    assert proxy.url("ws") == f"ws://127.0.0.1:{proxy.port}"
    assert _get(proxy) == BODY
    conn = _client(proxy)
    assert _post(conn, b"one") == b"done:one"
    assert _post(conn, b"two") == b"done:two"  # the same kept-alive connection
    conn.close()
    counters = proxy.counters()
    assert counters.connections == 2
    assert counters.bytes_to_client > len(BODY) + len(b"done:onedone:two")
    assert counters.bytes_to_server > len(b"onetwo")
    assert server.posts == [b"one", b"two"]
    _wait(lambda: proxy.counters().open_connections == 0, "connections closed")


def test_cut_resets_open_connections_and_refuses_new_ones(proxy: TcpProxy) -> None:
    conn = _client(proxy)
    assert _post(conn, b"before") == b"done:before"
    proxy.cut()
    with pytest.raises((ConnectionError, http.client.HTTPException, OSError)):
        _post(conn, b"on the cut connection")  # the kept-alive connection is gone
    conn.close()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", proxy.port), timeout=2).close()
    accepted = proxy.connections
    proxy.restore()
    assert _get(proxy) == BODY
    assert proxy.connections == accepted + 1


def test_cut_twice_and_restore_twice_are_harmless(proxy: TcpProxy) -> None:
    proxy.cut()
    proxy.cut()
    proxy.restore()
    proxy.restore()
    assert _get(proxy) == BODY


def test_delay_holds_each_chunk_and_zero_removes_it(proxy: TcpProxy) -> None:
    proxy.delay(0.3)
    started = time.monotonic()
    assert _get(proxy) == BODY
    # a lower bound only (a request and its answer are two held chunks at least):
    # the proxy waits at least that long, however slow the machine
    assert time.monotonic() - started >= 0.6
    proxy.delay(0)
    assert _get(proxy) == BODY  # still forwards
    with pytest.raises(ValueError, match="negative"):
        proxy.delay(-1)


def test_a_delay_longer_than_the_client_timeout_times_it_out(proxy: TcpProxy) -> None:
    proxy.delay(2.0)
    with pytest.raises(TimeoutError):
        _get(proxy, timeout=0.3)


def test_half_open_accepts_but_never_answers_and_restore_ends_it(
        proxy: TcpProxy, server: _Server) -> None:
    kept = _client(proxy, timeout=0.5)
    assert _post(kept, b"first") == b"done:first"
    proxy.half_open()
    with pytest.raises(TimeoutError):
        _get(proxy, timeout=0.5)  # a new connection: accepted, never answered
    with pytest.raises(TimeoutError):
        _post(kept, b"swallowed")  # an open connection goes silent too
    assert server.posts == [b"first"]  # nothing reached the server
    proxy.restore()
    assert _get(proxy) == BODY
    with pytest.raises((ConnectionError, http.client.HTTPException, OSError)):
        _post(kept, b"after")  # the silenced connection lost bytes: it was reset
    kept.close()
    _wait(lambda: proxy.counters().open_connections == 0, "silenced connections ended")


def test_drop_mid_response_forwards_the_request_and_cuts_the_answer(
        proxy: TcpProxy, server: _Server) -> None:
    proxy.drop_mid_response(after_bytes=1000, times=2)  # inside the body
    for attempt in (b"a", b"b"):
        conn = _client(proxy)
        with pytest.raises((http.client.HTTPException, ConnectionError)):
            _post(conn, attempt + b"x" * 4000)  # the answer is cut in its body
        conn.close()
    assert proxy.pending_faults() == 0
    conn = _client(proxy)
    assert _post(conn, b"c") == b"done:c"  # the third answer goes through
    conn.close()
    # the server did the work every time: the answer was what was lost
    assert [p[:1] for p in server.posts] == [b"a", b"b", b"c"]


def test_drop_mid_response_lets_exactly_n_bytes_through(proxy: TcpProxy) -> None:
    proxy.drop_mid_response(after_bytes=40)
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=5) as raw:
        raw.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        received = b""
        while chunk := raw.recv(65536):
            received += chunk
    assert len(received) == 40
    assert received.startswith(b"HTTP/1.")


def test_drop_on_a_kept_alive_connection_cuts_the_next_answer(
        proxy: TcpProxy, server: _Server) -> None:
    conn = _client(proxy)
    assert _post(conn, b"one") == b"done:one"
    proxy.drop_mid_response(after_bytes=0)
    with pytest.raises((http.client.HTTPException, ConnectionError)):
        _post(conn, b"two")
    conn.close()
    assert server.posts == [b"one", b"two"]


def test_faults_may_match_one_kind_of_request_only(proxy: TcpProxy, server: _Server) -> None:
    proxy.drop_mid_response(after_bytes=0, matching=b"POST ")
    proxy.blackhole_requests(matching=b"GET /lost")
    assert _get(proxy) == BODY  # neither fault is for a GET /
    assert proxy.pending_faults() == 2
    conn = _client(proxy)
    with pytest.raises((http.client.HTTPException, ConnectionError)):
        _post(conn, b"answer lost")
    conn.close()
    conn = _client(proxy)
    with pytest.raises((http.client.HTTPException, ConnectionError)):
        conn.request("GET", "/lost")
        conn.getresponse().read()
    conn.close()
    assert proxy.pending_faults() == 0
    assert server.posts == [b"answer lost"]  # the POST was done, the GET never arrived


def test_blackhole_reads_the_request_and_closes_unforwarded(
        proxy: TcpProxy, server: _Server) -> None:
    proxy.blackhole_requests(times=1)
    conn = _client(proxy)
    with pytest.raises((http.client.HTTPException, ConnectionError)):
        _post(conn, b"lost")
    conn.close()
    assert server.posts == []  # never reached the server
    assert proxy.connections == 1
    conn = _client(proxy)
    assert _post(conn, b"kept") == b"done:kept"
    conn.close()
    assert server.posts == [b"kept"]


def test_a_target_that_is_down_resets_the_client() -> None:
    placeholder = socket.create_server(("127.0.0.1", 0))
    port = placeholder.getsockname()[1]
    placeholder.close()  # nothing listens there any more
    with TcpProxy("127.0.0.1", port) as proxy:
        with pytest.raises((http.client.HTTPException, ConnectionError)):
            _get(proxy)
        assert proxy.connections == 1


def test_close_ends_everything_and_refuses(proxy: TcpProxy) -> None:
    conn = _client(proxy)
    assert _post(conn, b"x") == b"done:x"
    proxy.close()
    proxy.close()  # idempotent
    proxy.restore()  # a closed proxy stays closed
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", proxy.port), timeout=2).close()
    conn.close()
    _wait(lambda: proxy.counters().open_connections == 0, "connections ended")


def test_bad_arguments_are_refused(proxy: TcpProxy) -> None:
    with pytest.raises(ValueError):
        proxy.drop_mid_response(after_bytes=-1)
    with pytest.raises(ValueError):
        proxy.drop_mid_response(times=0)
    with pytest.raises(ValueError):
        proxy.blackhole_requests(times=0)
    assert proxy.pending_faults() == 0
