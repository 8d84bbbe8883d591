"""The server's notification sender task: a thread that sends due e-mails and webhook
deliveries, at once when this process queued one, else every interval (another process
queued it, or a retry fell due). Every server process runs one; the outbox's claims keep
them from sending one message twice (``notify/outbox_store.py``)."""

from __future__ import annotations

import threading

import structlog

from printwarden.core.errors import ServiceUnavailable
from printwarden.notify.service import NotifyService

log = structlog.get_logger("printwarden.notify")


class NotifyTask:
    def __init__(self, notify: NotifyService, interval_seconds: float) -> None:
        self._notify = notify
        self._interval = interval_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> None:
        report = self._notify.send_due()
        if report.sent or report.retried or report.dead:
            log.info("notify_sent", sent=report.sent, retried=report.retried,
                     dead=report.dead)

    def _loop(self) -> None:
        queued = self._notify.notifier.queued
        while not self._stop.is_set():
            queued.clear()
            try:
                self.run_once()
            except ServiceUnavailable as exc:  # the database is away: said, retried
                log.warning("notify_task_deferred", reason=str(exc))
            except Exception:  # logged; the next round tries again
                log.exception("notify_task_failed")
            queued.wait(self._interval)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="pw-notify", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._notify.notifier.queued.set()
        if self._thread:
            self._thread.join(timeout=10)
