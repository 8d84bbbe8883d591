"""``printwarden terminal``: the reference terminal (text UI, or a script for tests)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from printwarden.cli.support import fail
from printwarden.core.server_list import DEFAULT_RECHECK_SECONDS, parse_server_urls

DEFAULT_DATA_DIR = Path("printwarden-terminal")


def terminal_command(
    server: Annotated[list[str], typer.Option(
        help="The server's URL, e.g. https://print.example.org. Several (repeat the option "
             "or separate by commas) name servers of one database, preferred first: a "
             "request that cannot reach one goes to the next, and the terminal returns to "
             "the first as soon as it is healthy again.")],
    enrol: Annotated[str | None, typer.Option(
        help="One-time code from 'printwarden admin terminal-code DEVICE': enrol, then run "
             "(the device comes from the code; enrolling again rotates the token).")] = None,
    data_dir: Annotated[Path, typer.Option(
        "--data-dir", "-d", help="Where the terminal keeps its token (0600).")]
        = DEFAULT_DATA_DIR,
    script: Annotated[str | None, typer.Option(
        help="Run the commands of this file ('-': stdin), one a line, printing one JSON "
             "line per answer, instead of the text UI.")] = None,
    recheck_seconds: Annotated[float, typer.Option(
        "--recheck-seconds", min=0.0,
        help="Off the preferred server, how often to probe it (GET /readyz) before a "
             "request.")] = DEFAULT_RECHECK_SECONDS,
) -> None:
    """The reference terminal: reads cards from a keyboard-wedge reader, releases held
    jobs at its device and runs copy sessions (terminal protocol v1)."""
    from printwarden.terminal.commands import Terminal
    from printwarden.terminal.identity import load
    from printwarden.terminal.run import TerminalSetupError, connect, run_script

    try:
        servers = parse_server_urls(server)
    except ValueError as exc:
        fail(f"--server: {exc}")
    try:
        client = connect(servers, data_dir, enrol, recheck_seconds=recheck_seconds)
    except TerminalSetupError as exc:
        fail(str(exc))
    terminal = Terminal(client)
    try:
        if script is not None:
            if script == "-":
                code = run_script(terminal, sys.stdin, sys.stdout)
            else:
                path = Path(script)
                if not path.is_file():
                    fail(f"no script file {script}")
                with path.open(encoding="utf-8") as lines:
                    code = run_script(terminal, lines, sys.stdout)
            raise typer.Exit(code)
        from printwarden.terminal.ui import run_ui

        saved = load(data_dir)
        run_ui(terminal, saved.device_name if saved else "?")
    finally:
        client.close()
