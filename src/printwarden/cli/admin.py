"""``printwarden admin ...``: administration from the shell, on the server's database."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from printwarden.cli.admin_fleet import device_app, queue_app, release_group_app
from printwarden.cli.support import fail, guarded, server_settings
from printwarden.core.errors import NotFoundError
from printwarden.core.money import Money

if TYPE_CHECKING:  # the container (SQLAlchemy...) is imported when a command runs, so
    # that `printwarden agent` and `--help` do not load the server's stack
    from printwarden.container import ServerContainer

admin_app = typer.Typer(help="Administration: users, credit, agent enrolment codes, "
                        "devices, release groups, queues, SNMP probes.",
                        no_args_is_help=True)
user_app = typer.Typer(help="Manage users.", no_args_is_help=True)
credit_app = typer.Typer(help="Move money into accounts.", no_args_is_help=True)
admin_app.add_typer(user_app, name="user")
admin_app.add_typer(credit_app, name="credit")
admin_app.add_typer(device_app, name="device")
admin_app.add_typer(release_group_app, name="release-group")
admin_app.add_typer(queue_app, name="queue")

ACTOR = "cli"
DataDir = Annotated[Path | None, typer.Option("--data-dir", "-d", help="Data directory.",
                                              show_default=False)]


def _container(data_dir: Path | None) -> ServerContainer:
    from printwarden.server.bootstrap import build_server

    settings = server_settings(data_dir)
    return guarded(lambda: build_server(settings))




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
    pin: Annotated[str | None, typer.Option(help="Numeric print code, 4-8 digits.")] = None,
    card: Annotated[str | None, typer.Option(help="Card number.")] = None,
) -> None:
    """Create a user (with a personal and a credit account)."""

    container = _container(data_dir)

    def run() -> str:
        user = container.accounts.create_user(
            username, full_name=full_name, email=email, department=department,
            roles=tuple(role or ("user",)), password=password, pin=pin, actor=ACTOR)
        if card:
            container.accounts.add_card(user.id, card, actor=ACTOR)
        container.ledger.personal_account(user.id)
        container.ledger.credit_account(user.id)
        return user.id

    user_id = guarded(run)
    typer.echo(f"created user {username} ({user_id})")


@user_app.command("list")
def user_list(
    data_dir: DataDir = None,
    query: Annotated[str | None, typer.Option(help="Filter by name.")] = None,
) -> None:
    """List users with their balances."""

    container = _container(data_dir)
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
    pin: Annotated[str | None, typer.Option(help="New print code.")] = None,
    card: Annotated[str | None, typer.Option(help="Add a card.")] = None,
) -> None:
    """Change a user's details, roles, password, print code or cards."""

    container = _container(data_dir)

    def run() -> None:
        accounts = container.accounts
        user = accounts.get_user_by_username(username)
        accounts.update_user(user.id, full_name=full_name, email=email, department=department,
                             roles=tuple(role) if role else None, active=active, actor=ACTOR)
        if password is not None:
            accounts.set_password(user.id, password, actor=ACTOR)
        if pin is not None:
            accounts.set_pin(user.id, pin, actor=ACTOR)
        if card is not None:
            accounts.add_card(user.id, card, actor=ACTOR)

    guarded(run)
    typer.echo(f"updated user {username}")


@user_app.command("import")
def user_import(
    csv_file: Annotated[Path, typer.Argument(help="CSV with a header: username, full_name, "
                                             "email, department, groups, card, pin, roles.")],
    data_dir: DataDir = None,
) -> None:
    """Import or update users from a CSV file."""

    container = _container(data_dir)
    try:
        text = csv_file.read_text("utf-8-sig")
    except OSError as exc:
        fail(f"cannot read {csv_file}: {exc.strerror}")
    report = guarded(lambda: container.accounts.import_users_csv(text, actor=ACTOR))
    # every refused line first (stderr), then the summary as the very last line (stdout),
    # each stream flushed before the other is written: the two never interleave
    if report.errors:
        typer.echo("\n".join(f"line {line}: {message}" for line, message in report.errors),
                   err=True)
        sys.stderr.flush()
    typer.echo(report.summary())
    sys.stdout.flush()
    if report.errors:
        raise typer.Exit(1)


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
    container = _container(data_dir)

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
    ttl_hours: Annotated[int, typer.Option(help="Hours the code stays valid.")] = 24,
    agent: Annotated[str | None, typer.Option(
        "--agent", help="Re-enrol this existing agent (by name): the code rotates its "
        "token. Without it the code enrols a new agent name only.")] = None,
) -> None:
    """Create a one-time enrolment code for a new print agent (or, with --agent, for
    re-enrolling an existing one)."""

    container = _container(data_dir)

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


@admin_app.command("token")
def api_token(
    username: str,
    name: Annotated[str, typer.Option(help="What the token is for.")] = "cli",
    data_dir: DataDir = None,
) -> None:
    """Create a REST API bearer token for a user (shown once)."""

    container = _container(data_dir)

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
