"""A CUPS backend that sends an existing CUPS queue's jobs through the local agent.

Device URI (set with ``lpadmin -p Q -v URI``)::

    printwarden:/QUEUE?agent=127.0.0.1:631&device=ipp%3A%2F%2Fprinter%2Fipp%2Fprint

``QUEUE`` is the agent queue that counts, authorizes and holds the job; ``agent`` is
the agent's IPP listener (default ``127.0.0.1:631``); ``device`` (URL-encoded) names the
device the agent queue forwards to. The agent forwards to its queue's configured
device_uri (the server's setting); ``device`` documents it for the CUPS admin and is
logged, so CUPS still shows where the job ends up.

CUPS runs a backend as ``backend job-id user title copies options [file]`` with
``DEVICE_URI`` in the environment; without arguments it lists what it discovers
(nothing: one ``network printwarden`` line). The document is ``file`` or stdin. The job is
sent to ``ipp://AGENT/ipp/print/QUEUE`` with Print-Job, as ``user``. Exit codes follow
``backend(7)``: 0 ok, 1 failed, 4 stop the queue (bad URI), 5 cancel the job (refused).

``install_backend`` writes the executable ``printwarden`` into the CUPS backend directory
with mode 0700, so cupsd runs it as root (a backend needs no more, but cupsd runs
0700 backends as root and others as lp, who may not reach the venv).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import parse_qs, unquote, urlsplit

import httpx

from printwarden.documents.detect import sniff_mime
from printwarden.ipp import (
    AttributeGroup,
    DelimiterTag,
    IppMessage,
    charset,
    decode,
    encode,
    integer,
    mime_media_type,
    name,
    natural_language,
    uri,
)
from printwarden.ipp.operations import Operation

__all__ = [
    "BackendUri", "install_backend", "main", "parse_backend_uri", "submit",
]

OK, FAILED, STOP, CANCEL = 0, 1, 4, 5
CHUNK = 64 * 1024


@dataclass(frozen=True)
class BackendUri:
    queue: str
    agent: str
    device: str

    @property
    def agent_uri(self) -> str:
        return f"ipp://{self.agent}/ipp/print/{self.queue}"


def parse_backend_uri(device_uri: str) -> BackendUri:
    parts = urlsplit(device_uri)
    if parts.scheme != "printwarden":
        raise ValueError(f"not a printwarden URI: {device_uri!r}")
    queue = unquote((parts.netloc + parts.path).strip("/"))
    if not queue or "/" in queue:
        raise ValueError(f"no queue in {device_uri!r}")
    query = parse_qs(parts.query)
    agent = (query.get("agent") or ["127.0.0.1:631"])[0]
    device = (query.get("device") or [""])[0]
    return BackendUri(queue=queue, agent=agent, device=device)


def _request(target: BackendUri, user: str, title: str, copies: int, fmt: str) -> bytes:
    operation = AttributeGroup(DelimiterTag.OPERATION, [
        charset("attributes-charset", "utf-8"),
        natural_language("attributes-natural-language", "en"),
        uri("printer-uri", target.agent_uri),
        name("requesting-user-name", user or "anonymous"),
        name("job-name", title or "untitled"),
        mime_media_type("document-format", fmt),
    ])
    job = AttributeGroup(DelimiterTag.JOB, [integer("copies", max(1, copies))])
    return encode(IppMessage(Operation.PRINT_JOB, 1, [operation, job], (2, 0)))


def _body(header: bytes, head: bytes, document: BinaryIO) -> Iterator[bytes]:
    yield header + head
    while chunk := document.read(CHUNK):
        yield chunk


def submit(target: BackendUri, user: str, title: str, copies: int,
           document: BinaryIO) -> tuple[int, str]:
    """Print-Job to the agent; answers (IPP status, status-message)."""
    url = f"http://{target.agent}/ipp/print/{target.queue}"
    head = document.read(CHUNK)
    header = _request(target, user, title, copies, sniff_mime(head))
    response = httpx.post(url, content=_body(header, head, document),
                          headers={"Content-Type": "application/ipp"}, timeout=300)
    response.raise_for_status()
    answer = decode(response.content)[0]
    found = answer.get(DelimiterTag.OPERATION, "status-message")
    return answer.operation_id, "" if found is None else str(found.value)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args:
        sys.stdout.write('network printwarden "Unknown" "printwarden agent queue"\n')
        return OK
    if len(args) not in (5, 6):
        sys.stderr.write("Usage: printwarden job-id user title copies options [file]\n")
        return FAILED
    try:
        target = parse_backend_uri(os.environ.get("DEVICE_URI", ""))
    except ValueError as exc:
        sys.stderr.write(f"ERROR: {exc}\n")
        return STOP
    _, user, title, copies = args[:4]
    sys.stderr.write(f"INFO: sending to agent queue {target.queue} -> {target.device}\n")
    try:
        if len(args) == 6:
            with open(args[5], "rb") as document:
                status, message = submit(target, user, title, int(copies or 1), document)
        else:
            status, message = submit(target, user, title, int(copies or 1), sys.stdin.buffer)
    except (OSError, httpx.HTTPError, ValueError) as exc:
        sys.stderr.write(f"ERROR: cannot send to the agent: {exc}\n")
        return FAILED
    if status < 0x0100:
        sys.stderr.write("INFO: accepted by the printwarden agent\n")
        return OK
    sys.stderr.write(f"ERROR: the agent refused the job (0x{status:04x}): {message}\n")
    return FAILED if status >= 0x0500 else CANCEL


def install_backend(backend_dir: Path, python: str | None = None) -> Path:
    """Write the ``printwarden`` backend wrapper (mode 0700) into ``backend_dir``."""
    path = backend_dir / "printwarden"
    script = (f"#!/bin/sh\nexec {python or sys.executable} -m "
              "printwarden.agent.intake.cups_backend_program \"$@\"\n")
    tmp = path.with_suffix(".tmp")
    tmp.write_text(script)
    os.chmod(tmp, 0o700)
    os.replace(tmp, path)
    return path


if __name__ == "__main__":
    sys.exit(main())
