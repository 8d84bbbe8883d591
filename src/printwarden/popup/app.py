"""The pop-up's main loop: the channel's events turned into windows on Tk's thread, the
notice cursor saved as notices are shown, answers sent back through the channel."""

from __future__ import annotations

import queue
import sys
import tkinter as tk
from collections.abc import Sequence
from pathlib import Path

from printwarden.popup import identity as stored
from printwarden.popup.channel import Channel, Event
from printwarden.popup.identity import Identity
from printwarden.popup.tray import start_tray
from printwarden.popup.windows import NoticeWindow, QuestionWindow

POLL_MS = 100
#: Exit status when the server refused the token (revoked): sign in again.
EXIT_SIGNED_OUT = 4


class PopupApp:
    def __init__(self, root: tk.Tk, me: Identity, config_dir: Path,
                 servers: Sequence[str] = ()) -> None:
        """``servers``: the ordered server list (failover); default: the identity's."""
        self.root = root
        self.me = me
        self._config_dir = config_dir
        self._events: queue.Queue[Event] = queue.Queue()
        self.channel = Channel(list(servers) or me.server, me.token, me.notice_cursor,
                               self._events)
        self.questions: dict[str, QuestionWindow] = {}
        self.exit_code = 0

    def run(self, *, tray: bool) -> int:
        self.root.withdraw()
        self.root.title("printwarden pop-up")
        icon = start_tray(f"printwarden: {self.me.username}", self._quit_soon) if tray else None
        self.channel.start()
        self.root.after(POLL_MS, self._pump)
        try:
            self.root.mainloop()
        finally:
            self.channel.stop()
            if icon is not None:
                icon.stop()
        return self.exit_code

    def _quit_soon(self) -> None:  # from the tray's thread
        self.root.after(0, self.root.quit)

    def _pump(self) -> None:
        while True:
            try:
                event = self._events.get_nowait()
            except queue.Empty:
                break
            self.handle(event)
        self.root.after(POLL_MS, self._pump)

    def handle(self, event: Event) -> None:
        if event.kind == "question" and event.question is not None:
            if event.question.id not in self.questions:
                self.questions[event.question.id] = QuestionWindow(
                    self.root, event.question, self.channel.answer,
                    lambda: self.channel.skew_seconds, self._gone)
        elif event.kind in ("answered", "closed"):
            window = self.questions.get(event.question_id)
            if window is not None:
                window.close()
        elif event.kind == "error":
            window = self.questions.get(event.question_id)
            if window is not None:
                window.refused(str(event.detail.get("message", "refused")))
        elif event.kind == "notice" and event.notice is not None:
            NoticeWindow(self.root, event.notice)
            self.me = stored.with_cursor(self.me, event.notice.id)
            stored.save(self._config_dir, self.me)
        elif event.kind == "signed-out":
            stored.forget(self._config_dir)
            print("printwarden popup: the server refused the sign-in "
                  f"({event.detail.get('reason', '')}); sign in again with --login",
                  file=sys.stderr)
            self.exit_code = EXIT_SIGNED_OUT
            self.root.quit()
        elif event.kind in ("connected", "disconnected"):
            said = event.detail.get("server" if event.kind == "connected" else "reason", "")
            print(f"printwarden popup: {event.kind} {said}".rstrip(), file=sys.stderr,
                  flush=True)

    def _gone(self, question_id: str) -> None:
        self.questions.pop(question_id, None)


def run(me: Identity, config_dir: Path, *, tray: bool = True,
        servers: Sequence[str] = ()) -> int:
    root = tk.Tk(className="printwarden-popup")
    return PopupApp(root, me, config_dir, servers).run(tray=tray)
