"""Real print peers the tests start: ippeveprinter (with the DNS-SD it needs), a private
cupsd's configuration, and helpers to wait for and stop peer processes."""

from __future__ import annotations

import contextlib
import fcntl
import io
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfWriter

from tests.support.postgres import free_port

EVE_FORMATS = "application/pdf,image/pwg-raster,application/postscript"
_AVAHI_NAME = "org.freedesktop.Avahi"


def make_pdf(path: Path, pages: int = 1) -> Path:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    path.write_bytes(buffer.getvalue())
    return path


def wait_port(port: int, proc: subprocess.Popen[bytes], log: Path, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"peer exited: {log.read_text(errors='replace')}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    raise RuntimeError(f"port {port} never opened: {log.read_text(errors='replace')}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


def _bus_call(method: str, *args: str) -> str | None:
    """Call ``org.freedesktop.DBus.method`` on the system bus; None when it does not answer."""
    answer = subprocess.run(
        ["dbus-send", "--system", "--print-reply", "--dest=org.freedesktop.DBus",
         "/org/freedesktop/DBus", f"org.freedesktop.DBus.{method}", *args],
        capture_output=True, text=True, check=False, timeout=10)
    return answer.stdout if answer.returncode == 0 else None


def _start_system_bus() -> None:
    if _bus_call("GetId") is not None:
        return
    run = Path("/run/dbus")
    run.mkdir(parents=True, exist_ok=True)
    for stale in ("pid", "system_bus_socket"):  # left by a bus that was killed
        (run / stale).unlink(missing_ok=True)
    subprocess.run(["dbus-daemon", "--system", "--fork"], capture_output=True, check=False)


def start_dns_sd(timeout: float = 30) -> None:
    """Start the system bus and avahi (as root) and wait until avahi answers on the bus.

    ippeveprinter registers with DNS-SD and exits ("Unable to initialize DNS-SD") when
    avahi is not yet there, so returning as soon as the daemons are forked is not enough.
    They are machine services shared with other tests, so they are left running."""
    if not shutil.which("ippeveprinter"):
        raise RuntimeError("ippeveprinter missing: apt-get install cups-ipp-utils")
    # test processes running side by side (pytest -n) start the daemons one at a time
    with open(Path(tempfile.gettempdir()) / "printwarden-dns-sd.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _start_dns_sd(timeout)


def _start_dns_sd(timeout: float) -> None:
    _start_system_bus()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        owned = _bus_call("NameHasOwner", f"string:{_AVAHI_NAME}")
        if owned is not None and "boolean true" in owned:
            return
        running = subprocess.run(["avahi-daemon", "--check"], capture_output=True, check=False)
        if running.returncode != 0:
            Path("/run/avahi-daemon/pid").unlink(missing_ok=True)
            subprocess.run(["avahi-daemon", "-D", "--no-chroot", "--no-drop-root"],
                           capture_output=True, check=False)
        time.sleep(0.2)
    raise RuntimeError(f"avahi never appeared on the system bus as {_AVAHI_NAME}")


@dataclass
class EvePrinter:
    """One ippeveprinter on a free port; ``spool`` keeps what it received (``-k``)."""

    uri: str
    port: int
    spool: Path
    log: Path
    proc: subprocess.Popen[bytes] | None = None

    def start(self, *, duplex: bool = True, command: str = "/bin/true",
              formats: str = EVE_FORMATS) -> None:
        """``command`` is run per job (its ``STATE: +reason`` stderr lines set reasons).

        TLS is always available on the same port (``ipps://``, a self-signed certificate
        that ippeveprinter makes itself under ``-K``)."""
        keys = self.spool.with_name(self.spool.name + "-keys")
        keys.mkdir(exist_ok=True)
        args = ["ippeveprinter", "-n", "localhost", "-p", str(self.port), "-d", str(self.spool),
                "-K", str(keys), "-k", "-c", command, "-v", "-f", formats]
        if duplex:
            args.append("-2")
        self.proc = subprocess.Popen([*args, f"Test Printer {self.port}"],
                                     stdout=self.log.open("ab"), stderr=subprocess.STDOUT,
                                     start_new_session=True)
        wait_port(self.port, self.proc, self.log)

    def documents(self) -> list[Path]:
        return sorted(p for p in self.spool.iterdir() if p.suffix != ".prn")

    def stop(self) -> None:
        if self.proc is not None:
            stop(self.proc)


def cups_config(root: Path, port: int, log_level: str = "warn") -> None:
    """A private cupsd's two configuration files under ``root`` (recipe in RECIPES.md)."""
    (root / "cupsd.conf").write_text(
        f"Listen 127.0.0.1:{port}\nLogLevel {log_level}\n<Location />\nOrder allow,deny\n"
        "Allow all\n</Location>\nDefaultAuthType None\n<Policy default>\n<Limit All>\n"
        "Order deny,allow\n</Limit>\n</Policy>\n")
    (root / "cups-files.conf").write_text(
        f"RequestRoot {root}/spool\nCacheDir {root}/cache\nStateDir {root}/run\n"
        f"ErrorLog {root}/log/error_log\nAccessLog {root}/log/access_log\n"
        f"PageLog {root}/log/page_log\nServerRoot {root}\nUser lp\nGroup lp\n"
        "FileDevice Yes\n")


@contextlib.contextmanager
def private_cupsd(prefix: str = "pw-cupsd-", *,
                  setup: Callable[[Path], str] | None = None,
                  log_level: str = "warn") -> Iterator[tuple[Path, str]]:
    """A private cupsd (RECIPES.md: no system service, as root) under a fresh root
    directory; yields ``(root, "127.0.0.1:PORT")`` and stops it and removes the root after.

    ``setup(root)`` runs before cupsd starts and answers extra ``cups-files.conf`` lines."""
    root = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        port = free_port()
        for sub in ("spool", "cache", "log", "run"):
            (root / sub).mkdir()
        root.chmod(0o755)
        for sub in ("spool", "cache"):
            shutil.chown(root / sub, "lp", "lp")
        cups_config(root, port, log_level)
        if setup is not None:
            with (root / "cups-files.conf").open("a") as conf:
                conf.write(setup(root))
        log = root / "log" / "stdout"
        proc = subprocess.Popen(["cupsd", "-f", "-c", str(root / "cupsd.conf"),
                                 "-s", str(root / "cups-files.conf")],
                                stdout=log.open("wb"), stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            wait_port(port, proc, log)
            yield root, f"127.0.0.1:{port}"
        finally:
            stop(proc)
    finally:
        shutil.rmtree(root, ignore_errors=True)
