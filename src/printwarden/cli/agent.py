"""``printwarden agent ...``: run a print agent, install its CUPS backend.

    printwarden agent --data-dir D [--server URL]... [--enrol CODE] [--host H] [--port P]
    printwarden agent install-cups-backend [--cups-backend-dir /usr/lib/cups/backend]
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from printwarden.cli.support import PORT, guarded

__all__ = ["agent_app"]

agent_app = typer.Typer(
    help="Run a print agent: IPP Everywhere queues, durable spool, forwarding to printers.",
    invoke_without_command=True,
)


@agent_app.callback(invoke_without_command=True)
def agent(
    ctx: typer.Context,
    data_dir: Annotated[Path | None, typer.Option(
        "--data-dir", "-d", help="Agent data directory (settings, token, journal, spool; "
        "env PRINTWARDEN_AGENT_DATA_DIR; default ./printwarden-agent).")] = None,
    server: Annotated[list[str] | None, typer.Option(
        help="Server URL; repeat for fail-over, preferred first.")] = None,
    enrol: Annotated[str | None, typer.Option(
        help="One-time enrolment code (printwarden admin agent-code): enrol, then run.")] = None,
    host: Annotated[str | None, typer.Option(help="IPP listener address.")] = None,
    port: Annotated[int | None, typer.Option(parser=PORT,
                                             help="IPP listener port.")] = None,
    name: Annotated[str | None, typer.Option(
        help="Agent name shown at the server (default: host name).")] = None,
) -> None:
    """Run the print agent: a queue per printer at ipp://HOST:PORT/ipp/print/QUEUE,
    plus /healthz and /metrics on the same port."""
    if ctx.invoked_subcommand is not None:
        return
    from printwarden.agent.bootstrap import enrol as enrol_agent
    from printwarden.agent.run import run_agent
    from printwarden.agent.settings import load_agent_settings

    settings = guarded(lambda: load_agent_settings(
        data_dir, server_urls=server or None, host=host, port=port, name=name))
    if enrol:
        code = enrol
        agent_id = guarded(lambda: asyncio.run(enrol_agent(settings, code, name=name)))
        typer.echo(f"enrolled as agent {agent_id}")
    guarded(lambda: run_agent(settings))


@agent_app.command("install-cups-backend")
def install_cups_backend(
    cups_backend_dir: Annotated[Path, typer.Option(
        help="CUPS backend directory.")] = Path("/usr/lib/cups/backend"),
) -> None:
    """Install the printwarden backend into CUPS, so existing queues print through an agent
    (device URI printwarden:/QUEUE?device=ORIGINAL-URI)."""
    from printwarden.agent.intake.cups_backend_program import install_backend

    path = guarded(lambda: install_backend(cups_backend_dir))
    typer.echo(f"installed {path}")
