"""``printwarden admin remotes ...``: site remotes (their enrolment codes, their lag)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from printwarden.cli.support import POSITIVE_INT, central_container, guarded

if TYPE_CHECKING:
    pass

remotes_app = typer.Typer(help="Site remotes: enrolment codes, last contact and lag.",
                          no_args_is_help=True)
ACTOR = "cli"
DataDir = Annotated[Path | None, typer.Option("--data-dir", "-d", help="Data directory.",
                                              show_default=False)]
TtlHours = Annotated[int, typer.Option(parser=POSITIVE_INT,
                                       help="Hours the code stays valid (at most 720).")]


def _show_code(code: str, expires_at: Any) -> None:
    typer.echo(code)
    typer.echo(f"valid until {expires_at:%Y-%m-%d %H:%M} UTC; use it once with "
               f"'printwarden remote --central URL --enrol {code}'", err=True)


@remotes_app.command("add")
def remotes_add(name: str, data_dir: DataDir = None, ttl_hours: TtlHours = 24) -> None:
    """Create a site remote NAME and print its one-time enrolment code (shown once)."""
    container = central_container(data_dir)
    site, code = guarded(lambda: container.remotes.create(
        name, actor=ACTOR, ttl=timedelta(hours=ttl_hours)))
    _show_code(code, site.code_expires_at)


@remotes_app.command("code")
def remotes_code(name: str, data_dir: DataDir = None, ttl_hours: TtlHours = 24) -> None:
    """Print a new one-time code for remote NAME: enrolling with it rotates its token (a
    reinstalled remote, a lost token)."""
    container = central_container(data_dir)
    site, code = guarded(lambda: container.remotes.new_code(
        name, actor=ACTOR, ttl=timedelta(hours=ttl_hours)))
    _show_code(code, site.code_expires_at)


@remotes_app.command("list")
def remotes_list(data_dir: DataDir = None) -> None:
    """List site remotes: name, last contact, lag in versions, pending ledger entries (as
    the remote last said), the acked site sequence, reconciliation problems and
    double-site spending reports (listed on /admin/remotes)."""
    container = central_container(data_dir)
    head = guarded(container.feed.head)
    for status in guarded(lambda: container.remotes.list(head)):
        site = status.remote
        contact = f"{site.last_contact_at:%Y-%m-%d %H:%M:%S}" if site.last_contact_at else "never"
        lag = "-" if status.lag_versions is None else str(status.lag_versions)
        typer.echo(f"{site.name}\tlast contact {contact}\tlag {lag}\t"
                   f"pending {status.pending_entries}\tacked {site.outbox_acked_seq}\t"
                   f"problems {status.problems}\treports {status.reports}")
