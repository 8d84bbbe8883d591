"""The project's virtual printer as a real process a test can stop, kill and restart on the
same port: a printer that is switched off, jams or reboots."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx

from printwarden.virtual_printer.print_log import Printed, PrintLog
from tests.support.postgres import free_port
from tests.support.processes import PRINTWARDEN


class VirtualPrinterProcess:
    """``printwarden virtual-printer`` on a fixed port; ``start``/``kill``/``stop`` at will."""

    def __init__(self, directory: Path, *, delay: float = 0.0, port: int | None = None,
                 log: Path | None = None, keep_history: bool = False) -> None:
        self.keep_history = keep_history
        #: The printer's own record of what it printed (beside its directory).
        self.print_log = directory.parent / f"{directory.name}.printed.jsonl"
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.delay = delay
        self.port = port or free_port()
        self.log = log or directory.parent / f"virtual-printer-{self.port}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def uri(self) -> str:
        return f"ipp://127.0.0.1:{self.port}/ipp/print/virtual"

    def start(self) -> VirtualPrinterProcess:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [*PRINTWARDEN, "virtual-printer", "--dir", str(self.directory),
                 "--port", str(self.port), "--delay", str(self.delay),
                 "--print-log", str(self.print_log),
                 *(["--keep-history"] if self.keep_history else [])],
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        self.starts += 1
        deadline = time.monotonic() + 30
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the virtual printer exited: {self.log.read_text()}")
            try:
                httpx.get(f"http://127.0.0.1:{self.port}/", timeout=1)
                return self
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise RuntimeError("the virtual printer did not answer") from None
                time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: the printer vanishes at once, forgetting its jobs (a power cut)."""
        self._signal(signal.SIGKILL)

    def stop(self) -> None:
        self._signal(signal.SIGTERM)

    def _signal(self, signum: int) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signum)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:  # it did not stop: it is switched off
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        self.proc = None

    def printed(self) -> list[Printed]:
        """Every job the printer ended, from its own log (``PrintLog``)."""
        return PrintLog(self.print_log).entries()

    def documents(self) -> list[Path]:
        """What the printer received, oldest first."""
        return sorted((p for p in self.directory.iterdir()
                       if p.is_file() and not p.name.startswith(".")),
                      key=lambda p: p.stat().st_mtime_ns)
