"""The text UI (prompt_toolkit): a locked screen that reads card numbers typed by a
keyboard-wedge reader (digits + Enter), asks for a PIN when the site wants one, then a
menu of held jobs with costs, release, copy session and sign-out. It locks again at
sign-out, when the server says the session ended, or after the session's idle timeout
without a key press (it signs out first, which closes and charges a copy session)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from prompt_toolkit import PromptSession
from prompt_toolkit.patch_stdout import patch_stdout

from printwarden.terminal.commands import Terminal

HELP = ("list | release all | release JOB | delete JOB | balance | copy open | "
        "copy count N [mono|color] [a4|a3] [simplex|duplex] | copy close | logout")


Say = Callable[[str], None]


def run_ui(terminal: Terminal, device_name: str, say: Say | None = None) -> None:
    """Run until end of input (Ctrl-D) or Ctrl-C; ``say`` shows a line (default: print
    above the prompt)."""
    if say is None:
        with patch_stdout():
            asyncio.run(_loop(terminal, device_name, print))
    else:
        asyncio.run(_loop(terminal, device_name, say))


async def _loop(terminal: Terminal, device_name: str, say: Say) -> None:
    prompt: PromptSession[str] = PromptSession()
    while True:
        try:
            if terminal.locked:
                await _sign_in(terminal, device_name, prompt, say)
                continue
            idle = float(terminal.session["idle_timeout_seconds"]) if terminal.session else 60
            try:
                line = await asyncio.wait_for(prompt.prompt_async(f"[{HELP}]\n> "), idle)
            except TimeoutError:
                say("idle: signing out")
                _show(terminal.run("logout"), say)
                continue
            _show(terminal.run(line), say)
        except (EOFError, KeyboardInterrupt):
            if not terminal.locked:
                _show(terminal.run("logout"), say)
            return


async def _sign_in(terminal: Terminal, device_name: str, prompt: PromptSession[str],
                   say: Say) -> None:
    say(f"== printwarden at {device_name}: hold your card to the reader ==")
    line = (await prompt.prompt_async("card (or 'id N', 'login NAME PASS'): ")).strip()
    if not line:
        return
    command = line if line.split(" ", 1)[0] in ("id", "login", "user", "register") \
        else f"card {line}"
    answer = terminal.run(command)
    if answer.get("need") == "pin":
        pin = await prompt.prompt_async("PIN: ", is_password=True)
        answer = terminal.run(f"pin {pin.strip()}")
    _show(answer, say)


def _show(answer: dict[str, Any], say: Say) -> None:
    print = say
    if not answer["ok"]:
        print(f"!! {answer['message']}")
        return
    if "session" in answer:
        session = answer["session"]
        print(f"Hello {session['user']['full_name'] or session['user']['username']}: "
              f"balance {session['balance']['display']}")
        for outcome in session.get("released", []):  # a device that releases at sign-in
            print(f"  {'ok' if outcome['ok'] else '--'} {outcome['message']}")
    for job in answer.get("jobs", []):
        state = "" if job["releasable"] else f"  ({job['why']})"
        print(f"  {job['job_id']}  {job['title'][:40]:40} {job['pages']} p  "
              f"{job['cost'] or '-'}{state}")
    for outcome in answer.get("outcomes", []):
        print(f"  {'ok' if outcome['ok'] else '--'} {outcome['message']}")
    if "copy" in answer:
        print(f"copy session open: you may spend {answer['copy']['may_spend']['display']}")
    if "count" in answer:
        print(f"spent {answer['count']['spent']['display']}, "
              f"{answer['count']['remaining']['display']} left")
    if "closed" in answer:
        print(f"copies charged: {answer['closed']['charged']['display']}")
    if "balance" in answer:
        print(f"balance {answer['balance']['display']}")
    if answer.get("locked"):
        print("signed out")
