"""Copy sessions at a kiosk, for devices without a terminal: counted by SNMP.

Start: the SERVER reads the device's counters (``SnmpReader``, the device URI's host and
the device's SNMP port, community and profile); no answer, no session (the page says
why). Then, in one transaction, the allowance is reserved (``copy_charges``: what the
user may spend, capped) and the session stored with its start reading. At most one
session is open per device (``open_device_id`` is UNIQUE); a second start by the same
user answers the open one.

Close (the user's "End", sign-out, a new sign-in at the kiosk, or the idle rule applied
by the next kiosk request or the scheduler's sweep): the counters are read again OUTSIDE
any transaction, then the row is locked; if it is still open, ``count_copies`` turns the
two readings and the pages of the jobs printed at the device meanwhile into a charge,
settled once under ``copy:SESSION``, or a flag (reset, restart, implausible wrap,
absurd delta, no answer...) that releases the reservation and charges nothing. A close
that finds the row already closed (a double click, two concurrent ends, the sweep racing
the user) changes nothing and answers the first close.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Coroutine
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from printwarden.core.clock import Clock
from printwarden.core.errors import (
    ConflictError,
    InsufficientFunds,
    NotFoundError,
    ServiceUnavailable,
)
from printwarden.core.ids import new_id
from printwarden.core.money import Money
from printwarden.core.pricing import JobSpec
from printwarden.db.audit import AuditLog
from printwarden.db.engine import Database
from printwarden.devices.device_model import Device
from printwarden.devices.service import DevicesService
from printwarden.ledger.service import LedgerService
from printwarden.release import kiosk_copy_store as store
from printwarden.release.copy_charges import (
    NothingToSpend,
    copy_allowance,
    release_copies_in,
    reserve_copies_in,
    settle_copies_in,
)
from printwarden.release.copy_counting import CopyCharge, CountingLimits, count_copies
from printwarden.release.kiosk_copy_model import (
    KioskCopySession,
    copies_unavailable,
    snmp_host,
)
from printwarden.release.snmp_model import CounterReading, SnmpFailure
from printwarden.release.snmp_profiles import profile_named
from printwarden.release.snmp_reader import SnmpReader, SnmpTarget
from printwarden.release.tables import kiosk_copy_sessions as table

__all__ = ["DEFAULT_COPY_MEDIA", "CopiesUnavailable", "CountersUnreadable", "KioskCopies",
           "SnmpOptions"]

T = TypeVar("T")
SWEEP_BATCH = 200
#: Copies are priced as simplex pages of this size when the device states none: a life
#: counter counts impressions, not sizes.
DEFAULT_COPY_MEDIA = "iso_a4_210x297mm"


class CopiesUnavailable(ConflictError):
    code = "copies_unavailable"


class CountersUnreadable(ServiceUnavailable):
    code = "snmp_unreachable"


@dataclass(frozen=True)
class SnmpOptions:
    timeout_seconds: float = 2.0
    retries: int = 1


class KioskCopies:
    def __init__(self, db: Database, clock: Clock, audit: AuditLog, *,
                 ledger: LedgerService, devices: DevicesService, snmp: SnmpReader,
                 idle_seconds: int, cap_minor: int, limits: CountingLimits | None = None,
                 options: SnmpOptions | None = None) -> None:
        self._db = db
        self._clock = clock
        self._audit = audit
        self._ledger = ledger
        self._devices = devices
        self._snmp = snmp
        self.idle_seconds = idle_seconds
        self._cap = cap_minor
        self._limits = limits or CountingLimits()
        self._options = options or SnmpOptions()

    # --- what the kiosk shows ------------------------------------------------------------

    def unavailable(self, device: Device) -> str | None:
        """Why the kiosk of ``device`` offers no copy session (None: it does)."""
        terminal = self._db.read(lambda conn: store.has_terminal(conn, device.id))
        return copies_unavailable(snmp_enabled=device.snmp_enabled,
                                  device_uri=device.device_uri, has_terminal=terminal)

    def get(self, session_id: str) -> KioskCopySession:
        return self._db.read(lambda conn: store.load(conn, session_id))

    def open_for(self, user_id: str, device_id: str) -> KioskCopySession | None:
        """The user's open session at the device, its idle clock restarted (a kiosk
        request of that user is activity)."""
        found = self._db.read(lambda conn: store.open_at(conn, device_id))
        if found is None or found.user_id != user_id:
            return None  # the common case: a read only
        now = self._clock.now()
        self._db.write(lambda conn: conn.execute(
            table.update().where(table.c.id == found.id, table.c.state == "open")
            .values(last_seen_at=now)))
        return replace(found, last_seen_at=now)

    def flags(self, limit: int = 100) -> list[KioskCopySession]:
        return self._db.read(lambda conn: store.flagged(conn, max(1, min(limit, 500))))

    def count_flags(self) -> int:
        return self._db.read(store.count_flagged)

    # --- start -----------------------------------------------------------------------------

    def start(self, user_id: str, device: Device) -> KioskCopySession:
        why = self.unavailable(device)
        if why is not None:
            raise CopiesUnavailable(why)
        existing = self._db.read(lambda conn: store.open_at(conn, device.id))
        if existing is not None:
            return _same_user(existing, user_id)  # a repeated start is harmless
        try:
            allowance = copy_allowance(self._ledger, user_id, self._cap)
        except NothingToSpend as error:
            # a concurrent start at this device may have reserved the whole allowance
            # between the look for an open session above and this read of the balance
            return self._winner_at(device, user_id, error)
        reading = self._read(device)
        if isinstance(reading, SnmpFailure):
            raise CountersUnreadable(f"the device's counters could not be read "
                                     f"({reading.detail}): no copy session was opened")
        session_id = new_id()
        now = self._clock.now()

        def write(conn: Connection) -> KioskCopySession:
            raced = store.open_at(conn, device.id)
            if raced is not None:  # a concurrent start committed first
                return _same_user(raced, user_id)
            reservation = reserve_copies_in(conn, self._ledger, session_id, user_id,
                                            allowance, actor="kiosk")
            conn.execute(table.insert().values(
                id=session_id, device_id=device.id, open_device_id=device.id,
                user_id=user_id, state="open", profile=reading.profile, opened_at=now,
                last_seen_at=now, reservation_id=reservation.id,
                price_list_id=allowance.price_list.id, limit_minor=allowance.limit.minor,
                currency=allowance.limit.currency, start_total=reading.total,
                start_mono=reading.mono, start_colour=reading.colour,
                start_uptime=reading.uptime, start_read_at=reading.read_at))
            self._audit.record_in(conn, f"user:{user_id}", "copy.kiosk_open", session_id,
                                  device_id=device.id, reserved=allowance.limit.format(),
                                  counter=reading.total)
            return store.load(conn, session_id)

        try:
            return self._db.write(write)
        except (IntegrityError, InsufficientFunds) as error:
            # a concurrent start at this device won (PostgreSQL: its row or its hold on the
            # same accounts committed while this one waited)
            return self._winner_at(device, user_id, error)

    def _winner_at(self, device: Device, user_id: str,
                   error: Exception) -> KioskCopySession:
        """The session a concurrent start opened at ``device``; with none, ``error``
        stands."""
        winner = self._db.read(lambda conn: store.open_at(conn, device.id))
        if winner is None:
            raise error
        return _same_user(winner, user_id)

    # --- close -----------------------------------------------------------------------------

    def end(self, user_id: str, device: Device, session_id: str) -> KioskCopySession:
        """The user's "End copy session" at the kiosk of ``device``: a session of another
        user or device reads as no session; ending a closed one answers its result."""
        session = self._db.read(lambda conn: store.find(conn, session_id))
        if session is None or session.user_id != user_id or session.device_id != device.id:
            raise NotFoundError("no such copy session at this kiosk")
        return self._close(session, device, reason="ended", actor=f"user:{user_id}")

    def close_open_at(self, device: Device, *, reason: str) -> KioskCopySession | None:
        """Close whatever session is open at the device (a sign-out, a new sign-in)."""
        session = self._db.read(lambda conn: store.open_at(conn, device.id))
        if session is None:
            return None
        return self._close(session, device, reason=reason, actor="kiosk")

    def close_idle_at(self, device: Device) -> KioskCopySession | None:
        """Close the device's open session if it is idle past the kiosk's idle time."""
        session = self._db.read(lambda conn: store.open_at(conn, device.id))
        if session is None or not session.idle(self._clock.now(), self.idle_seconds):
            return None
        return self._close(session, device, reason="idle", actor="scheduler")

    def sweep_idle(self) -> int:
        """Close sessions idle past the kiosk's idle time; answers how many."""
        cutoff = self._clock.now() - timedelta(seconds=self.idle_seconds)
        ids = self._db.read(lambda conn: store.idle_ids(conn, cutoff, SWEEP_BATCH))
        for session_id in ids:
            session = self.get(session_id)
            self._close(session, self._devices.get_device(session.device_id), reason="idle",
                        actor="scheduler")
        return len(ids)

    def _close(self, session: KioskCopySession, device: Device, *, reason: str,
               actor: str) -> KioskCopySession:
        if not session.is_open:
            return session
        end = self._read(device, profile=session.profile)  # outside any transaction

        def write(conn: Connection) -> KioskCopySession:
            locked = store.load(conn, session.id, lock=True)
            if not locked.is_open:
                return locked  # closed meanwhile: that close stands
            now = self._clock.now()
            reading = end if isinstance(end, CounterReading) else None
            released = store.released_pages(conn, device.id, locked.start_read_at,
                                             reading.read_at if reading else now)
            profile = profile_named(locked.profile)
            result = count_copies(locked.start_reading(), reading, released, profile,
                                  self._limits)
            values: dict[str, Any] = {
                "open_device_id": None, "closed_at": now, "close_reason": reason,
                "released_mono": released.mono, "released_colour": released.colour}
            if reading is not None:
                values.update(end_total=reading.total, end_mono=reading.mono,
                              end_colour=reading.colour, end_uptime=reading.uptime,
                              end_read_at=reading.read_at)
            if isinstance(result, CopyCharge):
                values.update(self._charge_in(conn, locked, device, result, actor))
            else:
                detail = (f"{result.detail}: {end.detail}" if isinstance(end, SnmpFailure)
                          else result.detail)
                release_copies_in(conn, self._ledger, locked.id, locked.reservation_id,
                                  actor=actor)
                values.update(state="flagged", charged_minor=0, flag_reason=result.reason,
                              flag_detail=detail[:500])
                self._audit.record_in(conn, actor, "copy.flag", locked.id,
                                      device_id=device.id, user_id=locked.user_id,
                                      reason=result.reason, detail=detail[:500])
            conn.execute(table.update().where(table.c.id == locked.id,
                                              table.c.state == "open").values(**values))
            return store.load(conn, locked.id)

        return self._db.write(write)

    def _charge_in(self, conn: Connection, session: KioskCopySession, device: Device,
                   charge: CopyCharge, actor: str) -> dict[str, Any]:
        media = device.media_supported[0] if device.media_supported else DEFAULT_COPY_MEDIA
        pages = charge.mono + charge.colour
        cost = self._ledger.cost_in(conn, session.price_list_id, JobSpec(
            media=media, pages=pages, color_pages=charge.colour)).total
        settlement = settle_copies_in(conn, self._ledger, session.id, session.reservation_id,
                                      Money(cost.minor, session.currency), actor=actor)
        self._audit.record_in(conn, actor, "copy.close", session.id, device_id=device.id,
                              user_id=session.user_id, charged=settlement.charged.format(),
                              mono=charge.mono, colour=charge.colour,
                              device_pages=charge.device_pages,
                              released_pages=charge.released_pages)
        return {"state": "charged", "mono_pages": charge.mono, "colour_pages": charge.colour,
                "charged_minor": settlement.charged.minor}

    # --- SNMP ------------------------------------------------------------------------------

    def _read(self, device: Device, *, profile: str | None = None,
              ) -> CounterReading | SnmpFailure:
        host = snmp_host(device.device_uri)
        if not device.snmp_enabled or host is None:
            return SnmpFailure("unreachable", f"device {device.name} is not read over SNMP")
        try:
            target = SnmpTarget(host, port=device.snmp_port, community=device.snmp_community,
                                timeout_seconds=self._options.timeout_seconds,
                                retries=self._options.retries)
        except ValueError as exc:
            return SnmpFailure("error", str(exc))
        counters = profile_named(profile or device.snmp_profile)
        return _run(self._snmp.read_counters(target, counters))


def _same_user(session: KioskCopySession, user_id: str) -> KioskCopySession:
    if session.user_id != user_id:
        raise ConflictError("another person's copy session is open at this device")
    return session


def _run(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to its end from synchronous code (a worker thread of the web server,
    the scheduler); from inside a running event loop, on a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()

