"""Identifiers: ULIDs as 26-character Crockford base32 strings (sortable by creation time)."""

from __future__ import annotations

from ulid import ULID


def new_id() -> str:
    """A fresh ULID string."""
    return str(ULID())


def is_id(value: str) -> bool:
    """True when ``value`` parses as a ULID."""
    try:
        ULID.from_str(value)
    except ValueError:
        return False
    return True
