"""Start the reference terminal: enrol with a code (once), then the text UI or a script.

The scripted mode reads one command per line (``#`` starts a comment) and prints one JSON
line per answer on stdout; it exits 0 when every command succeeded, 1 otherwise.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

import httpx

from printwarden.terminal import identity
from printwarden.terminal.client import TerminalClient, TerminalError
from printwarden.terminal.commands import Terminal


class TerminalSetupError(Exception):
    pass


def connect(server: str, data_dir: Path, code: str | None, *,
            transport: httpx.BaseTransport | None = None) -> TerminalClient:
    """A client holding this terminal's token: enrolled with ``code`` when given (a
    re-enrolment rotates the token), else the identity saved in ``data_dir``."""
    if code:
        client = TerminalClient(server, transport=transport)
        try:
            answer = client.register(code, socket.gethostname())
        except TerminalError as exc:
            raise TerminalSetupError(f"enrolment failed: {exc.message}") from exc
        identity.save(data_dir, identity.Identity(
            server=server, terminal_id=str(answer["terminal_id"]), token=str(answer["token"]),
            device_id=str(answer["device"]["id"]), device_name=str(answer["device"]["name"])))
        return client
    saved = identity.load(data_dir)
    if saved is None:
        raise TerminalSetupError(f"this terminal is not enrolled ({data_dir}): run it once "
                                 "with --enrol CODE ('printwarden admin terminal-code DEVICE')")
    return TerminalClient(server, saved.token, transport=transport)


def run_script(terminal: Terminal, lines: Iterable[str], out: TextIO) -> int:
    failures = 0
    for raw in lines:
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        answer = terminal.run(line)
        failures += not answer["ok"]
        out.write(json.dumps(answer, sort_keys=True) + "\n")
        out.flush()
    return 1 if failures else 0
