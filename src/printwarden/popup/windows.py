"""The pop-up's Tk windows: one per open question (with a countdown to its deadline that
names the default), and one per notice.

Every window is a ``Toplevel`` of one hidden root, built and changed only on Tk's thread
(the app hands channel events over with ``after``). Keys as well as clicks answer: digit
``n`` picks option ``n`` (shown on its button), Return picks the selected account, Escape
closes the window. Closing a question window answers nothing: the server applies the
default at the deadline, exactly as when no pop-up runs (a reconnect shows it again while
it is open).
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from tkinter import ttk

from printwarden.popup.protocol import Notice, Question, money, remaining_seconds

TITLES = {"confirm": "confirm printing", "account": "choose an account",
          "suggest": "a suggestion"}
NOTICE_TITLES = {"denied": "job denied", "low-balance": "low balance",
                 "completed": "job printed", "held": "job held", "expiring": "job expiring",
                 "info": "notice"}
#: Notices that stay until dismissed; the others close themselves.
STICKY_NOTICES = ("denied", "low-balance", "expiring")
NOTICE_SECONDS = 15
Answer = Callable[[str, str], None]


def countdown_text(seconds: int, default_label: str) -> str:
    minutes, rest = divmod(seconds, 60)
    if seconds <= 0:
        return f"Time is up: the server applies {default_label!r}."
    return f"{minutes}:{rest:02d} left; then {default_label!r} applies."


class QuestionWindow:
    def __init__(self, root: tk.Tk, question: Question, answer: Answer,
                 skew: Callable[[], float], on_gone: Callable[[str], None]) -> None:
        self.question = question
        self._answer = answer
        self._skew = skew
        self._on_gone = on_gone
        self.top = tk.Toplevel(root)
        self.top.title(f"printwarden: {TITLES.get(question.kind, question.kind)}")
        self.top.protocol("WM_DELETE_WINDOW", self.close)
        self.top.attributes("-topmost", True)
        frame = ttk.Frame(self.top, padding=14)
        frame.pack(fill="both", expand=True)
        ttk.Label(frame, text=question.text, wraplength=380, font=("TkDefaultFont", 11, "bold"),
                  justify="left").pack(anchor="w")
        ttk.Label(frame, text=f"Job: {question.title}" + (
            f"   (rule: {question.rule})" if question.rule else "")).pack(anchor="w", pady=(6, 0))
        money_line = self._money_line()
        if money_line:
            ttk.Label(frame, text=money_line).pack(anchor="w")
        self._buttons: list[ttk.Button] = []
        self._list: tk.Listbox | None = None
        if question.kind == "account":
            self._account_list(frame)
        else:
            self._option_buttons(frame)
        self._countdown = ttk.Label(frame, text="", foreground="#7a4b00")
        self._countdown.pack(anchor="w", pady=(10, 0))
        self._status = ttk.Label(frame, text="")
        self._status.pack(anchor="w")
        for n, option in enumerate(question.options[:9], start=1):
            self.top.bind(str(n), self._chooser(option.key))
        self.top.bind("<Escape>", lambda _e: self.close())
        self._tick()

    def _money_line(self) -> str:
        q = self.question
        parts = []
        if q.cost_minor is not None:
            parts.append(f"Cost: {money(q.cost_minor, q.currency)}")
        if q.balance_minor is not None:
            parts.append(f"Your balance: {money(q.balance_minor, q.currency)}")
        return "    ".join(parts)

    def _label_of(self, n: int, key: str) -> str:
        option = self.question.option(key)
        assert option is not None
        cost = (f" ({money(option.cost_minor, self.question.currency)})"
                if option.cost_minor is not None and self.question.kind != "confirm" else "")
        default = " (default)" if key == self.question.default else ""
        return f"{n}  {option.label}{cost}{default}"

    def _option_buttons(self, frame: ttk.Frame) -> None:
        row = ttk.Frame(frame)
        row.pack(anchor="w", pady=(10, 0))
        for n, option in enumerate(self.question.options, start=1):
            button = ttk.Button(row, text=self._label_of(n, option.key),
                                command=partial(self.choose, option.key))
            button.pack(side="left", padx=(0, 8))
            self._buttons.append(button)
        if self._buttons:
            self._buttons[0].focus_set()

    def _account_list(self, frame: ttk.Frame) -> None:
        options = self.question.options
        self._list = tk.Listbox(frame, height=min(len(options), 8), width=44,
                                exportselection=False)
        for n, option in enumerate(options, start=1):
            self._list.insert("end", self._label_of(n, option.key))
        default = self.question.keys_index(self.question.default)
        self._list.selection_set(default)
        self._list.activate(default)
        self._list.pack(anchor="w", pady=(10, 0), fill="x")
        self._list.bind("<Double-Button-1>", lambda _e: self._choose_selected())
        self._list.focus_set()
        button = ttk.Button(frame, text="Charge this account", command=self._choose_selected)
        button.pack(anchor="w", pady=(6, 0))
        self._buttons.append(button)
        self.top.bind("<Return>", lambda _e: self._choose_selected())

    def _chooser(self, key: str) -> Callable[[tk.Event[tk.Misc]], None]:
        def chosen(_event: tk.Event[tk.Misc]) -> None:
            self.choose(key)

        return chosen

    def _choose_selected(self) -> None:
        if self._list is None:
            return
        chosen = [n for n in range(self._list.size()) if self._list.selection_includes(n)]
        if chosen:
            self.choose(self.question.options[chosen[0]].key)

    def choose(self, key: str) -> None:
        if not self._buttons or str(self._buttons[0].cget("state")) == "disabled":
            return  # already sent
        for button in self._buttons:
            button.state(["disabled"])
        self._status.configure(text="Sending your answer...")
        self._answer(self.question.id, key)

    def refused(self, message: str) -> None:
        self._status.configure(text=message)
        self.top.after(4000, self.close)

    def _tick(self) -> None:
        if not self.top.winfo_exists():
            return
        left = remaining_seconds(self.question.deadline, datetime.now(UTC), self._skew())
        self._countdown.configure(text=countdown_text(left, self.question.default_label))
        self.top.after(1000, self._tick)

    def close(self) -> None:
        if self.top.winfo_exists():
            self.top.destroy()
        self._on_gone(self.question.id)


class NoticeWindow:
    def __init__(self, root: tk.Tk, notice: Notice) -> None:
        self.top = tk.Toplevel(root)
        self.top.title(f"printwarden: {NOTICE_TITLES.get(notice.kind, 'notice')}")
        self.top.attributes("-topmost", True)
        frame = ttk.Frame(self.top, padding=14)
        frame.pack(fill="both", expand=True)
        ttk.Label(frame, text=notice.text, wraplength=380, justify="left").pack(anchor="w")
        ok = ttk.Button(frame, text="OK", command=self.top.destroy)
        ok.pack(anchor="e", pady=(10, 0))
        ok.focus_set()
        self.top.bind("<Return>", lambda _e: self.top.destroy())
        if notice.kind not in STICKY_NOTICES:
            self.top.after(NOTICE_SECONDS * 1000, self.top.destroy)
