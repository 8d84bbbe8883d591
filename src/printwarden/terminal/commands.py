"""The terminal's commands, shared by the text UI and the scripted mode.

``Terminal.run(line)`` executes one command line and answers one JSON-ready dict:
``{"ok": true, "command": ..., ...}`` or ``{"ok": false, "command": ..., "error": CODE,
"message": ...}``. It never raises for bad input or a server's refusal. State: the
open session (None: the terminal is locked), the card waiting for its PIN, and the next
copy report's ``seq`` (a report whose answer was lost is sent again with the same seq,
which the server counts once).

Commands: ``card NUMBER``, ``pin PIN``, ``user NAME`` (then ``pin``), ``login NAME
PASSWORD``, ``id NUMBER``, ``list``, ``release all|JOB...``, ``delete all|JOB...``,
``register CARD NAME PASSWORD`` (self-registration of an unknown card, where the site
allows it), ``balance``, ``copy open``, ``copy count N [mono|color] [SIZE] [simplex|duplex]``,
``copy close``, ``logout``, ``status``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from printwarden.terminal.client import TerminalClient, TerminalError

DIGITS = re.compile(r"^[0-9]{1,64}$")
SIZES = {
    "a3": "iso_a3_297x420mm", "a4": "iso_a4_210x297mm", "a5": "iso_a5_148x210mm",
    "letter": "na_letter_8.5x11in", "legal": "na_legal_8.5x14in",
}
Answer = dict[str, Any]


class BadCommand(Exception):
    pass


class Terminal:
    def __init__(self, client: TerminalClient) -> None:
        self.client = client
        self.session: dict[str, Any] | None = None
        self._pending_card: str | None = None
        self._pending_user: str | None = None
        self._next_seq = 1
        self._unsent: dict[str, Any] | None = None
        self._card_needs_pin: bool | None = None

    @property
    def locked(self) -> bool:
        return self.session is None

    def run(self, line: str) -> Answer:
        words = line.split()
        if not words:
            return {"ok": True, "command": ""}
        name = words[0].lower()
        if name == "copy" and len(words) > 1:
            name = f"copy {words[1].lower()}"
            args = words[2:]
        else:
            args = words[1:]
        handler = self._handlers().get(name)
        if handler is None:
            return _refused(name, "unknown_command", f"unknown command {words[0]!r}")
        try:
            return {"ok": True, "command": name, **handler(args)}
        except BadCommand as exc:
            return _refused(name, "bad_command", str(exc))
        except TerminalError as exc:
            if exc.code == "session_ended":
                self._lock()
            answer = _refused(name, exc.code, exc.message)
            if exc.code == "pin_required":
                answer["need"] = "pin"
            answer["locked"] = self.locked
            return answer

    def _handlers(self) -> dict[str, Callable[[list[str]], Answer]]:
        return {
            "card": self._card, "pin": self._pin, "user": self._user, "login": self._login,
            "id": self._id, "list": self._list, "release": self._release,
            "delete": self._delete, "balance": self._balance, "copy open": self._copy_open,
            "copy count": self._copy_count, "copy close": self._copy_close,
            "logout": self._logout, "status": self._status, "register": self._register,
        }

    # --- signing in ------------------------------------------------------------------------

    def _card(self, args: list[str]) -> Answer:
        number = _one(args, "card NUMBER")
        if not DIGITS.match(number):
            raise BadCommand("a card number is a line of digits 0-9")
        self._pending_card, self._pending_user = number, None
        if self._card_needs_pin is None:
            self._card_needs_pin = bool(self.client.hello()["card_needs_pin"])
        if self._card_needs_pin:
            return {"need": "pin"}
        try:
            answer = self._open("card", card=number)
        except TerminalError as exc:
            if exc.code == "pin_required":
                self._card_needs_pin = True
            else:
                self._pending_card = None
            raise
        self._pending_card = None
        return answer

    def _pin(self, args: list[str]) -> Answer:
        pin = _one(args, "pin PIN")
        if self._pending_card is not None:
            card, self._pending_card = self._pending_card, None
            return self._open("card_pin", card=card, pin=pin)
        if self._pending_user is not None:
            user, self._pending_user = self._pending_user, None
            return self._open("username_pin", username=user, pin=pin)
        if self.session is not None:  # the card alone was enough: a PIN typed anyway
            return {"note": "already signed in: no PIN needed"}
        raise BadCommand("no card or user name waits for a PIN: 'card NUMBER' first")

    def _user(self, args: list[str]) -> Answer:
        self._pending_user, self._pending_card = _one(args, "user NAME"), None
        return {"need": "pin"}

    def _login(self, args: list[str]) -> Answer:
        if len(args) != 2:
            raise BadCommand("usage: login NAME PASSWORD")
        return self._open("username_password", username=args[0], password=args[1])

    def _register(self, args: list[str]) -> Answer:
        """``register CARD NAME PASSWORD``: self-registration of an unknown card."""
        if len(args) != 3 or not DIGITS.match(args[0]):
            raise BadCommand("usage: register CARD NAME PASSWORD (CARD in digits 0-9)")
        return self._open("register_card", card=args[0], username=args[1],
                          password=args[2])

    def _id(self, args: list[str]) -> Answer:
        number = _one(args, "id NUMBER")
        if not DIGITS.match(number):
            raise BadCommand("an ID number is a line of digits 0-9")
        return self._open("id_number", id_number=number)

    def _open(self, method: str, **credentials: str) -> Answer:
        self.session = self.client.sign_in(method, **credentials)
        self._next_seq, self._unsent = 1, None
        return {"session": self.session}

    # --- a signed-in user ------------------------------------------------------------------------

    def _sid(self) -> str:
        if self.session is None:
            raise BadCommand("the terminal is locked: sign in first")
        return str(self.session["session_id"])

    def _list(self, args: list[str]) -> Answer:
        jobs = self.client.held_jobs(self._sid())
        return {"jobs": [{"job_id": j["job_id"], "title": j["title"], "pages": j["pages"],
                          "copies": j["copies"], "color_pages": j["color_pages"],
                          "cost": j["cost"]["display"] if j["cost"] else None,
                          "cost_minor": j["cost"]["minor"] if j["cost"] else None,
                          "releasable": j["releasable"], "why": j["why"]} for j in jobs]}

    def _release(self, args: list[str]) -> Answer:
        return {"outcomes": self.client.release(self._sid(), _jobs(args, "release"))}

    def _delete(self, args: list[str]) -> Answer:
        return {"outcomes": self.client.delete(self._sid(), _jobs(args, "delete"))}

    def _balance(self, args: list[str]) -> Answer:
        self.session = self.client.session(self._sid())
        return {"balance": self.session["balance"], "may_spend": self.session["may_spend"]}

    def _status(self, args: list[str]) -> Answer:
        hello = self.client.hello()
        return {"locked": self.locked, "terminal": hello, "server": self.client.server}

    def _logout(self, args: list[str]) -> Answer:
        session_id = self._sid()
        try:
            self.client.sign_out(session_id)
        finally:
            self._lock()
        return {"locked": True}

    def _lock(self) -> None:
        self.session = None
        self._pending_card = self._pending_user = None
        self._unsent = None

    # --- copies --------------------------------------------------------------------------

    def _copy_open(self, args: list[str]) -> Answer:
        opened = self.client.copy_open(self._sid())
        self._next_seq = int(opened["next_seq"])
        return {"copy": opened}

    def _copy_count(self, args: list[str]) -> Answer:
        session_id = self._sid()
        if self._unsent is not None:  # an earlier report whose answer never came
            self._send(session_id, self._unsent)
        report = _report(args, self._next_seq)
        return {"count": self._send(session_id, report)}

    def _send(self, session_id: str, report: dict[str, Any]) -> dict[str, Any]:
        self._unsent = report
        try:
            answer = self.client.copy_count(session_id, report)
        except TerminalError as exc:
            if exc.code != "unreachable":
                self._unsent = None
            raise
        self._unsent = None
        self._next_seq = int(answer["next_seq"])
        return answer

    def _copy_close(self, args: list[str]) -> Answer:
        session_id = self._sid()
        if self._unsent is not None:
            self._send(session_id, self._unsent)
        return {"closed": self.client.copy_close(session_id)}


def _refused(command: str, code: str, message: str) -> Answer:
    return {"ok": False, "command": command, "error": code, "message": message}


def _one(args: list[str], usage: str) -> str:
    if len(args) != 1:
        raise BadCommand(f"usage: {usage}")
    return args[0]


def _jobs(args: list[str], verb: str) -> list[str] | None:
    if args == ["all"]:
        return None
    if not args:
        raise BadCommand(f"usage: {verb} all | {verb} JOB_ID...")
    return args


def _report(args: list[str], seq: int) -> dict[str, Any]:
    """``N [mono|color] [SIZE] [simplex|duplex]`` as a count report."""
    if not args or not DIGITS.match(args[0]):
        raise BadCommand("usage: copy count PAGES [mono|color] [a4|a3|...] [simplex|duplex]"
                         " (PAGES in digits 0-9)")
    pages = int(args[0])
    color, media, duplex = False, SIZES["a4"], False
    for word in (w.lower() for w in args[1:]):
        if word in ("mono", "color", "colour"):
            color = word != "mono"
        elif word in ("simplex", "duplex"):
            duplex = word == "duplex"
        elif word in SIZES:
            media = SIZES[word]
        elif "_" in word and word.isascii():
            media = word
        else:
            raise BadCommand(f"unknown copy option {word!r}")
    return {"seq": seq, "pages": pages, "color_pages": pages if color else 0,
            "media": media, "duplex": duplex}
