"""Collect what pypdf reports while it repairs a damaged file (per thread)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class _ThreadHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.thread = threading.get_ident()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            try:
                self.messages.append(record.getMessage())
            except Exception:
                self.messages.append(str(record.msg))


@contextmanager
def pypdf_messages() -> Iterator[list[str]]:
    logger = logging.getLogger("pypdf")
    handler = _ThreadHandler()
    logger.addHandler(handler)
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)


def repair_warnings(messages: list[str]) -> list[str]:
    """Plain-language warnings for the repairs pypdf made."""
    out: list[str] = []
    text = " ".join(messages).lower()
    if any(w in text for w in ("xref", "trailer", "wrong pointing object")):
        out.append("damaged cross-reference table: the file was repaired while reading")
    if "eof" in text:
        out.append("end-of-file marker missing: the file may be truncated")
    return out
