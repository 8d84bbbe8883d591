"""Data files readable by their owner only: 0600 files, 0700 directories.

The data directories hold password hashes, card HMACs, token hashes, e-mail addresses
and job titles. Each role's bootstrap names its private paths; ``secure_paths`` creates
the directories 0700 and, at every start, checks what already exists: a file or
directory that its group or others may access is TIGHTENED (files to 0600, directories
to 0700) and reported, so the caller logs one warning per path. A path that cannot be
tightened (owned by someone else) is reported with ``fixed=False``.

SQLite creates ``-wal``, ``-shm`` and ``-journal`` files with the mode of their database
file, so a database created 0600 (``create_private_file``) keeps them private too.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700
#: The companions SQLite writes next to a database file.
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


@dataclass(frozen=True)
class LooseMode:
    """A path that its group or others could access."""

    path: Path
    mode: int
    fixed: bool

    def describe(self) -> str:
        action = "tightened to" if self.fixed else "could not be tightened to"
        wanted = DIR_MODE if self.path.is_dir() else FILE_MODE
        return f"{self.path} was mode {self.mode:04o}; {action} {wanted:04o}"


def make_private_dir(path: Path) -> None:
    """Create ``path`` (and missing parents) with the directory itself 0700."""
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)


def create_private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600 unless it exists (then leave its contents)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return
    os.close(fd)


def with_sqlite_companions(database: Path) -> list[Path]:
    return [database, *(database.with_name(database.name + s) for s in SQLITE_COMPANIONS)]


def secure_paths(directories: Iterable[Path], files: Iterable[Path]) -> list[LooseMode]:
    """Create ``directories`` 0700; tighten any existing one, or any existing file of
    ``files``, that the group or others may access. Answers what was loose."""
    found: list[LooseMode] = []
    for directory in directories:
        make_private_dir(directory)
        found.extend(_tighten(directory, DIR_MODE))
    for file in files:
        found.extend(_tighten(file, FILE_MODE))
    return found


def _tighten(path: Path, wanted: int) -> list[LooseMode]:
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return []
    if not mode & 0o077:
        return []
    try:
        os.chmod(path, mode & wanted)
    except OSError:
        return [LooseMode(path, mode, fixed=False)]
    return [LooseMode(path, mode, fixed=True)]
