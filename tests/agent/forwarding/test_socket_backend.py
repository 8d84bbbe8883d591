"""The AppSocket forwarder against an asyncio TCP sink on loopback."""

from __future__ import annotations

import asyncio
from pathlib import Path

from printwarden.agent.forwarding import ForwardJob, ForwardResult, SocketForwarder
from tests.support.postgres import free_port


def _job(document: Path, copies: int = 1) -> ForwardJob:
    return ForwardJob("01JOB", "t", "bob", document, "application/octet-stream",
                      copies=copies, pages=3)


async def _send_to_sink(document: Path, copies: int, reply: bytes = b"") -> tuple[
        ForwardResult, bytes]:
    received = bytearray()
    done = asyncio.Event()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while chunk := await reader.read(65536):
            received.extend(chunk)
        writer.write(reply)  # what a printer may say back (PJL status) before closing
        await writer.drain()
        writer.close()
        done.set()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        result = await SocketForwarder(f"socket://127.0.0.1:{port}").send(_job(document, copies))
        await asyncio.wait_for(done.wait(), 10)
    finally:
        server.close()
        await server.wait_closed()
    return result, bytes(received)


def test_the_document_arrives_byte_exact_once_per_copy(binary_doc: Path) -> None:
    result, received = asyncio.run(_send_to_sink(binary_doc, copies=3, reply=b"@PJL USTATUS"))

    assert result.ok, result.detail
    assert received == binary_doc.read_bytes() * 3
    assert (result.copies_printed, result.pages_printed) == (3, 9)


def test_a_refused_connection_is_retryable(binary_doc: Path) -> None:
    reasons: list[str] = []
    forwarder = SocketForwarder(f"socket://127.0.0.1:{free_port()}")
    result = asyncio.run(forwarder.send(_job(binary_doc), on_status=reasons.append))
    status = asyncio.run(forwarder.status())

    assert not result.ok and result.retryable
    assert "connection refused" in result.detail
    assert reasons == ["offline-report"]
    assert not status.reachable


def test_the_default_port_is_9100() -> None:
    assert SocketForwarder("socket://printer.example").target.port == 9100
