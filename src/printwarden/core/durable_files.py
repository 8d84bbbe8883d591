"""Making a file's arrival survive a crash: fsync the data, rename, fsync the directory.

    replace_durably(part, final)     # part fsynced already; final appears whole or not at all

POSIX only for the directory fsync (Windows cannot open a directory for it; its rename is
already durable on NTFS).
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["fsync_directory", "fsync_file", "replace_durably"]


def fsync_directory(directory: Path) -> None:
    """Make the directory's entries (a rename into it) durable."""
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_file(path: Path) -> None:
    """Make the file's content durable (its data and size)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def replace_durably(temporary: Path, final: Path) -> None:
    """Rename ``temporary`` (fsynced by its writer) to ``final`` and fsync the directory."""
    os.replace(temporary, final)
    fsync_directory(final.parent)
