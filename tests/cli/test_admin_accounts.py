"""``printwarden admin accounts``: list accounts with their offline credit policy, set it."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from printwarden.container import ServerContainer


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_the_cli_lists_and_sets_an_accounts_offline_credit(server: ServerContainer) -> None:
    from printwarden.cli import app

    user = server.accounts.create_user("erin", actor="test")
    credit = server.ledger.credit_account(user.id)
    base = ["-d", str(server.settings.data_dir)]
    env = {"PRINTWARDEN_DATABASE_URL": server.db.url}
    runner = CliRunner()
    listed = runner.invoke(app, ["admin", "accounts", "list", "--user", "erin", *base],
                           env=env)
    assert listed.exit_code == 0, listed.output
    assert credit.id in listed.stdout and "offline: balance" in listed.stdout
    made = runner.invoke(app, ["admin", "accounts", "offline-credit", credit.id, "limit",
                               "--limit", "3.50", *base], env=env)
    assert made.exit_code == 0, made.output
    assert "offline: limit 3.50 EUR" in made.stdout
    assert server.ledger.get_account(credit.id).offline_limit_minor == 350
    bad = runner.invoke(app, ["admin", "accounts", "offline-credit", credit.id, "limit",
                              "--limit", "-1", *base], env=env)
    assert bad.exit_code != 0 and "offline limit" in bad.output
    unknown = runner.invoke(app, ["admin", "accounts", "offline-credit", credit.id, "lots",
                                  *base], env=env)
    assert unknown.exit_code != 0 and "balance, limit, deny" in unknown.output
    assert server.ledger.get_account(credit.id).offline_credit == "limit"
