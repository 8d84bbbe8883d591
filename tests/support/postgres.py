"""A throwaway PostgreSQL cluster for the test session (initdb + pg_ctl; as `postgres` if root)."""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

#: Ports already handed out by this process (a port is handed out once).
_HANDED_OUT: set[int] = set()


def _port_slice() -> range:
    """The ports this test worker picks from: below the kernel's ephemeral range, where
    no outgoing connection takes a port between a pick and the bind of the process it
    was picked for (a port the kernel picked with ``bind(0)`` could be), and a slice of
    its own per xdist worker, so that two workers never pick the same port."""
    low = 32768
    with contextlib.suppress(OSError, ValueError):
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    first, last = 10000, max(low, 12000)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") or 1)
    index = int(worker) if worker.isdigit() else 0
    size = (last - first) // max(count, 1)
    return range(first + index * size, first + (index + 1) * size)


def free_port() -> int:
    """A port free now on 127.0.0.1 that this process has not handed out before."""
    ports = _port_slice()
    for _ in range(1000):
        port = random.choice(ports)
        if port in _HANDED_OUT:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _HANDED_OUT.add(port)
        return port
    raise RuntimeError(f"no free port in {ports}")


def free_ports(count: int) -> int:
    """A port such that it and the ``count - 1`` after it are free (the demo's server,
    agent and printer take PORT, PORT+1, PORT+2)."""
    for _ in range(200):
        base = free_port()
        if base + count > 65535:
            continue
        taken = False
        for port in range(base + 1, base + count):
            with socket.socket() as sock:
                try:
                    sock.bind(("127.0.0.1", port))
                except OSError:
                    taken = True
                    break
        if not taken:
            _HANDED_OUT.update(range(base, base + count))
            return base
    raise RuntimeError(f"no {count} free consecutive ports")


def _pg_bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(candidate)
    raise RuntimeError(f"PostgreSQL program {name!r} not found: install the postgresql package")


class PostgresCluster:
    """initdb, start on a free loopback port, stop and remove on ``stop``.

    The tests run it with ``fsync=off`` (nothing they check needs a durable disk, and it
    is much faster); a benchmark that measures commits asks for ``fsync=True``."""

    def __init__(self, *, fsync: bool = False) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="pw-pg-"))
        self.port = free_port()
        self.fsync = fsync
        self._as_postgres = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        cmd = list(args)
        if self._as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def start(self) -> None:
        if self._as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
        data = self.root / "data"
        self._run(_pg_bin("initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
                  "--no-sync", "-E", "UTF8")
        fsync = "on" if self.fsync else "off"
        options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
                   f"-c fsync={fsync} -c max_connections=200 -c shared_buffers=128MB")
        self._run(_pg_bin("pg_ctl"), "-D", str(data), "-o", options,
                  "-l", str(self.root / "log"), "-w", "start")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.1)
        raise RuntimeError("PostgreSQL did not start")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        try:
            self._run(_pg_bin("pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
