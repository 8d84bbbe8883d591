"""The tests' TCP printer (``tests/support/tcp_sink.py``) as the AppSocket forwarder sees
it: a job is printed once the sink has read it and closed, a status probe is no job."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from printwarden.agent.forwarding import ForwardJob, SocketForwarder
from tests.support.tcp_sink import TcpSink


def _job(document: Path, copies: int = 1) -> ForwardJob:
    return ForwardJob("01JOB", "t", "bob", document, "application/octet-stream",
                      copies=copies, pages=1)


def test_each_job_is_one_arrival_in_order_and_a_status_probe_is_none(tmp_path: Path) -> None:
    first, second = tmp_path / "first.txt", tmp_path / "second.txt"
    first.write_bytes(b"first job\n")
    second.write_bytes(b"\x00\xffsecond job\n" * 10_000)  # several reads

    with TcpSink() as sink:
        forwarder = SocketForwarder(sink.uri)

        async def scenario() -> None:
            assert (await forwarder.status()).reachable
            assert (await forwarder.send(_job(first))).ok
            assert (await forwarder.send(_job(second, copies=2))).ok

        asyncio.run(scenario())
        arrivals = sink.wait_for_arrivals(2, 10)

    assert [a.data for a in arrivals] == [first.read_bytes(), second.read_bytes() * 2]
    assert len(sink.first_bytes()) == 2  # the probe sent nothing and is not counted
    assert arrivals[0].first_byte_at <= arrivals[1].first_byte_at
    assert sink.wait_for_first_byte(1, 1) == arrivals[1].first_byte_at


def test_waiting_for_what_never_comes_says_how_far_it_got() -> None:
    with TcpSink() as sink, pytest.raises(TimeoutError, match="0 of 1 documents"):
        sink.wait_for_arrivals(1, 0.2)
    with TcpSink() as sink, pytest.raises(TimeoutError, match="connection 1"):
        sink.wait_for_first_byte(0, 0.2)
