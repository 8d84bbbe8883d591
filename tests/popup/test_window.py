"""The pop-up as a person sees it: ``printwarden popup`` in its own process on an Xvfb
display, signed in with login and password, a real Tk window per question answered with
keys typed through xdotool, and the server's question row answered."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from printwarden.core.principal import Principal
from printwarden.jobs.question_model import Question, QuestionOption
from tests.popup.desktop import Display, start_xvfb
from tests.popup.world import PopupWorld

#: The screenshot in the docs; refreshed when PRINTWARDEN_UPDATE_SCREENSHOTS=1.
DOCS_IMAGE = Path(__file__).parents[2] / "docs" / "images" / "popup-confirm.png"
PASSWORD = "pop-up pass 1"
WAIT = 15.0
#: One database is enough here: the channel's tests run on SQLite and PostgreSQL.
pytestmark = pytest.mark.parametrize("popup", ["sqlite"], indirect=True)


@dataclass
class RunningPopup:
    user_id: str
    principal: Principal
    config_dir: Path
    proc: subprocess.Popen[str]
    log: Path


@pytest.fixture(scope="module")
def display() -> Iterator[Display]:
    screen = start_xvfb()
    yield screen
    screen.stop()


def _wait_for(check: object, what: str) -> None:
    assert callable(check)
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def running(popup: PopupWorld, display: Display,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningPopup]:
    """One pop-up process per module, signed in through the CLI (password on stdin)."""
    user_id, _ = popup.new_user(password=PASSWORD)
    username = popup.server.accounts.get_user(user_id).username
    config_dir = tmp_path_factory.mktemp("popup-config") / "printwarden-popup"
    log = config_dir.parent / "popup.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "printwarden", "popup", "--server", popup.url,
             "--login", username, "--password-stdin", "--config-dir", str(config_dir),
             "--no-tray"], stdin=subprocess.PIPE, stdout=out, stderr=subprocess.STDOUT,
            text=True, env=display.env)
    assert proc.stdin is not None
    proc.stdin.write(PASSWORD + "\n")
    proc.stdin.close()
    _wait_for(lambda: popup.server.questions.bell.listening(user_id) > 0 or
              proc.poll() is not None, "the pop-up to connect")
    assert proc.poll() is None, log.read_text()
    principal = popup.server.principal_for_user(user_id)
    assert principal is not None
    yield RunningPopup(user_id, principal, config_dir, proc, log)
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _settled(popup: PopupWorld, running: RunningPopup, question: Question) -> Question:
    found: list[Question] = []

    def answered() -> bool:
        found[:] = [popup.server.questions.get(running.principal, question.id)]
        return found[0].state != "open"

    _wait_for(answered, f"question {question.id} to be answered")
    return found[0]


def test_the_sign_in_kept_a_private_token_for_this_os_user(running: RunningPopup) -> None:
    kept = running.config_dir / "popup.json"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert stat.S_IMODE(running.config_dir.stat().st_mode) == 0o700
    body = json.loads(kept.read_text())
    assert body["user_id"] == running.user_id and body["token"].startswith("pwu_")
    assert body["os_user"]


def test_a_cost_confirmation_is_answered_in_the_window(
        popup: PopupWorld, display: Display, running: RunningPopup, tmp_path: Path) -> None:
    question = popup.ask(running.user_id, text="Print thesis.pdf (12 colour pages) for "
                         "0.15 EUR?", deadline_in=120)
    window = display.window("printwarden: confirm printing")
    update = os.environ.get("PRINTWARDEN_UPDATE_SCREENSHOTS") == "1"
    image = display.screenshot(window, DOCS_IMAGE if update else tmp_path / "confirm.png")
    assert image.width > 200 and image.height > 100
    darkest, lightest = image.convert("L").getextrema()
    assert lightest - darkest > 100  # text drawn, not a blank frame
    display.press(window, "1")  # option 1: Print
    done = _settled(popup, running, question)
    assert (done.state, done.answer, done.answered_by) == ("answered", "print", "user")
    assert display.gone(window)


def test_an_account_is_chosen_from_the_list(popup: PopupWorld, display: Display,
                                            running: RunningPopup) -> None:
    options = (QuestionOption("account:personal", "My own credit", 15),
               QuestionOption("account:physics", "Project: Physics lab", 15),
               QuestionOption("account:chem", "Project: Chemistry", 15))
    question = popup.ask(running.user_id, kind="account", options=options,
                         default="account:personal", text="Which account pays for this job?")
    window = display.window("printwarden: choose an account")
    display.press(window, "Down", "Return")  # from the default to the next one
    done = _settled(popup, running, question)
    assert done.answer == "account:physics"


def test_a_denial_notice_is_shown_and_its_cursor_kept(popup: PopupWorld, display: Display,
                                                      running: RunningPopup) -> None:
    notice_id = popup.notice(running.user_id, "poster.pdf was denied: it costs 4.00 EUR and "
                             "your balance is 1.20 EUR.", kind="denied")
    window = display.window("printwarden: job denied")
    kept = running.config_dir / "popup.json"
    _wait_for(lambda: json.loads(kept.read_text())["notice_cursor"] == notice_id,
              "the cursor to be saved")
    display.press(window, "Return")
    assert display.gone(window)


def test_closing_a_window_answers_nothing_and_the_default_applies(
        popup: PopupWorld, display: Display, running: RunningPopup) -> None:
    question = popup.ask(running.user_id, kind="suggest", default="keep", options=(
        QuestionOption("redirect:mono-queue", "Print on the mono queue", 5),
        QuestionOption("keep", "Keep my choice", 15)), text="Print in black and white?",
                         deadline_in=-1)
    window = display.window("printwarden: a suggestion")
    display.press(window, "Escape")  # closed: no answer sent
    assert display.gone(window)
    assert popup.server.questions.expire_due() >= 1
    done = popup.server.questions.get(running.principal, question.id)
    assert (done.state, done.answer) == ("defaulted", "keep")
    assert running.proc.poll() is None, running.log.read_text()
    assert os.environ.get("DISPLAY") != display.name  # the test's own display untouched
