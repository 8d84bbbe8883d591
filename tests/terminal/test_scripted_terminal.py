"""The reference terminal's scripted mode against a real server over a socket: a copy
session counted and charged once, hostile command lines answered without a request,
a session that ended locks the terminal."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from printwarden.terminal.commands import Terminal
from printwarden.terminal.run import TerminalSetupError, connect, run_script
from tests.agent.conftest import live  # noqa: F401  (the real server fixture)
from tests.agent.support import LiveServer
from tests.release.terminal_world import CARD, COPY_COLOR, COPY_MONO, PIN, make_terminal_world


def _run(terminal: Terminal, script: str) -> tuple[int, list[dict[str, Any]]]:
    out = io.StringIO()
    status = run_script(terminal, script.splitlines(), out)
    return status, [json.loads(line) for line in out.getvalue().splitlines()]


@pytest.fixture
def terminal(live: LiveServer, tmp_path: Path) -> Terminal:  # noqa: F811
    tw = make_terminal_world(live.container)
    code, _ = live.container.terminals.create_code(tw.vault.id, actor="test")
    return Terminal(connect(live.url, tmp_path / "t", code))


def test_a_scripted_copy_session_is_charged_once_at_copy_prices(
        terminal: Terminal, live: LiveServer) -> None:  # noqa: F811
    status, answers = _run(terminal, "\n".join([
        f"card {CARD}", f"pin {PIN}   # the PIN only if asked", "copy open",
        "copy count 3 mono a4 simplex", "copy count 2 color a3 duplex", "copy close",
        "copy close", "balance", "logout"]))
    assert status == 0, answers
    assert answers[2]["copy"]["may_spend"]["minor"] == 1000
    assert answers[3]["count"]["spent"]["minor"] == 3 * COPY_MONO
    spent = 3 * COPY_MONO + 2 * COPY_COLOR
    assert answers[4]["count"]["spent"]["minor"] == spent
    assert answers[5]["closed"]["charged"]["minor"] == spent
    assert answers[6]["closed"]["charged"]["minor"] == spent  # a repeat charges nothing
    assert answers[7]["balance"]["minor"] == 1000 - spent
    ledger = live.container.ledger
    user = live.container.accounts.get_user_by_username("alice")
    charges, _ = ledger.list_entries(account_id=ledger.personal_account(user.id).id,
                                     kind="charge")
    assert [c.amount.minor for c in charges] == [-spent]


def test_hostile_lines_are_refused_by_the_terminal_itself(terminal: Terminal) -> None:
    status, answers = _run(terminal, "\n".join([
        "card \u0665\u0665\u0665\u0665", "card \uff11\uff12\uff13", "card 12 34", "list",
        "release all", "copy count 3", "pin 1234", "frobnicate", f"card {CARD}", f"pin {PIN}",
        "copy open", "copy count -1", "copy count \uff15", "copy count 3 sepia",
        "copy count 99999999999999999999", "logout", "list"]))
    assert status == 1
    errors = [(a["command"], a.get("error")) for a in answers]
    assert errors[:8] == [
        ("card", "bad_command"), ("card", "bad_command"), ("card", "bad_command"),
        ("list", "bad_command"), ("release", "bad_command"), ("copy count", "bad_command"),
        ("pin", "bad_command"), ("frobnicate", "unknown_command")]
    assert answers[9]["ok"] and answers[10]["ok"]
    assert errors[11:14] == [("copy count", "bad_command")] * 3
    assert errors[14] == ("copy count", "invalid")  # the server's 422, not a traceback
    assert answers[15]["locked"] is True and errors[16] == ("list", "bad_command")


def test_a_session_ended_elsewhere_locks_the_terminal(
        terminal: Terminal, live: LiveServer) -> None:  # noqa: F811
    status, answers = _run(terminal, f"card {CARD}\npin {PIN}\n")
    assert status == 0 and not terminal.locked
    live.container.terminal_sessions.end(answers[0]["session"]["session_id"], reason="idle")
    _, [listed] = _run(terminal, "list")
    assert listed["error"] == "session_ended" and listed["locked"] is True
    assert terminal.locked


def test_a_terminal_without_identity_or_with_a_spent_code_does_not_start(
        live: LiveServer, tmp_path: Path) -> None:  # noqa: F811
    with pytest.raises(TerminalSetupError, match="not enrolled"):
        connect(live.url, tmp_path / "none", None)
    with pytest.raises(TerminalSetupError, match="already used or expired"):
        connect(live.url, tmp_path / "none", "ABCD-EFGH")
