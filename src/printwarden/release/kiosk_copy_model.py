"""Kiosk copy sessions counted by SNMP: what one is, where its device is read (pure).

A kiosk copy session belongs to one user and ONE device (the kiosk's). It is ``open``
from "Start copy session" until it is closed, once, as ``charged`` (the delta of the
device's counters less the pages of jobs printed there meanwhile, at copy prices) or
``flagged`` (``copy_counting`` would not trust the readings: nothing charged, an
operator decides). Both readings are kept on the session, so a flag can be checked by
hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from printwarden.release.snmp_model import CounterReading

__all__ = ["CLOSE_REASONS", "KioskCopySession", "copies_unavailable", "snmp_host"]

#: Why a session closed: the user ended it, signed out, was idle past the kiosk's idle
#: time (the page or the scheduler's sweep noticed), or someone signed in at the kiosk.
CLOSE_REASONS = ("ended", "signed_out", "idle", "replaced")
#: Device URI schemes whose host is the device itself on the network (its SNMP agent);
#: ``usb``, ``file`` and ``cups`` queues name no address to read.
_NETWORK_SCHEMES = ("ipp", "ipps", "http", "https", "socket", "lpd")


def snmp_host(device_uri: str) -> str | None:
    """The host the server reads a device's counters from: its device URI's host."""
    try:
        parts = urlsplit(device_uri)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in _NETWORK_SCHEMES or not host:
        return None
    return host


def copies_unavailable(*, snmp_enabled: bool, device_uri: str,
                       has_terminal: bool) -> str | None:
    """Why the kiosk offers no copy session at a device (None: it does)."""
    if has_terminal:
        return "copies at this device are counted by its terminal"
    if not snmp_enabled:
        return "this device is not read over SNMP: copies are not counted here"
    if snmp_host(device_uri) is None:
        return "this device has no network address to read its counters from"
    return None


@dataclass(frozen=True)
class KioskCopySession:
    id: str
    device_id: str
    open_device_id: str | None
    user_id: str
    state: str  # "open" | "charged" | "flagged"
    profile: str
    opened_at: datetime
    last_seen_at: datetime
    closed_at: datetime | None
    close_reason: str | None
    reservation_id: str
    price_list_id: str
    limit_minor: int
    currency: str
    start_total: int
    start_mono: int | None
    start_colour: int | None
    start_uptime: int
    start_read_at: datetime
    end_total: int | None
    end_mono: int | None
    end_colour: int | None
    end_uptime: int | None
    end_read_at: datetime | None
    released_mono: int | None
    released_colour: int | None
    mono_pages: int | None
    colour_pages: int | None
    charged_minor: int | None
    flag_reason: str | None
    flag_detail: str | None

    @property
    def is_open(self) -> bool:
        return self.state == "open"

    def idle(self, now: datetime, idle_seconds: int) -> bool:
        return now - self.last_seen_at >= timedelta(seconds=idle_seconds)

    def start_reading(self) -> CounterReading:
        return CounterReading(self.start_total, self.start_mono, self.start_colour,
                              self.start_uptime, self.start_read_at, self.profile)

    def end_reading(self) -> CounterReading | None:
        if self.end_total is None or self.end_uptime is None or self.end_read_at is None:
            return None
        return CounterReading(self.end_total, self.end_mono, self.end_colour,
                              self.end_uptime, self.end_read_at, self.profile)
