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
(nothing: one ``network printwarden`` line). The document is ``file`` or stdin (copied to
a private temporary file first, so it can be sent again). The job is sent to
``ipp://AGENT/ipp/print/QUEUE`` with Print-Job, as ``user``, with CUPS's
``AUTH_USERNAME``/``AUTH_PASSWORD`` as HTTP Basic credentials when CUPS gives them.

While the agent cannot take the job (not running, no printwarden server answers, busy:
a connection error, an HTTP 5xx or an IPP server-error), the backend waits and tries
again itself, with back-off up to ``MAX_WAIT_SECONDS``, as CUPS's own ipp backend does, so
the CUPS queue's error policy never stops the queue or delays the job for nothing. Exit
codes follow ``backend(7)``: 0 ok, 2 authentication required (the queue asks for a
printwarden password), 4 stop the queue (a bad device URI, or a queue the agent does not
have), 5 cancel the job (the agent refused it for good: an IPP client-error such as a
document over its size limit).

``install_backend`` writes the executable ``printwarden`` into the CUPS backend directory
with mode 0700, so cupsd runs it as root (a backend needs no more, but cupsd runs
0700 backends as root and others as lp, who may not reach the venv).
"""

from __future__ import annotations

import os
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
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
    "AgentBusy", "BackendUri", "NeedsAuthentication", "install_backend", "main",
    "parse_backend_uri", "send_until_taken", "submit",
]

OK, FAILED, AUTH_REQUIRED, STOP, CANCEL = 0, 1, 2, 4, 5
CHUNK = 64 * 1024
FIRST_WAIT_SECONDS = 2.0
MAX_WAIT_SECONDS = 30.0


class AgentBusy(Exception):
    """The agent cannot take the job now; trying again later may work."""


class NeedsAuthentication(Exception):
    """The agent's queue wants a printwarden user name and password."""


class NoSuchQueue(Exception):
    """The agent has no queue of that name: the CUPS queue's device URI is wrong."""


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


def submit(target: BackendUri, user: str, title: str, copies: int, document: BinaryIO,
           credentials: tuple[str, str] | None = None) -> tuple[int, str]:
    """One Print-Job to the agent; answers (IPP status, status-message). Raises
    ``AgentBusy`` when trying again later may work, ``NeedsAuthentication`` on HTTP 401."""
    url = f"http://{target.agent}/ipp/print/{target.queue}"
    head = document.read(CHUNK)
    header = _request(target, user, title, copies, sniff_mime(head))
    try:
        response = httpx.post(url, content=_body(header, head, document),
                              headers={"Content-Type": "application/ipp"}, timeout=300,
                              auth=httpx.BasicAuth(*credentials) if credentials else None)
    except httpx.TransportError as exc:
        raise AgentBusy(f"cannot reach the agent at {target.agent}: {exc}") from exc
    if response.status_code == 401:
        raise NeedsAuthentication(_message_of(response.content))
    if response.status_code == 404:
        raise NoSuchQueue(f"the agent at {target.agent} has no queue {target.queue!r}")
    if response.status_code >= 500:
        raise AgentBusy(f"the agent answered HTTP {response.status_code}")
    response.raise_for_status()
    answer = decode(response.content)[0]
    found = answer.get(DelimiterTag.OPERATION, "status-message")
    message = "" if found is None else str(found.value)
    if answer.operation_id >= 0x0500:
        raise AgentBusy(f"the agent cannot take the job now (0x{answer.operation_id:04x}): "
                        f"{message}")
    return answer.operation_id, message


def _message_of(content: bytes) -> str:
    try:
        found = decode(content)[0].get(DelimiterTag.OPERATION, "status-message")
    except Exception:  # not IPP: say nothing more
        return ""
    return "" if found is None else str(found.value)


def _private_copy(stream: BinaryIO) -> Path:
    """stdin copied to a 0600 temporary file, so the job can be sent again."""
    fd, name = tempfile.mkstemp(prefix="printwarden-backend-")
    with os.fdopen(fd, "wb") as copy:
        while chunk := stream.read(CHUNK):
            copy.write(chunk)
    return Path(name)


def _log(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def send_until_taken(target: BackendUri, user: str, title: str, copies: int, path: Path,
                     credentials: tuple[str, str] | None = None,
                     sleep: Callable[[float], None] = time.sleep) -> int:
    """Send ``path`` until the agent takes it or refuses it for good; the exit status."""
    wait = FIRST_WAIT_SECONDS
    while True:
        try:
            with path.open("rb") as document:
                status, message = submit(target, user, title, copies, document, credentials)
        except AgentBusy as exc:
            _log("STATE: +connecting-to-device")
            _log(f"INFO: {exc}; trying again in {wait:.0f} s")
            sleep(wait)
            wait = min(wait * 2, MAX_WAIT_SECONDS)
            continue
        except NoSuchQueue as exc:
            _log(f"ERROR: {exc}: check the queue's device URI")
            return STOP
        except NeedsAuthentication as exc:
            _log("ATTR: auth-info-required=username,password")
            _log(f"ERROR: the printwarden queue needs a user name and password: {exc}")
            return AUTH_REQUIRED
        except (OSError, httpx.HTTPError, ValueError) as exc:
            _log(f"ERROR: cannot send to the agent: {exc}")
            return FAILED
        _log("STATE: -connecting-to-device")
        if status < 0x0100:
            _log("INFO: accepted by the printwarden agent")
            return OK
        _log(f"ERROR: the agent refused the job (0x{status:04x}): {message}")
        return CANCEL


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args:
        sys.stdout.write('network printwarden "Unknown" "printwarden agent queue"\n')
        return OK
    if len(args) not in (5, 6):
        _log("Usage: printwarden job-id user title copies options [file]")
        return FAILED
    try:
        target = parse_backend_uri(os.environ.get("DEVICE_URI", ""))
    except ValueError as exc:
        _log(f"ERROR: {exc}")
        return STOP
    _, user, title, copies_text = args[:4]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(FAILED))  # CUPS cancelled the job
    username, password = os.environ.get("AUTH_USERNAME"), os.environ.get("AUTH_PASSWORD")
    credentials = (username, password) if username and password is not None else None
    _log(f"INFO: sending to agent queue {target.queue} -> {target.device}")
    copy = None if len(args) == 6 else _private_copy(sys.stdin.buffer)
    copies = int(copies_text) if copies_text.isascii() and copies_text.isdigit() else 1
    try:
        path = Path(args[5]) if copy is None else copy
        return send_until_taken(target, user, title, max(copies, 1), path, credentials)
    finally:
        if copy is not None:
            copy.unlink(missing_ok=True)


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
