"""``printwarden admin ...``: administration from the shell, on the server's database."""

from __future__ import annotations

import csv
import os
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from printwarden.cli.admin_accounts import accounts_app
from printwarden.cli.admin_fleet import device_app, queue_app, release_group_app
from printwarden.cli.admin_remotes import remotes_app
from printwarden.cli.support import POSITIVE_INT, central_container, fail, guarded
from printwarden.core.errors import NotFoundError, ValidationError
from printwarden.core.money import Money

if TYPE_CHECKING:  # the container (SQLAlchemy...) is imported when a command runs, so
    # that `printwarden agent` and `--help` do not load the server's stack
    from printwarden.container import ServerContainer

admin_app = typer.Typer(help="Administration: users, credit, accounts, agent enrolment codes, "
                        "devices, release groups, queues, site remotes, SNMP probes.",
                        no_args_is_help=True)
user_app = typer.Typer(help="Manage users.", no_args_is_help=True)
credit_app = typer.Typer(help="Move money into accounts.", no_args_is_help=True)
admin_app.add_typer(user_app, name="user")
admin_app.add_typer(credit_app, name="credit")
admin_app.add_typer(accounts_app, name="accounts")
admin_app.add_typer(device_app, name="device")
admin_app.add_typer(release_group_app, name="release-group")
admin_app.add_typer(queue_app, name="queue")
admin_app.add_typer(remotes_app, name="remotes")

ACTOR = "cli"
PIN_HELP = "PIN, 4-8 digits: goes with the user's card or username (need not be unique)."
ID_NUMBER_HELP = ("ID number chosen by the admin (id_number_length to 18 digits, unique): "
                  "signs the user in alone.")
GENERATE_HELP = "Generate an ID number and print it (shown only now)."
DataDir = Annotated[Path | None, typer.Option("--data-dir", "-d", help="Data directory.",
                                              show_default=False)]




@user_app.command("add")
def user_add(
    username: str,
    data_dir: DataDir = None,
    full_name: Annotated[str, typer.Option(help="Full name.")] = "",
    email: Annotated[str, typer.Option(help="E-mail address.")] = "",
    department: Annotated[str, typer.Option(help="Department.")] = "",
    role: Annotated[list[str] | None, typer.Option(help="Role (repeat): admin, operator, "
                                                   "user.")] = None,
    password: Annotated[str | None, typer.Option(help="Password (>= 8 characters).")] = None,
    pin: Annotated[str | None, typer.Option(help=PIN_HELP)] = None,
    card: Annotated[str | None, typer.Option(help="Card number.")] = None,
    id_number: Annotated[str | None, typer.Option(help=ID_NUMBER_HELP)] = None,
    generate_id_number: Annotated[bool, typer.Option(
        "--generate-id-number", help=GENERATE_HELP)] = False,
) -> None:
    """Create a user (with a personal and a credit account)."""

    container = central_container(data_dir)

    def run() -> tuple[str, str | None]:
        accounts = container.accounts
        user = accounts.create_user(
            username, full_name=full_name, email=email, department=department,
            roles=tuple(role or ("user",)), password=password, pin=pin, actor=ACTOR)
        if card:
            accounts.add_card(user.id, card, actor=ACTOR)
        number = _id_number_change(container, user.id, id_number, generate_id_number)
        container.ledger.personal_account(user.id)
        container.ledger.credit_account(user.id)
        return user.id, number

    user_id, number = guarded(run)
    typer.echo(f"created user {username} ({user_id})")
    _show_id_number(username, number)


def _id_number_change(container: ServerContainer, user_id: str, chosen: str | None,
                      generate: bool, clear: bool = False) -> str | None:
    """Apply at most one ID-number option; the generated number, if any."""
    if sum((chosen is not None, generate, clear)) > 1:
        raise ValidationError("give one of --id-number, --generate-id-number and "
                              "--clear-id-number")
    if chosen is not None:
        container.accounts.set_id_number(user_id, chosen, actor=ACTOR)
    elif clear:
        container.accounts.clear_id_number(user_id, actor=ACTOR)
    elif generate:
        return container.accounts.generate_id_number(user_id, actor=ACTOR)
    return None


def _show_id_number(username: str, number: str | None) -> None:
    if number is not None:
        typer.echo(f"ID number of {username}: {number}")
        typer.echo("(shown only now: it signs the user in at a printer by itself)", err=True)


@user_app.command("list")
def user_list(
    data_dir: DataDir = None,
    query: Annotated[str | None, typer.Option(help="Filter by name.")] = None,
) -> None:
    """List users with their balances."""

    container = central_container(data_dir)
    users, total = guarded(lambda: container.accounts.list_users(query=query, limit=1000))
    typer.echo(f"{'USERNAME':<20} {'FULL NAME':<28} {'ROLES':<22} {'ACTIVE':<6} BALANCES")
    for user in users:
        balances = ", ".join(
            f"{a.kind}={Money(a.balance_minor, a.currency)}"
            for a in container.ledger.accounts_for_user(user.id) if a.kind in ("personal",
                                                                               "credit"))
        typer.echo(f"{user.username:<20} {user.full_name:<28} "
                   f"{','.join(sorted(user.roles)):<22} {'yes' if user.active else 'no':<6} "
                   f"{balances}")
    typer.echo(f"{total} user(s)")


@user_app.command("set")
def user_set(
    username: str,
    data_dir: DataDir = None,
    full_name: Annotated[str | None, typer.Option(help="Full name.")] = None,
    email: Annotated[str | None, typer.Option(help="E-mail address.")] = None,
    department: Annotated[str | None, typer.Option(help="Department.")] = None,
    role: Annotated[list[str] | None, typer.Option(help="Replace roles (repeat).")] = None,
    active: Annotated[bool | None, typer.Option("--active/--inactive",
                                                help="Enable or disable.")] = None,
    password: Annotated[str | None, typer.Option(help="New password.")] = None,
    pin: Annotated[str | None, typer.Option(help=f"New {PIN_HELP}")] = None,
    clear_pin: Annotated[bool, typer.Option("--clear-pin", help="Remove the PIN.")] = False,
    card: Annotated[str | None, typer.Option(help="Add a card.")] = None,
    id_number: Annotated[str | None, typer.Option(help=ID_NUMBER_HELP)] = None,
    generate_id_number: Annotated[bool, typer.Option(
        "--generate-id-number", help=GENERATE_HELP + " Replaces the old one.")] = False,
    clear_id_number: Annotated[bool, typer.Option(
        "--clear-id-number", help="Remove the ID number.")] = False,
) -> None:
    """Change a user's details, roles, password, PIN, ID number or cards."""

    container = central_container(data_dir)

    def run() -> str | None:
        accounts = container.accounts
        user = accounts.get_user_by_username(username)
        if pin is not None and clear_pin:
            raise ValidationError("give --pin or --clear-pin, not both")
        accounts.update_user(user.id, full_name=full_name, email=email, department=department,
                             roles=tuple(role) if role else None, active=active, actor=ACTOR)
        if password is not None:
            accounts.set_password(user.id, password, actor=ACTOR)
        if pin is not None or clear_pin:
            accounts.set_pin(user.id, None if clear_pin else pin, actor=ACTOR)
        if card is not None:
            accounts.add_card(user.id, card, actor=ACTOR)
        return _id_number_change(container, user.id, id_number, generate_id_number,
                                 clear_id_number)

    number = guarded(run)
    typer.echo(f"updated user {username}")
    _show_id_number(username, number)


@user_app.command("import")
def user_import(
    csv_file: Annotated[Path, typer.Argument(help="CSV with a header: username, full_name, "
                                             "email, department, groups, card, pin, "
                                             "id_number, roles.")],
    data_dir: DataDir = None,
    generate_id_numbers: Annotated[bool, typer.Option(
        "--generate-id-numbers", help="Generate an ID number for every user of the file "
        "who has none (and no id_number cell); needs --id-numbers-out.")] = False,
    id_numbers_out: Annotated[Path | None, typer.Option(
        help="New file (mode 0600) that receives the generated numbers as CSV "
        "(username,id_number): the only copy in clear.", show_default=False)] = None,
    progress: Annotated[bool | None, typer.Option(
        "--progress/--no-progress", help="Show lines done on stderr (default: when stderr "
        "is a terminal).", show_default=False)] = None,
) -> None:
    """Import or update users from a CSV file."""

    if generate_id_numbers and id_numbers_out is None:
        fail("--generate-id-numbers needs --id-numbers-out FILE for the new numbers")
    if id_numbers_out is not None and id_numbers_out.exists():
        fail(f"{id_numbers_out} exists; name a new file for the ID numbers")
    container = central_container(data_dir)
    try:
        text = csv_file.read_text("utf-8-sig")
    except OSError as exc:
        fail(f"cannot read {csv_file}: {exc.strerror}")
    show = sys.stderr.isatty() if progress is None else progress
    report = guarded(lambda: container.accounts.import_users_csv(
        text, actor=ACTOR, generate_id_numbers=generate_id_numbers,
        progress=_progress_printer(sys.stderr.isatty()) if show else None))
    if id_numbers_out is not None:
        guarded(lambda: _write_id_numbers(id_numbers_out, report.id_numbers))
    # every refused line first (stderr), then the summary as the very last line (stdout),
    # each stream flushed before the other is written: the two never interleave
    if report.errors:
        typer.echo("\n".join(f"line {line}: {message}" for line, message in report.errors),
                   err=True)
        sys.stderr.flush()
    typer.echo(report.summary() + (f", {len(report.id_numbers)} ID number(s) written to "
                                   f"{id_numbers_out}" if id_numbers_out else ""))
    sys.stdout.flush()
    if report.errors:
        raise typer.Exit(1)


def _progress_printer(terminal: bool) -> Callable[[int, int], None]:
    """``imported N/M lines`` on stderr: rewritten in place on a terminal, else a line each."""
    def show(done: int, total: int) -> None:
        start = "\r" if terminal else ""
        end = "" if terminal and done < total else "\n"
        sys.stderr.write(f"{start}imported {done}/{total} lines{end}")
        sys.stderr.flush()

    return show


def _write_id_numbers(path: Path, numbers: list[tuple[int, str, str]]) -> None:
    """The generated numbers, in a file only its owner may read."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["username", "id_number"])
        writer.writerows((username, number) for _, username, number in numbers)


@credit_app.command("add")
def credit_add(
    username: str,
    amount: Annotated[str, typer.Argument(help="Amount in major units, e.g. 12.50.")],
    data_dir: DataDir = None,
    account: Annotated[str, typer.Option(help="credit (prepaid) or personal (quota).")] =
    "credit",
    note: Annotated[str, typer.Option(help="Note recorded with the entry.")] = "",
    key: Annotated[str | None, typer.Option(help="Idempotency key (a retry with the same key "
                                            "changes nothing).")] = None,
) -> None:
    """Add credit to a user's account (a top-up ledger entry)."""

    if account not in ("credit", "personal"):
        fail("--account must be credit or personal")
    container = central_container(data_dir)

    def run() -> str:
        user = container.accounts.get_user_by_username(username)
        ledger = container.ledger
        target = (ledger.credit_account(user.id) if account == "credit"
                  else ledger.personal_account(user.id))
        from printwarden.core.ids import new_id

        money = Money.parse(amount, target.currency)
        ledger.post_entry(target.id, money, "top-up", idempotency_key=key or f"cli:{new_id()}",
                          actor=ACTOR, note=note)
        return Money(ledger.get_account(target.id).balance_minor, target.currency).format()

    balance = guarded(run)
    typer.echo(f"{username}: {account} balance now {balance}")


@admin_app.command("agent-code")
def agent_code(
    data_dir: DataDir = None,
    ttl_hours: Annotated[int, typer.Option(parser=POSITIVE_INT,
                                           help="Hours the code stays valid.")] = 24,
    agent: Annotated[str | None, typer.Option(
        "--agent", help="Re-enrol this existing agent (by name): the code rotates its "
        "token. Without it the code enrols a new agent name only.")] = None,
) -> None:
    """Create a one-time enrolment code for a new print agent (or, with --agent, for
    re-enrolling an existing one)."""

    container = central_container(data_dir)

    def make() -> tuple[str, Any]:
        devices = container.devices
        target = devices.find_agent_by_name(agent) if agent else None
        if agent and target is None:
            raise NotFoundError(f"no agent named {agent!r} ('printwarden admin agent-code' "
                                "without --agent makes a code for a new agent)")
        return devices.create_enrolment_code(actor=ACTOR, ttl=timedelta(hours=ttl_hours),
                                             for_agent_id=target.id if target else None)

    code, record = guarded(make)
    typer.echo(code)
    typer.echo(f"valid until {record.expires_at:%Y-%m-%d %H:%M} UTC; use it once with "
               f"'printwarden agent --enrol {code}'", err=True)


@admin_app.command("terminal-code")
def terminal_code(
    device: Annotated[str, typer.Argument(help="The device (by name) the terminal serves.")],
    data_dir: DataDir = None,
    ttl_hours: Annotated[int, typer.Option(parser=POSITIVE_INT,
                                           help="Hours the code stays valid.")] = 24,
) -> None:
    """Create a one-time enrolment code for the terminal of DEVICE (a terminal already
    enrolled there gets a new token when the code is used)."""

    container = central_container(data_dir)

    def make() -> tuple[str, Any]:
        found = container.devices.find_device_by_name(device)
        if found is None:
            raise NotFoundError(f"no device named {device!r} ('printwarden admin device list')")
        return container.terminals.create_code(found.id, actor=ACTOR,
                                               ttl=timedelta(hours=ttl_hours))

    code, record = guarded(make)
    typer.echo(code)
    typer.echo(f"valid until {record.expires_at:%Y-%m-%d %H:%M} UTC; use it once with "
               f"'printwarden terminal --server URL --enrol {code}'", err=True)


@admin_app.command("token")
def api_token(
    username: str,
    name: Annotated[str, typer.Option(help="What the token is for.")] = "cli",
    data_dir: DataDir = None,
) -> None:
    """Create a REST API bearer token for a user (shown once)."""

    container = central_container(data_dir)

    def run() -> str:
        user = container.accounts.get_user_by_username(username)
        token, _ = container.accounts.create_api_token(user.id, name, actor=ACTOR)
        return token

    typer.echo(guarded(run))


@admin_app.command("snmp-probe")
def snmp_probe(
    host: Annotated[str, typer.Argument(help="The device's name or address.")],
    community: Annotated[str, typer.Option(help="SNMPv2c community.")] = "public",
    profile: Annotated[str, typer.Option(help="Device profile: generic, hp-laserjet-colour "
                                         "(docs/snmp.md).")] = "generic",
    port: Annotated[str, typer.Option(help="UDP port.")] = "161",
    timeout: Annotated[str, typer.Option(help="Seconds to wait for each answer.")] = "2",
    retries: Annotated[str, typer.Option(help="Extra attempts after a timeout.")] = "1",
) -> None:
    """Read a device's page counters, status and supplies over SNMP, once (no database)."""
    import asyncio

    from printwarden.cli.snmp_probe import ascii_number, probe_lines
    from printwarden.release.snmp_client import SnmpClient
    from printwarden.release.snmp_profiles import profile_named
    from printwarden.release.snmp_reader import SnmpTarget

    try:
        target = SnmpTarget(host, port=int(ascii_number(port, "--port", 1, 65535)),
                            community=community,
                            timeout_seconds=ascii_number(timeout, "--timeout", 0.05, 60,
                                                         whole=False),
                            retries=int(ascii_number(retries, "--retries", 0, 10)))
    except ValueError as exc:
        fail(str(exc))
    chosen = guarded(lambda: profile_named(profile))
    lines, ok = asyncio.run(probe_lines(SnmpClient(), target, chosen))
    typer.echo("\n".join(lines))
    if not ok:
        raise typer.Exit(1)
