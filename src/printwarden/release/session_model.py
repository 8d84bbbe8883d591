"""Terminal sessions and copy sessions: what a session is and the rules of count reports.

A terminal serves one person at a time. A session is open from sign-in until sign-out,
a new sign-in at the same terminal, or ``idle`` seconds without a request. A copy session
lives inside it: opened, fed count reports, closed once. Copies cannot overspend: at open
the server reserves what the user may spend (capped by ``copy_session_max_minor``); a
report whose cost would take the session past that reservation is refused (nothing of it
is recorded), and the close settles the reservation at the reported cost.

Reports carry ``seq``, 1, 2, 3... per copy session: a report with the last seq seen is a
harmless repeat (answered, not counted again), a report that skips ahead or goes back
further is refused, so a terminal that lost an answer simply sends the same report again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from printwarden.core.errors import ValidationError

#: Largest page count one report may carry (a day of a fast MFP is a few thousand).
MAX_PAGES_PER_REPORT = 10_000
MAX_SEQ = 1_000_000


@dataclass(frozen=True)
class TerminalSession:
    id: str
    terminal_id: str
    device_id: str
    user_id: str
    opened_at: datetime
    last_seen_at: datetime
    ended_at: datetime | None
    end_reason: str | None
    copy_state: str  # "none" | "open" | "closed"
    copy_reservation_id: str | None
    copy_price_list_id: str | None
    copy_limit_minor: int | None
    copy_cost_minor: int
    copy_charged_minor: int | None
    copy_last_seq: int
    currency: str

    def idle_since(self, now: datetime, idle_seconds: int) -> bool:
        return now - self.last_seen_at >= timedelta(seconds=idle_seconds)


@dataclass(frozen=True)
class CopyReport:
    """One count report: ``pages`` impressions of which ``color_pages`` in colour."""

    seq: int
    pages: int
    color_pages: int
    media: str
    duplex: bool

    def __post_init__(self) -> None:
        for name, value in (("seq", self.seq), ("pages", self.pages),
                            ("color_pages", self.color_pages)):
            if type(value) is not int:
                raise ValidationError(f"{name} must be a whole number")
        if not 1 <= self.seq <= MAX_SEQ:
            raise ValidationError(f"seq must be between 1 and {MAX_SEQ}")
        if not 0 <= self.pages <= MAX_PAGES_PER_REPORT:
            raise ValidationError(f"pages must be between 0 and {MAX_PAGES_PER_REPORT}")
        if not 0 <= self.color_pages <= self.pages:
            raise ValidationError("color_pages must be between 0 and pages")
        if not self.media or len(self.media) > 100 or not self.media.isascii():
            raise ValidationError("media must be a PWG media name of 1 to 100 ASCII "
                                  "characters")


def seq_verdict(report_seq: int, last_seq: int) -> str:
    """``"new"`` (the next one), ``"repeat"`` (the last one again) or ``"out_of_order"``."""
    if report_seq == last_seq + 1:
        return "new"
    if report_seq == last_seq and last_seq > 0:
        return "repeat"
    return "out_of_order"
