"""Scheduled server work (quota allocations, event purge, the sweeps of stale reservations
and of held jobs nobody released, the warnings of held jobs about to expire, the pruning
of the replication feed), run under a
lease so one instance does it; and, every few seconds, the defaults of rule questions
nobody answered by their deadline (safe from any instance: each question is settled once,
under its row lock)."""

from __future__ import annotations

import threading
import time

import structlog

from printwarden.container import ServerContainer
from printwarden.core.errors import ServiceUnavailable
from printwarden.core.ids import new_id
from printwarden.release.expiry_warnings import ExpiryWarnings
from printwarden.server.lease import Lease

log = structlog.get_logger("printwarden.scheduler")
#: How often unanswered rule questions past their deadline get their default.
QUESTIONS_INTERVAL_SECONDS = 2.0


class Scheduler:
    def __init__(self, container: ServerContainer, interval_seconds: float, *,
                 questions_interval_seconds: float = QUESTIONS_INTERVAL_SECONDS) -> None:
        self._container = container
        self._interval = interval_seconds
        self._questions_interval = min(questions_interval_seconds, interval_seconds)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lease = Lease(container.db, container.clock, "scheduler", new_id())
        self._expiry_warnings = ExpiryWarnings(container.db, container.clock,
                                               devices=container.devices,
                                               notifier=container.notifier)

    def tick(self) -> bool:
        """Run due work once if this instance holds the lease; true when it ran."""
        if not self._lease.acquire():
            return False
        report = self._container.ledger.run_due_allocations()
        log.info("allocations_run", report=str(report))
        purged = self._container.devices.purge_events()
        if purged:
            log.info("agent_events_purged", count=purged)
        forgotten = self._container.notify.purge_sent()
        if forgotten:
            log.info("sent_notifications_purged", count=forgotten)
        expired = self._container.jobs.expire_stale()
        if expired:
            log.warning("stale_jobs_expired", count=expired)
        warned = self._expiry_warnings.warn_due()
        if warned:
            log.info("held_jobs_warned_before_expiry", count=warned)
        held = self._container.release.expire_held()
        if held:
            log.info("held_jobs_expired", count=held)
        idle = self._container.terminal_sessions.sweep_idle()
        if idle:
            log.info("terminal_sessions_ended_idle", count=idle)
        copies = self._container.kiosk_copies.sweep_idle()
        if copies:
            log.info("kiosk_copy_sessions_closed_idle", count=copies)
        pruned = self._container.feed.prune(
            self._container.settings.sync_feed_retain_versions)
        if pruned:
            log.info("replication_changes_pruned", count=pruned)
        return True

    def settle_questions(self) -> int:
        """Apply the default of every rule question past its deadline; answers how many."""
        settled = self._container.questions.expire_due()
        if settled:
            log.info("rule_questions_defaulted", count=settled)
        return settled

    def _loop(self) -> None:
        next_tick = 0.0
        while not self._stop.is_set():
            now = time.monotonic()
            if now >= next_tick:
                next_tick = now + self._interval
                try:
                    self.tick()
                except ServiceUnavailable as exc:  # the database is away: said, retried
                    log.warning("scheduler_tick_deferred", reason=str(exc))
                except Exception:  # a failed tick is logged and retried next interval
                    log.exception("scheduler_tick_failed")
            try:
                self.settle_questions()
            except ServiceUnavailable as exc:
                log.warning("question_sweep_deferred", reason=str(exc))
            except Exception:
                log.exception("question_sweep_failed")
            self._stop.wait(self._questions_interval)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="pw-scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)
