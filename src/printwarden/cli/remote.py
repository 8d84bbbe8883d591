"""``printwarden remote``: a site's remote server, kept in step with central."""

from __future__ import annotations

from typing import Annotated

import typer

from printwarden.cli.support import PORT, DataDir, guarded, server_settings


def remote_command(
    data_dir: DataDir = None,
    central: Annotated[str | None, typer.Option(
        "--central", help="Central server's URL (needed to enrol; kept afterwards).",
        show_default=False)] = None,
    enrol: Annotated[str | None, typer.Option(
        "--enrol", help="One-time enrolment code from central ('printwarden admin remotes "
        "add NAME'); used once, then the token in DATA_DIR/remote.json.",
        show_default=False)] = None,
    host: Annotated[str | None, typer.Option(help="Listen address (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(parser=PORT,
                                             help="HTTP port (default 8631).")] = None,
) -> None:
    """Run a remote site server: enrol with central once, load a snapshot of what central
    replicates (users, groups, cards, accounts and balances, prices, quota schedules,
    rules, devices, queues, terminals) into its own database (SQLite in DATA_DIR, or
    PostgreSQL with database_url as the server), then pull central's changes and serve
    the same web app, REST API and agent link for its site.

    Its own ledger entries and ended jobs are pushed to central before each
    pull; cut off from central, it keeps serving its site within each
    account's offline credit policy (docs/remote.md)."""
    from printwarden.core.logging import configure_logging
    from printwarden.remote import enrolment as enrolment_file
    from printwarden.remote.bootstrap import build_remote, enrolled
    from printwarden.remote.run import serve_remote

    settings = server_settings(data_dir, host=host, port=port)
    configure_logging(settings.log_level, json_lines=settings.log_json)
    kept = guarded(lambda: enrolment_file.load(settings.data_dir))
    if kept is not None and enrol:
        typer.echo(f"printwarden: already enrolled with {kept.central} as {kept.name!r}; "
                   "--enrol is not used", err=True)
    enrolment = kept or guarded(lambda: enrolled(settings.data_dir, central=central,
                                                 code=enrol))
    serve_remote(guarded(lambda: build_remote(settings, enrolment)))
