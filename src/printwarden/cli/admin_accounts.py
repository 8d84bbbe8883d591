"""``printwarden admin accounts ...``: ledger accounts, their balances and their offline
credit policy (what a remote cut off from central may let each spend)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from printwarden.cli.support import central_container, fail, guarded

if TYPE_CHECKING:
    pass

accounts_app = typer.Typer(help="Ledger accounts: balances and offline credit policies.",
                           no_args_is_help=True)
ACTOR = "cli"
DataDir = Annotated[Path | None, typer.Option("--data-dir", "-d", help="Data directory.",
                                              show_default=False)]
POLICIES = ("balance", "limit", "deny")


def _line(account: Any) -> str:
    from printwarden.core.money import Money

    offline = account.offline_credit
    if offline == "limit":
        offline += " " + Money(account.offline_limit_minor, account.currency).format()
    return (f"{account.id}  {account.kind:<8} {account.name:<24} "
            f"{Money(account.balance_minor, account.currency).format():>14}  "
            f"offline: {offline}")


@accounts_app.command("list")
def accounts_list(
    data_dir: DataDir = None,
    user: Annotated[str | None, typer.Option(help="Only this user's accounts (username).")]
    = None,
) -> None:
    """List accounts: id, kind, name, balance and offline credit policy."""
    container = central_container(data_dir)

    def run() -> list[Any]:
        if user is None:
            return list(container.ledger.list_accounts(limit=10_000)[0])
        found = container.accounts.get_user_by_username(user)
        return list(container.ledger.accounts_for_user(found.id))

    for account in guarded(run):
        typer.echo(_line(account))


@accounts_app.command("offline-credit")
def accounts_offline_credit(
    account_id: Annotated[str, typer.Argument(help="The account's id (see 'list').")],
    policy: Annotated[str, typer.Argument(help="balance (spend the replica's balance), "
                                          "limit (at most --limit) or deny (no charged "
                                          "work) while a remote is cut off from central.")],
    data_dir: DataDir = None,
    limit: Annotated[str | None, typer.Option(help="The most the account may spend offline, "
                                              "in major units, e.g. 5.00.")] = None,
) -> None:
    """Set what a remote cut off from central may let ACCOUNT_ID spend (audited)."""
    if policy not in POLICIES:
        fail(f"the policy must be one of {', '.join(POLICIES)}")
    container = central_container(data_dir)

    def run() -> Any:
        from printwarden.core.money import Money

        ledger = container.ledger
        account = ledger.get_account(account_id)
        amount = None if limit is None else Money.parse(limit, account.currency)
        return ledger.update_account(account_id, offline_credit=policy, offline_limit=amount,
                                     actor=ACTOR)

    typer.echo(_line(guarded(run)))
