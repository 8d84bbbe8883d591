"""Terminals: the card/PIN station bound to one device, and its enrolment codes.

A terminal acts only at its own device: every terminal request names no device, the
server takes it from the terminal's row. Tokens are ``pwt_`` + 32 URL-safe characters;
only their SHA-256 is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

TERMINAL_TOKEN_PREFIX = "pwt_"
TERMINAL_ROLE = "terminal"


@dataclass(frozen=True)
class Terminal:
    id: str
    device_id: str
    hostname: str
    version: str
    enrolled_at: datetime
    last_seen_at: datetime | None
    status: str  # "active" | "revoked"

    @property
    def active(self) -> bool:
        return self.status == "active"


@dataclass(frozen=True)
class TerminalCode:
    id: str
    device_id: str
    created_at: datetime
    expires_at: datetime
    created_by: str
    used_at: datetime | None = None
    used_by_terminal_id: str | None = None
