"""The LPD forwarder against a small RFC 1179 server written here (asyncio, loopback)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from printwarden.agent.forwarding import ForwardJob, ForwardResult, LpdForwarder
from printwarden.agent.forwarding.lpd_protocol import control_file, lpd_job_files


@dataclass
class Received:
    queue: str = ""
    files: dict[str, bytes] = field(default_factory=dict)
    """File name -> content; control files start with cf, data files with df."""
    order: list[str] = field(default_factory=list)


class LpdServer:
    """Receive-job only: acks each step with 0, or answers ``nak_at`` (a step number) with 1."""

    def __init__(self, nak_at: int | None = None) -> None:
        self.nak_at = nak_at
        self.jobs: list[Received] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        steps = 0

        async def answer() -> bool:
            nonlocal steps
            steps += 1
            refuse = steps == self.nak_at
            writer.write(b"\x01" if refuse else b"\x00")
            await writer.drain()
            return not refuse

        try:
            line = await reader.readline()
            if line[:1] != b"\x02":
                return
            job = Received(queue=line[1:].rstrip(b"\n").decode())
            self.jobs.append(job)
            if not await answer():
                return
            while sub := await reader.readline():
                if sub[:1] not in (b"\x02", b"\x03"):
                    return  # abort (01) or garbage ends the job
                size, name = sub[1:].rstrip(b"\n").decode().split(" ", 1)
                if not await answer():
                    return
                content = await reader.readexactly(int(size) + 1)
                assert content[-1:] == b"\x00"
                job.files[name] = content[:-1]
                job.order.append(name[:2])
                if not await answer():
                    return
        finally:
            writer.close()


async def _send(server: LpdServer, job: ForwardJob) -> ForwardResult:
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    try:
        forwarder = LpdForwarder(f"lpd://127.0.0.1:{port}/raw", host_name="agent1")
        return await forwarder.send(job)
    finally:
        listener.close()
        await listener.wait_closed()


def _job(document: Path, copies: int = 1) -> ForwardJob:
    return ForwardJob("01JOBX", "Budget 2026", "carol", document, "application/pdf",
                      copies=copies, pages=1)


def test_data_then_control_file_with_user_title_and_one_l_line_per_copy(
        binary_doc: Path) -> None:
    server = LpdServer()
    result = asyncio.run(_send(server, _job(binary_doc, copies=2)))

    assert result.ok, result.detail
    assert result.copies_printed == 2
    [job] = server.jobs
    assert job.queue == "raw"
    assert job.order == ["df", "cf"]
    [data_name] = [n for n in job.files if n.startswith("dfA")]
    [control_name] = [n for n in job.files if n.startswith("cfA")]
    assert job.files[data_name] == binary_doc.read_bytes()
    lines = job.files[control_name].decode().splitlines()
    assert "Hagent1" in lines and "Pcarol" in lines and "JBudget 2026" in lines
    assert lines.count(f"l{data_name}") == 2
    assert control_name[3:] == data_name[3:]


@pytest.mark.parametrize(("step", "what"), [
    (1, "receive-job for queue 'raw' refused"),
    (3, "data file refused"),
])
def test_a_refusal_fails_the_job_with_the_step_in_the_detail(
        binary_doc: Path, step: int, what: str) -> None:
    server = LpdServer(nak_at=step)
    result = asyncio.run(_send(server, _job(binary_doc)))

    assert not result.ok and result.retryable
    assert what in result.detail
    assert not any(n.startswith("cf") for job in server.jobs for n in job.files)


def test_the_control_file_strips_control_characters_and_needs_a_copy() -> None:
    files = lpd_job_files("x", "host name!")
    text = control_file(files, user="eve\nPmallory", title="a\x00b", copies=1).decode()

    assert files.host == "hostname"
    assert "Peve?Pmallory" in text.splitlines() and "Ja?b" in text.splitlines()
    with pytest.raises(ValueError, match="copies"):
        control_file(files, user="u", title="t", copies=0)


def test_a_uri_without_a_queue_is_rejected() -> None:
    with pytest.raises(ValueError, match="no queue"):
        LpdForwarder("lpd://printer.example")
