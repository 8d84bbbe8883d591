"""The agent's commands, as plain functions that typer turns into options.

    printwarden agent --data-dir D [--server URL]... [--enrol CODE] [--host H] [--port P]
    printwarden agent install-cups-backend [--cups-backend-dir /usr/lib/cups/backend]

(mounted by ``printwarden.cli``; ``python -m printwarden.agent.run`` runs ``agent``).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Annotated

import typer

from printwarden.agent.settings import load_agent_settings

__all__ = ["agent_command", "install_cups_backend_command", "main"]


def agent_command(
    data_dir: Annotated[Path | None, typer.Option(
        help="agent data directory (settings, token, journal, spool)")] = None,
    server: Annotated[list[str] | None, typer.Option(
        help="printwarden server URL; repeat for fail-over, preferred first")] = None,
    enrol: Annotated[str | None, typer.Option(
        help="one-time enrolment code: enrol with the server first, then run")] = None,
    host: Annotated[str | None, typer.Option(help="IPP listener address")] = None,
    port: Annotated[int | None, typer.Option(help="IPP listener port")] = None,
    name: Annotated[str | None, typer.Option(
        help="agent name shown at the server (default: host name)")] = None,
) -> None:
    """Run the print agent: an IPP queue per configured printer at
    ipp://HOST:PORT/ipp/print/QUEUE, plus /healthz and /metrics on the same port."""
    from printwarden.agent.bootstrap import enrol as enrol_agent
    from printwarden.agent.run import run_agent

    settings = load_agent_settings(data_dir, server_urls=server or None, host=host,
                                   port=port, name=name)
    if enrol:
        agent_id = asyncio.run(enrol_agent(settings, enrol, name=name))
        sys.stdout.write(f"enrolled as agent {agent_id}\n")
        sys.stdout.flush()
    run_agent(settings)


def install_cups_backend_command(
    cups_backend_dir: Annotated[Path, typer.Option(
        help="CUPS backend directory")] = Path("/usr/lib/cups/backend"),
) -> None:
    """Install the printwarden CUPS backend (URI printwarden:/QUEUE?device=...) for cupsd."""
    from printwarden.agent.cups_backend import install_backend

    path = install_backend(cups_backend_dir)
    sys.stdout.write(f"installed {path}\n")


def main() -> None:
    typer.run(agent_command)
