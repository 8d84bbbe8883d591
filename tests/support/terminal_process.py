"""``printwarden terminal --script -`` as a real process: one command in, one JSON out.

The terminal is given an ordered server list (preferred first) and a short recheck
interval, so a failover test sees it leave a cut server and come back to it soon."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import threading
from pathlib import Path
from typing import Any

from tests.agent.e2e.support import WAIT
from tests.support.processes import PRINTWARDEN

__all__ = ["RECHECK_SECONDS", "TerminalProcess"]

#: How often a terminal off its preferred server probes it again, in these tests.
RECHECK_SECONDS = 0.2


class TerminalProcess:
    """``printwarden terminal --script -`` kept running: one command in, one JSON out."""

    def __init__(self, servers: list[str], data_dir: Path, code: str) -> None:
        args = [*PRINTWARDEN, "terminal", "--data-dir", str(data_dir), "--script", "-",
                "--enrol", code, "--recheck-seconds", str(RECHECK_SECONDS)]
        for url in servers:
            args += ["--server", url]
        env = {k: v for k, v in os.environ.items() if not k.startswith("PRINTWARDEN_")}
        self.log = data_dir.parent / f"{data_dir.name}.log"
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=log, text=True, bufsize=1, env=env,
                                         start_new_session=True)
        self._lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.put(line)

    def run(self, command: str) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        try:
            answer: dict[str, Any] = json.loads(self._lines.get(timeout=WAIT))
        except queue.Empty:
            raise AssertionError(f"no answer to {command!r}: "
                                 f"{self.log.read_text(errors='replace')}") from None
        return answer

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
