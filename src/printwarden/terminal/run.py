"""Start the reference terminal: enrol with a code (once), then the text UI or a script.

The scripted mode reads one command per line (``#`` starts a comment) and prints one JSON
line per answer on stdout; it exits 0 when every command succeeded, 1 otherwise.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TextIO

import httpx

from printwarden.core.server_list import DEFAULT_RECHECK_SECONDS
from printwarden.terminal import identity
from printwarden.terminal.client import TerminalClient, TerminalError
from printwarden.terminal.commands import Terminal


class TerminalSetupError(Exception):
    pass


def connect(servers: str | Sequence[str], data_dir: Path, code: str | None, *,
            transport: httpx.BaseTransport | None = None,
            recheck_seconds: float = DEFAULT_RECHECK_SECONDS) -> TerminalClient:
    """A client holding this terminal's token: enrolled with ``code`` when given (a
    re-enrolment rotates the token), else the identity saved in ``data_dir``.
    ``servers``: one URL or several of one database, preferred first (failover)."""
    if code:
        client = TerminalClient(servers, transport=transport, recheck_seconds=recheck_seconds)
        try:
            answer = client.register(code, socket.gethostname())
        except TerminalError as exc:
            raise TerminalSetupError(f"enrolment failed: {exc.message}") from exc
        identity.save(data_dir, identity.Identity(
            server=client.servers.preferred_url, terminal_id=str(answer["terminal_id"]),
            token=str(answer["token"]),
            device_id=str(answer["device"]["id"]), device_name=str(answer["device"]["name"])))
        return client
    saved = identity.load(data_dir)
    if saved is None:
        raise TerminalSetupError(f"this terminal is not enrolled ({data_dir}): run it once "
                                 "with --enrol CODE ('printwarden admin terminal-code DEVICE')")
    return TerminalClient(servers, saved.token, transport=transport,
                          recheck_seconds=recheck_seconds)


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
