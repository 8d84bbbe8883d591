"""The prompt_toolkit UI driven through a pipe (no terminal needed): a card typed by a
keyboard-wedge reader signs in, the PIN is asked where the site wants one, jobs are
listed with their cost, 'logout' locks again; Ctrl-D ends the UI."""

from __future__ import annotations

from pathlib import Path

from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from printwarden.terminal.commands import Terminal
from printwarden.terminal.run import connect
from printwarden.terminal.ui import run_ui
from tests.agent.conftest import live  # noqa: F401  (the real server fixture)
from tests.agent.support import LiveServer
from tests.release.terminal_world import CARD, make_terminal_world


def test_the_ui_signs_in_by_card_lists_and_locks_again(
        live: LiveServer, tmp_path: Path) -> None:  # noqa: F811
    tw = make_terminal_world(live.container)
    job = tw.hold("1")
    code, _ = live.container.terminals.create_code(tw.vault.id, actor="test")
    terminal = Terminal(connect(live.url, tmp_path / "t", code))
    seen: list[bool] = []
    lines: list[str] = []
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        pipe.send_text(f"{CARD}\r")
        pipe.send_text("list\r")
        pipe.send_text("logout\r")
        pipe.send_text("\x04")  # Ctrl-D at the locked screen: the UI ends
        run_ui(terminal, "vault", say=lines.append)
        seen.append(terminal.locked)
    out = "\n".join(lines)
    assert "hold your card to the reader" in out
    assert "Hello Alice: balance 10.00 EUR" in out
    assert job in out and "0.15 EUR" in out
    assert "signed out" in out
    assert seen == [True]
