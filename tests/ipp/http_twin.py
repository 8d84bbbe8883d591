"""Test-only: a tiny threaded HTTP/1.1 listener that speaks IPP through our codec.

It reads each POST (Content-Length or chunked, with ``Expect: 100-continue``), feeds
the body to ``IppParser``, records the decoded request and answers whatever the
``answer`` callable builds, encoded with ``encode``. Connections stay open for the
next request, as ipptool expects.
"""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Callable, Iterator
from io import BufferedIOBase
from types import TracebackType

from printwarden.ipp import (
    IppError,
    IppMessage,
    IppParser,
    MessageHeader,
    StatusCode,
    encode,
    response_for,
)

Answer = Callable[[IppMessage], IppMessage]


def _body_chunks(rfile: BufferedIOBase, headers: dict[str, str]) -> Iterator[bytes]:
    if headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int(rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return
            yield rfile.read(size)
            rfile.readline()
    else:
        remaining = int(headers.get("content-length", "0"))
        while remaining > 0:
            chunk = rfile.read(min(remaining, 4096))
            if not chunk:
                return
            remaining -= len(chunk)
            yield chunk


class IppHttpTwin:
    """``with IppHttpTwin(answer) as twin:`` listens on ``twin.port`` (loopback)."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.requests: list[IppMessage] = []
        self.documents: list[bytes] = []
        self.errors: list[IppError] = []
        self.crashes: list[Exception] = []
        self.transfers: list[str] = []
        twin = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                while twin._serve_one(self.rfile, self.wfile):
                    pass

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> IppHttpTwin:
        self._thread.start()
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def _serve_one(self, rfile: BufferedIOBase, wfile: BufferedIOBase) -> bool:
        line = rfile.readline()
        while line in (b"\r\n", b"\n"):
            line = rfile.readline()
        if not line:
            return False
        headers: dict[str, str] = {}
        while (header := rfile.readline()) not in (b"\r\n", b"\n", b""):
            key, _, value = header.decode("latin-1").partition(":")
            headers[key.strip().lower()] = value.strip()
        if headers.get("expect", "").lower() == "100-continue":
            wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            wfile.flush()
        chunked = headers.get("transfer-encoding", "").lower() == "chunked"
        self.transfers.append("chunked" if chunked else "content-length")
        body = self._respond(_body_chunks(rfile, headers))
        wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/ipp\r\n"
                    + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        wfile.flush()
        return headers.get("connection", "").lower() != "close"

    def _respond(self, chunks: Iterator[bytes]) -> bytes:
        parser = IppParser()
        document = bytearray()
        failure: IppError | None = None
        for chunk in chunks:  # read the whole body even after an error
            if parser.complete:
                document += chunk
            elif failure is None:
                try:
                    if parser.feed(chunk):
                        document += parser.leftover
                except IppError as exc:
                    failure = exc
        try:
            request = parser.close()
        except IppError as exc:
            failure = failure or exc
        if failure is not None:
            self.errors.append(failure)
            header = parser.header or MessageHeader((1, 1), 0, 0)
            return encode(response_for(header, failure.status, message=failure.message))
        self.requests.append(request)
        self.documents.append(bytes(document))
        try:
            return encode(self.answer(request))
        except IppError as exc:
            self.errors.append(exc)
            return encode(response_for(request, exc.status, message=exc.message))
        except Exception as exc:  # the test asserts that there were none
            self.crashes.append(exc)
            return encode(response_for(request, StatusCode.SERVER_ERROR_INTERNAL_ERROR))
