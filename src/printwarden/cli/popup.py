"""``printwarden popup``: the desktop pop-up (cost confirmation, account choice,
suggestions, notices), signed in once with login and password."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from printwarden.cli.support import fail
from printwarden.core.server_list import parse_server_urls

if TYPE_CHECKING:
    from printwarden.popup.identity import Identity


def popup_command(
    server: Annotated[list[str], typer.Option(
        help="The server's URL, e.g. https://print.example.org. Several (repeat the option "
             "or separate by commas) name servers of one database, preferred first: the "
             "pop-up connects to the next when one fails and returns to the first once it "
             "is healthy again.")],
    login: Annotated[str | None, typer.Option(
        help="Sign in as this user (asks for the password) and keep the token; without "
             "it the token kept by an earlier sign-in is used.")] = None,
    password_stdin: Annotated[bool, typer.Option(
        "--password-stdin", help="With --login: read the password from the first line of "
                                 "standard input instead of asking (for scripts).")] = False,
    config_dir: Annotated[Path | None, typer.Option(
        "--config-dir", help="Where the token is kept (popup.json, 0600); default: this OS "
                             "user's config directory (%APPDATA%, ~/Library/Application "
                             "Support or ~/.config, then printwarden-popup).")] = None,
    tray: Annotated[bool, typer.Option(
        help="Show a tray icon where the desktop has one (needs the optional 'tray' extra: "
             "pip install 'printwarden\\[tray]').")] = True,
) -> None:
    """The desktop pop-up: asks you to confirm a job's cost, to choose the account that
    pays, or to accept a suggestion, each with a countdown to the default the server
    applies if you do not answer; shows denials, low balance and finished jobs. Keeps a
    WebSocket to the server and reconnects by itself. Exit status 4: the server refused
    the kept token (revoked): sign in again with --login."""
    from printwarden.popup import identity
    from printwarden.popup.sign_in import SignInError, sign_in

    try:
        servers = parse_server_urls(server)
    except ValueError as exc:
        fail(f"--server: {exc}")
    preferred = servers[0]
    where = config_dir or identity.default_config_dir()
    if login is not None:
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = typer.prompt(f"Password for {login}", hide_input=True)
        try:
            me = sign_in(servers, login, password)
        except SignInError as exc:
            fail(f"sign-in failed: {exc}")
        identity.save(where, me)
        typer.echo(f"signed in as {me.username}; token kept in {where}", err=True)
    else:
        try:
            found = identity.load(where, preferred)
        except identity.IdentityError as exc:
            fail(str(exc))
        if found is None:
            fail(f"not signed in to {preferred}: run printwarden popup --server {preferred} "
                 "--login YOUR_LOGIN")
        me = found
    _run_windows(me, servers, where, tray)


def _run_windows(me: Identity, servers: list[str], where: Path, tray: bool) -> None:
    import tkinter

    from printwarden.popup.app import run

    try:
        code = run(me, where, tray=tray, servers=servers)
    except tkinter.TclError as exc:
        fail(f"cannot open a window ({exc}); is there a display?")
    raise typer.Exit(code)
