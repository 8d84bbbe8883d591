"""The ``printwarden`` command: one CLI for every role."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from printwarden import __version__
from printwarden.cli.support import (
    PORT,
    POSITIVE_INT,
    SECONDS,
    DataDir,
    central_settings,
    fail,
    guarded,
    server_settings,
)

app = typer.Typer(
    name="printwarden",
    help="printwarden: print and copy management (server, agent, remote, terminal, pop-up).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema commands.", no_args_is_help=True)
config_app = typer.Typer(help="Show the effective configuration.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(config_app, name="config")

@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


@app.command()
def server(
    data_dir: DataDir = None,
    host: Annotated[str | None, typer.Option(help="Listen address (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(parser=PORT,
                                             help="HTTP port (default 8631).")] = None,
) -> None:
    """Run the central server (web UI, REST API, agent link, scheduler)."""
    from printwarden.server.bootstrap import build_server
    from printwarden.server.run import serve

    settings = central_settings(data_dir, host=host, port=port)
    from printwarden.core.logging import configure_logging

    configure_logging(settings.log_level, json_lines=settings.log_json)
    container = guarded(lambda: build_server(settings))
    serve(container)


@app.command()
def demo(
    data_dir: DataDir = None,
    port: Annotated[int, typer.Option(parser=PORT,
                                      help="HTTP port of the demo server.")] = 8631,
    host: Annotated[str, typer.Option(help="Listen address of the server.")] = "127.0.0.1",
    agent_port: Annotated[int | None, typer.Option(
        parser=PORT, help="IPP port of the demo agent (default: PORT+1).")] = None,
    printer_port: Annotated[int | None, typer.Option(
        parser=PORT, help="IPP port of the virtual printer (default: PORT+2).")] = None,
    printing: Annotated[bool, typer.Option(
        "--printing/--no-printing", help="Also run an agent and a virtual printer.")] = True,
    seed_only: Annotated[bool, typer.Option("--seed-only",
                                            help="Create the demo data and exit.")] = False,
) -> None:
    """Start a demo: the server with demo users, cards, balances, prices and a quota, plus
    a print agent with two queues (direct, release) printing to a virtual printer.

    Prints the URLs, queues and credentials, and writes them to
    DATA_DIR/demo.json, once every one of them answers. SIGTERM or Ctrl-C
    stops the whole demo.
    """
    from printwarden.core.logging import configure_logging
    from printwarden.demo.runner import run_demo

    settings = server_settings(data_dir or Path("./printwarden-demo"), host=host, port=port)
    configure_logging(settings.log_level, json_lines=settings.log_json)
    guarded(lambda: run_demo(settings, agent_port=agent_port or port + 1,
                             printer_port=printer_port or port + 2, printing=printing,
                             seed_only=seed_only, echo=typer.echo))


@app.command("print")
def print_file(
    file: Annotated[Path, typer.Argument(help="The document to print.", exists=True,
                                         dir_okay=False, readable=True)],
    queue: Annotated[str, typer.Option(help="Queue URI, e.g. ipp://HOST:PORT/ipp/print/QUEUE "
                                       "(also ipps://, socket://, lpd://).")],
    user: Annotated[str, typer.Option(help="Who prints: the printwarden user name.")],
    password: Annotated[str | None, typer.Option(
        envvar="PRINTWARDEN_PASSWORD",
        help="The user's printwarden password, for queues that require authentication "
        "(HTTP Basic; use ipps:// off this machine). Env PRINTWARDEN_PASSWORD.")] = None,
    insecure: Annotated[bool, typer.Option(
        "--insecure", help="ipps://: accept a certificate that is not trusted (an agent's "
        "self-signed one).")] = False,
    copies: Annotated[int, typer.Option(parser=POSITIVE_INT, help="Copies.")] = 1,
    sides: Annotated[str, typer.Option(help="one-sided, two-sided-long-edge, "
                                       "two-sided-short-edge.")] = "one-sided",
    title: Annotated[str | None, typer.Option(help="Job name (default: the file name).")] =
    None,
    document_format: Annotated[str, typer.Option(
        "--format", help="MIME type of the document.")] = "application/octet-stream",
    wait: Annotated[float, typer.Option(
        parser=SECONDS,
        help="IPP queues: seconds to follow the job before returning (0: do not wait).")] =
    60.0,
) -> None:
    """Send a document to a print queue as a user (to try a queue or the demo)."""
    import asyncio

    from printwarden.agent.forwarding import ForwardJob, forwarder_for

    job = ForwardJob(job_id="cli", title=title or file.name, username=user, document=file,
                     document_format=document_format, copies=copies, sides=sides)
    options: dict[str, Any] = {}
    if queue.startswith(("ipp://", "ipps://")):
        options["follow_timeout"] = wait
        options["verify"] = not insecure
        if password is not None:
            options["credentials"] = (user, password)
    try:
        forwarder = forwarder_for(queue, **options)
    except ValueError as exc:
        fail(str(exc))
    result = asyncio.run(forwarder.send(job))
    if result.lost and result.remote_job_id and wait <= 0:  # taken, not followed
        typer.echo(f"sent: the queue took it as job {result.remote_job_id}")
        return
    if not result.ok:
        fail(result.detail, code=1)
    typer.echo(f"sent: {result.detail}")


@app.command("virtual-printer")
def virtual_printer(
    directory: Annotated[Path, typer.Option("--dir", help="Directory that receives every "
                                            "document (created if missing).")],
    port: Annotated[int, typer.Option(parser=PORT, help="IPP port.")] = 8632,
    host: Annotated[str, typer.Option(help="Listen address.")] = "127.0.0.1",
    name: Annotated[str, typer.Option(help="Queue name in ipp://HOST:PORT/ipp/print/NAME.")] =
    "virtual",
    delay: Annotated[float, typer.Option(parser=SECONDS,
                                         help="Seconds each job spends printing.")] = 0.0,
    print_log: Annotated[Path | None, typer.Option(
        "--print-log", help="Append each ended job (state, impressions printed) to this "
        "file, fsynced.")] = None,
    keep_history: Annotated[bool, typer.Option(
        "--keep-history", help="Know the jobs printed before a restart (read back from "
        "the --print-log file), as printers with a job history do.")] = False,
) -> None:
    """Run a virtual IPP Everywhere printer that stores every document it receives."""
    from printwarden.virtual_printer import run_virtual_printer

    typer.echo(f"virtual printer: ipp://{host}:{port}/ipp/print/{name} -> {directory}")
    if keep_history and print_log is None:
        fail("--keep-history reads the --print-log file: give one")
    guarded(lambda: run_virtual_printer(directory, port, host, name, processing_delay=delay,
                                        print_log=print_log, keep_history=keep_history))


@db_app.command("upgrade")
def db_upgrade(data_dir: DataDir = None) -> None:
    """Upgrade the database schema to the newest version."""
    from printwarden.db.engine import Database
    from printwarden.db.migrate import current_revision, upgrade

    settings = server_settings(data_dir)

    def run() -> str | None:
        db = Database(settings.effective_database_url)
        upgrade(db)
        return current_revision(db)

    revision = guarded(run)
    typer.echo(f"database schema at {revision}")


@config_app.command("show")
def config_show(data_dir: DataDir = None) -> None:
    """Print the effective settings as JSON, secrets masked."""
    settings = server_settings(data_dir)
    typer.echo(json.dumps(settings.masked(), indent=2, sort_keys=True))


def _mount_role_apps() -> None:
    from printwarden.cli.admin import admin_app
    from printwarden.cli.agent import agent_app
    from printwarden.cli.analyse import analyse_command
    from printwarden.cli.popup import popup_command
    from printwarden.cli.remote import remote_command
    from printwarden.cli.rules import rules_app
    from printwarden.cli.terminal import terminal_command

    app.add_typer(admin_app, name="admin")
    app.add_typer(rules_app, name="rules")
    app.add_typer(agent_app, name="agent")
    app.command("analyse", help="Analyse documents: pages, colour pages, media sizes.")(
        analyse_command)
    app.command("terminal")(terminal_command)
    app.command("popup")(popup_command)
    app.command("remote")(remote_command)


_mount_role_apps()


def main() -> None:
    app(prog_name="printwarden")


if __name__ == "__main__":
    main()
