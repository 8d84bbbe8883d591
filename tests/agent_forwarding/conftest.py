"""Real peers for the forwarding tests: ippeveprinter, a private cupsd, test documents."""

from __future__ import annotations

import contextlib
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

import pytest
from pypdf import PdfWriter

from tests.support.postgres import free_port


def make_pdf(path: Path, pages: int = 1) -> Path:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    path.write_bytes(buffer.getvalue())
    return path


@pytest.fixture
def pdf(tmp_path: Path) -> Path:
    return make_pdf(tmp_path / "doc.pdf", pages=2)


@pytest.fixture
def binary_doc(tmp_path: Path) -> Path:
    """Bytes with every value, NULs and newlines included: a transport must not touch them."""
    path = tmp_path / "doc.bin"
    path.write_bytes(bytes(range(256)) * 300 + b"\x00\n\r\x1b%-12345X")
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


@pytest.fixture(scope="session")
def dns_sd() -> None:
    """ippeveprinter registers with DNS-SD: the system bus and avahi must run (as root).

    They are machine services shared with other tests, so they are left running."""
    if not shutil.which("ippeveprinter"):
        pytest.fail("ippeveprinter missing: apt-get install cups-ipp-utils")
    Path("/run/dbus").mkdir(parents=True, exist_ok=True)
    subprocess.run(["dbus-daemon", "--system", "--fork"], capture_output=True, check=False)
    subprocess.run(["avahi-daemon", "-D", "--no-chroot", "--no-drop-root"],
                   capture_output=True, check=False)


@dataclass
class EvePrinter:
    uri: str
    port: int
    spool: Path
    log: Path
    proc: subprocess.Popen[bytes] | None = None

    def start(self, *, duplex: bool = True, command: str = "/bin/true") -> None:
        """``command`` is run per job (its ``STATE: +reason`` stderr lines set reasons).

        TLS is always available on the same port (``ipps://``, a self-signed certificate
        that ippeveprinter makes itself under ``-K``)."""
        keys = self.spool.with_name(self.spool.name + "-keys")
        keys.mkdir(exist_ok=True)
        args = ["ippeveprinter", "-n", "localhost", "-p", str(self.port), "-d", str(self.spool),
                "-K", str(keys), "-k", "-c", command, "-v",
                "-f", "application/pdf,image/pwg-raster,application/postscript"]
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


@pytest.fixture
def eve_factory(dns_sd: None, tmp_path: Path) -> Iterator[Callable[[], EvePrinter]]:
    """Makes (not yet started) ippeveprinters on free ports; all are stopped at the end."""
    made: list[EvePrinter] = []

    def make() -> EvePrinter:
        port = free_port()
        spool = tmp_path / f"eve-{port}"
        spool.mkdir()
        printer = EvePrinter(f"ipp://127.0.0.1:{port}/ipp/print", port, spool,
                             tmp_path / f"eve-{port}.log")
        made.append(printer)
        return printer

    try:
        yield make
    finally:
        for printer in made:
            printer.stop()


@pytest.fixture
def eve(eve_factory: Callable[[], EvePrinter]) -> EvePrinter:
    printer = eve_factory()
    printer.start()
    return printer


@dataclass
class Cupsd:
    root: Path
    server: str
    printer: EvePrinter
    """The device behind the raw queue ``sink``."""


def _cups_config(root: Path, port: int) -> None:
    (root / "cupsd.conf").write_text(
        f"Listen 127.0.0.1:{port}\nLogLevel warn\n<Location />\nOrder allow,deny\n"
        "Allow all\n</Location>\nDefaultAuthType None\n<Policy default>\n<Limit All>\n"
        "Order deny,allow\n</Limit>\n</Policy>\n")
    (root / "cups-files.conf").write_text(
        f"RequestRoot {root}/spool\nCacheDir {root}/cache\nStateDir {root}/run\n"
        f"ErrorLog {root}/log/error_log\nAccessLog {root}/log/access_log\n"
        f"PageLog {root}/log/page_log\nServerRoot {root}\nUser lp\nGroup lp\n"
        "FileDevice Yes\n")


@pytest.fixture
def cupsd(eve: EvePrinter) -> Iterator[Cupsd]:
    """A private cupsd (recipe in RECIPES.md) with a raw queue ``sink`` to an ippeveprinter.

    Raw, so CUPS's ipp backend passes the bytes through untouched and the test can compare
    them (a raw queue with a ``file:`` device completed jobs here without writing them)."""
    if not shutil.which("cupsd"):
        pytest.fail("cupsd missing: apt-get install cups")
    if os.geteuid() != 0:
        pytest.fail("the private cupsd recipe needs root (CI runs as root)")
    root = Path(tempfile.mkdtemp(prefix="pw-cupsd-"))
    port = free_port()
    for sub in ("spool", "cache", "log", "run"):
        (root / sub).mkdir()
    root.chmod(0o755)
    for sub in ("spool", "cache"):
        shutil.chown(root / sub, "lp", "lp")
    _cups_config(root, port)
    log = root / "log" / "stdout"
    proc = subprocess.Popen(["cupsd", "-f", "-c", str(root / "cupsd.conf"),
                             "-s", str(root / "cups-files.conf")],
                            stdout=log.open("wb"), stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        wait_port(port, proc, log)
        server = f"127.0.0.1:{port}"
        added = subprocess.run(
            ["lpadmin", "-h", server, "-p", "sink", "-E",
             "-v", eve.uri, "-m", "raw"],
            capture_output=True, text=True, check=False, timeout=30)
        if added.returncode != 0:
            raise RuntimeError(f"lpadmin failed: {added.stderr}")
        yield Cupsd(root, server, eve)
    finally:
        stop(proc)
        shutil.rmtree(root, ignore_errors=True)
