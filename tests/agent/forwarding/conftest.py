"""Real peers for the forwarding tests: ippeveprinter, a private cupsd, test documents."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.peers import EvePrinter, make_pdf, private_cupsd


@pytest.fixture
def pdf(tmp_path: Path) -> Path:
    return make_pdf(tmp_path / "doc.pdf", pages=2)


@pytest.fixture
def binary_doc(tmp_path: Path) -> Path:
    """Bytes with every value, NULs and newlines included: a transport must not touch them."""
    path = tmp_path / "doc.bin"
    path.write_bytes(bytes(range(256)) * 300 + b"\x00\n\r\x1b%-12345X")
    return path


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


@pytest.fixture
def cupsd(eve: EvePrinter) -> Iterator[Cupsd]:
    """A private cupsd (recipe in RECIPES.md) with a raw queue ``sink`` to an ippeveprinter.

    Raw, so CUPS's ipp backend passes the bytes through untouched and the test can compare
    them (a raw queue with a ``file:`` device completed jobs here without writing them)."""
    if not shutil.which("cupsd"):
        pytest.fail("cupsd missing: apt-get install cups")
    if os.geteuid() != 0:
        pytest.fail("the private cupsd recipe needs root (CI runs as root)")
    with private_cupsd() as (root, server):
        added = subprocess.run(
            ["lpadmin", "-h", server, "-p", "sink", "-E",
             "-v", eve.uri, "-m", "raw"],
            capture_output=True, text=True, check=False, timeout=30)
        if added.returncode != 0:
            raise RuntimeError(f"lpadmin failed: {added.stderr}")
        yield Cupsd(root, server, eve)
