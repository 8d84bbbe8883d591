"""Terminal sessions: sign in at a terminal, held jobs at its device, copy sessions.

The device is always the terminal's own (``terminals.device_id``): a session is opened
for a terminal, carries that device, and every call checks that the session belongs to
the calling terminal, so a token of one device can never act at another.

Money (``copy_charges.py``, shared with kiosk copy sessions): a copy session reserves at
open what the user may spend (capped by the ``copy_session_max_minor`` setting) under the
idempotency key ``copy-reserve:SESSION``;
reports past that reservation are refused; the close settles the reservation at the
reported cost under ``copy:SESSION``, in the same transaction that marks the copy session
closed (the row is locked first), so concurrent or repeated closes charge once. An idle
session (no request for ``idle_seconds``) is ended by the next request or the scheduler's
sweep, which closes its copy session and charges what was reported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from printwarden.accounts.service import AccountsService
from printwarden.core.clock import Clock
from printwarden.core.errors import (
    ConflictError,
    NotFoundError,
    ValidationError,
)
from printwarden.core.ids import new_id
from printwarden.core.money import Money
from printwarden.core.principal import Principal
from printwarden.db.audit import AuditLog
from printwarden.db.engine import Database
from printwarden.ledger.model import JobSpec
from printwarden.ledger.service import LedgerService
from printwarden.release.card_registration import by_card, register_card
from printwarden.release.copy_charges import (
    NothingToSpend,
    Spending,
    copy_allowance,
    reserve_copies_in,
    settle_copies_in,
    spending,
)
from printwarden.release.held_jobs import HeldJob, ReleaseOutcome
from printwarden.release.service import ReleaseService
from printwarden.release.session_model import CopyReport, TerminalSession, seq_verdict
from printwarden.release.tables import copy_reports, terminal_sessions
from printwarden.release.terminal_answers import TerminalAnswers
from printwarden.release.terminals import TerminalService

SIGN_IN_METHODS = ("card", "card_pin", "username_pin", "username_password", "id_number",
                   "register_card")
SWEEP_BATCH = 200


class SessionEnded(ConflictError):
    code = "session_ended"


class CopyLimitReached(ConflictError):
    code = "copy_limit_reached"


@dataclass(frozen=True)
class CopyClose:
    session: TerminalSession
    charged: Money
    pages: int
    color_pages: int


class TerminalSessions:
    def __init__(self, db: Database, clock: Clock, audit: AuditLog, *,
                 terminals: TerminalService, accounts: AccountsService,
                 ledger: LedgerService, release: ReleaseService, idle_seconds: int,
                 copy_cap_minor: int, card_self_registration: bool = False) -> None:
        self._db = db
        self._clock = clock
        self._audit = audit
        self._terminals = terminals
        self._accounts = accounts
        self._ledger = ledger
        self._release = release
        self.idle_seconds = idle_seconds
        self._cap = copy_cap_minor
        self.card_self_registration = card_self_registration
        #: Answers kept under the terminals' Idempotency-Keys (retries after failover).
        self.answers = TerminalAnswers(db, clock)

    # --- sign in and out -------------------------------------------------------------------

    def sign_in(self, terminal: Principal, method: str, *, card: str = "", pin: str = "",
                username: str = "", password: str = "", id_number: str = "",
                source: str = "") -> TerminalSession:
        """Authenticate a person at the terminal; ends the terminal's previous session."""
        bound = self._terminals.get_terminal(terminal.id)
        where = {"terminal": f"terminal:{bound.id}", "source": source}
        accounts = self._accounts
        if method in ("card", "card_pin"):
            user = by_card(lambda: accounts.authenticate_card(card, **where)
                           if method == "card"
                           else accounts.authenticate_card_and_pin(card, pin, **where),
                           with_pin=method == "card_pin",
                           self_registration=self.card_self_registration)
        elif method == "register_card":
            user = register_card(self._accounts, self._audit,
                                 allowed=self.card_self_registration, card=card,
                                 username=username, password=password, **where)
        elif method == "username_pin":
            user = accounts.authenticate_username_and_pin(username, pin, **where)
        elif method == "username_password":
            user = accounts.authenticate_password(username, password, **where)
        elif method == "id_number":
            user = accounts.authenticate_id_number(id_number, **where)
        else:
            raise ValidationError(f"method must be one of {', '.join(SIGN_IN_METHODS)}")
        for previous in self._open_of_terminal(bound.id):
            self.end(previous.id, reason="replaced")
        now = self._clock.now()
        session_id = new_id()

        def write(conn: Connection) -> TerminalSession:
            conn.execute(terminal_sessions.insert().values(
                id=session_id, terminal_id=bound.id, device_id=bound.device_id,
                user_id=user.id, opened_at=now, last_seen_at=now, copy_state="none",
                copy_cost_minor=0, copy_last_seq=0, currency=self._ledger.currency))
            self._audit.record_in(conn, user.username, "terminal.sign_in", session_id,
                                  terminal_id=bound.id, device_id=bound.device_id,
                                  method=method)
            return _load(conn, session_id)

        return self._db.write(write)

    def sign_out(self, terminal: Principal, session_id: str) -> TerminalSession:
        self._mine(terminal, session_id)
        return self.end(session_id, reason="signed_out")

    def end(self, session_id: str, *, reason: str) -> TerminalSession:
        """End the session (closing and charging its copy session); a repeat is harmless."""

        def write(conn: Connection) -> TerminalSession:
            session = _load(conn, session_id, lock=True)
            if session.ended_at is not None:
                return session
            if session.copy_state == "open":
                self._close_copy_in(conn, session, actor="terminal" if reason ==
                                    "signed_out" else "scheduler")
            conn.execute(terminal_sessions.update()
                         .where(terminal_sessions.c.id == session_id,
                                terminal_sessions.c.ended_at.is_(None))
                         .values(ended_at=self._clock.now(), end_reason=reason))
            return _load(conn, session_id)

        return self._db.write(write)

    def sweep_idle(self) -> int:
        """End sessions idle past the timeout (their copy sessions charged); how many."""
        cutoff = self._clock.now() - timedelta(seconds=self.idle_seconds)
        ids = self._db.read(lambda conn: [row.id for row in conn.execute(
            sa.select(terminal_sessions.c.id)
            .where(terminal_sessions.c.ended_at.is_(None),
                   terminal_sessions.c.last_seen_at <= cutoff)
            .limit(SWEEP_BATCH))])
        for session_id in ids:
            self.end(session_id, reason="idle")
        self.answers.sweep()
        return len(ids)

    # --- a session's requests ------------------------------------------------------------------

    def current(self, terminal: Principal, session_id: str) -> TerminalSession:
        """The open session of this terminal (SessionEnded when over, idle counts)."""
        session = self._mine(terminal, session_id)
        now = self._clock.now()
        if session.ended_at is None and session.idle_since(now, self.idle_seconds):
            session = self.end(session_id, reason="idle")
        if session.ended_at is not None:
            raise SessionEnded(f"this session ended ({session.end_reason}): sign in again")
        self._db.write(lambda conn: conn.execute(
            terminal_sessions.update().where(terminal_sessions.c.id == session_id)
            .values(last_seen_at=now)))
        return replace(session, last_seen_at=now)

    def spending(self, user_id: str) -> Spending:
        return spending(self._ledger, user_id)

    def held_jobs(self, terminal: Principal, session_id: str) -> list[HeldJob]:
        session = self.current(terminal, session_id)
        return self._release.held_jobs(session.user_id, device_id=session.device_id)

    def release(self, terminal: Principal, session_id: str,
                job_ids: Sequence[str] | None) -> list[ReleaseOutcome]:
        session = self.current(terminal, session_id)
        return self._release.release(self._user(session), session.device_id, job_ids)

    def release_on_sign_in(self, session: TerminalSession) -> list[ReleaseOutcome]:
        """For the session ``sign_in`` just opened (no second read of it): the held jobs
        its device releases by itself (``ReleaseService.release_on_sign_in``; nothing
        unless the device says so)."""
        return self._release.release_on_sign_in(self._user(session), session.device_id)

    def delete(self, terminal: Principal, session_id: str,
               job_ids: Sequence[str] | None) -> list[ReleaseOutcome]:
        session = self.current(terminal, session_id)
        return self._release.delete(self._user(session), job_ids)

    # --- copy sessions -------------------------------------------------------------------------

    def copy_open(self, terminal: Principal, session_id: str) -> TerminalSession:
        session = self.current(terminal, session_id)
        if session.copy_state == "open":
            return session  # a repeated open is harmless
        if session.copy_state == "closed":
            raise ConflictError("this session's copy session is closed: sign in again "
                                "to copy more")
        try:
            allowance = copy_allowance(self._ledger, session.user_id, self._cap)
        except NothingToSpend:
            # a concurrent open of this session may have reserved the whole allowance
            # since the read above
            again = self._db.read(lambda conn: _load(conn, session_id))
            if again.copy_state == "open":
                return again
            raise

        def write(conn: Connection) -> TerminalSession:
            locked = _load(conn, session_id, lock=True)
            if locked.copy_state != "none":
                return locked
            reservation = reserve_copies_in(conn, self._ledger, session_id, session.user_id,
                                            allowance, actor="terminal")
            conn.execute(terminal_sessions.update()
                         .where(terminal_sessions.c.id == session_id)
                         .values(copy_state="open", copy_reservation_id=reservation.id,
                                 copy_price_list_id=allowance.price_list.id,
                                 copy_limit_minor=allowance.limit.minor))
            return _load(conn, session_id)

        return self._db.write(write)

    def copy_report(self, terminal: Principal, session_id: str,
                    report: CopyReport) -> tuple[TerminalSession, bool]:
        """Record a count report; answers the session and whether it was new."""
        self.current(terminal, session_id)

        def write(conn: Connection) -> tuple[TerminalSession, bool]:
            session = _load(conn, session_id, lock=True)
            if session.copy_state != "open":
                raise ConflictError("no open copy session: 'copy open' first")
            verdict = seq_verdict(report.seq, session.copy_last_seq)
            if verdict == "repeat":
                return session, False
            if verdict == "out_of_order":
                raise ConflictError(f"report {report.seq} is out of order: the next one is "
                                    f"{session.copy_last_seq + 1}")
            spec = JobSpec(media=report.media, pages=report.pages,
                           color_pages=report.color_pages, copies=1, duplex=report.duplex)
            cost = self._ledger.cost_in(conn, session.copy_price_list_id, spec).total.minor
            limit = session.copy_limit_minor or 0
            if session.copy_cost_minor + cost > limit:
                total = Money(session.copy_cost_minor + cost, session.currency)
                raise CopyLimitReached(
                    f"this would cost {total.format()}, more than the "
                    f"{Money(limit, session.currency).format()} this copy session may "
                    "spend: stop copying")
            conn.execute(copy_reports.insert().values(
                session_id=session_id, seq=report.seq, pages=report.pages,
                color_pages=report.color_pages, media=report.media, duplex=report.duplex,
                cost_minor=cost, created_at=self._clock.now()))
            conn.execute(terminal_sessions.update()
                         .where(terminal_sessions.c.id == session_id)
                         .values(copy_last_seq=report.seq,
                                 copy_cost_minor=session.copy_cost_minor + cost))
            return _load(conn, session_id), True

        return self._db.write(write)

    def copy_close(self, terminal: Principal, session_id: str) -> CopyClose:
        """Close and charge once; a repeated close answers the first charge."""
        self._mine(terminal, session_id)

        def write(conn: Connection) -> CopyClose:
            session = _load(conn, session_id, lock=True)
            if session.copy_state == "none":
                raise ConflictError("no copy session was opened")
            if session.copy_state == "open":
                session = self._close_copy_in(conn, session, actor="terminal")
            return self._summary(conn, session)

        return self._db.write(write)

    def _close_copy_in(self, conn: Connection, session: TerminalSession, *,
                       actor: str) -> TerminalSession:
        assert session.copy_reservation_id is not None
        settlement = settle_copies_in(
            conn, self._ledger, session.id, session.copy_reservation_id,
            Money(session.copy_cost_minor, session.currency), actor=actor)
        conn.execute(terminal_sessions.update()
                     .where(terminal_sessions.c.id == session.id,
                            terminal_sessions.c.copy_state == "open")
                     .values(copy_state="closed", copy_charged_minor=settlement.charged.minor))
        self._audit.record_in(conn, actor, "copy.close", session.id,
                              charged=settlement.charged.format(), device_id=session.device_id)
        return _load(conn, session.id)

    def _summary(self, conn: Connection, session: TerminalSession) -> CopyClose:
        totals = conn.execute(
            sa.select(sa.func.coalesce(sa.func.sum(copy_reports.c.pages), 0),
                      sa.func.coalesce(sa.func.sum(copy_reports.c.color_pages), 0))
            .where(copy_reports.c.session_id == session.id)).one()
        return CopyClose(session, Money(session.copy_charged_minor or 0, session.currency),
                         int(totals[0]), int(totals[1]))

    # --- helpers ---------------------------------------------------------------------------

    def _mine(self, terminal: Principal, session_id: str) -> TerminalSession:
        session = self._db.read(lambda conn: _find(conn, session_id[:40]))
        if session is None or session.terminal_id != terminal.id:
            raise NotFoundError("no such session at this terminal")
        return session

    def _open_of_terminal(self, terminal_id: str) -> list[TerminalSession]:
        return self._db.read(lambda conn: [_of(row) for row in conn.execute(
            sa.select(terminal_sessions).where(
                terminal_sessions.c.terminal_id == terminal_id,
                terminal_sessions.c.ended_at.is_(None))).mappings()])

    def _user(self, session: TerminalSession) -> Principal:
        principal = self._accounts.principal_for_user(session.user_id)
        if principal is None:
            raise SessionEnded("this user is no longer active: sign in again")
        return principal


def _of(row: RowMapping) -> TerminalSession:
    return TerminalSession(**{column.name: row[column.name]
                              for column in terminal_sessions.columns})


def _find(conn: Connection, session_id: str) -> TerminalSession | None:
    row = conn.execute(sa.select(terminal_sessions)
                       .where(terminal_sessions.c.id == session_id)).mappings().first()
    return _of(row) if row else None


def _load(conn: Connection, session_id: str, *, lock: bool = False) -> TerminalSession:
    stmt = sa.select(terminal_sessions).where(terminal_sessions.c.id == session_id)
    row = conn.execute(stmt.with_for_update() if lock else stmt).mappings().first()
    if row is None:
        raise NotFoundError("no such session at this terminal")
    return _of(row)
