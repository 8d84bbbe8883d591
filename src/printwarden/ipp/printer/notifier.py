"""``Notifier``: turns job and printer changes into occurrences for the subscriptions.

The engine calls it for every job change (the jobs' watcher) and after every operation
(``observe``); it compares with what it notified last, so a change is notified once
whichever path made it, and nothing is built while nobody subscribes.
"""

from __future__ import annotations

from collections.abc import Callable

from printwarden.ipp.printer.clock import PrinterClock
from printwarden.ipp.printer.controls import EffectiveState
from printwarden.ipp.printer.events import (
    job_occurrence,
    printer_occurrence,
    printer_state_attributes,
)
from printwarden.ipp.printer.job import Job, JobState
from printwarden.ipp.printer.subscriptions import SubscriptionBook

__all__ = ["Notifier"]


class Notifier:
    def __init__(self, printer_name: str, book: SubscriptionBook, clock: PrinterClock,
                 effective: Callable[[], EffectiveState]) -> None:
        self.book = book
        self.printer_uri = f"ipp://localhost/ipp/print/{printer_name}"
        """The printer's URI as last asked for (job-uri values in events)."""
        self._name = printer_name
        self._clock = clock
        self._effective = effective
        self._seen = effective()

    def observe(self, kinds: set[str] | None = None, message: str = "") -> bool:
        """Notify printer events: the state changes found now, plus ``kinds``; answers
        whether printer-state itself changed."""
        now = self._effective()
        found = set(kinds or ())
        before, self._seen = self._seen, now
        if (now.state, now.reasons, now.accepting) != (
                before.state, before.reasons, before.accepting):
            found.add("printer-state-changed")
            if now.state == 5 and before.state != 5:
                found.add("printer-stopped")
        if found and len(self.book):
            self.book.publish(printer_occurrence(
                found, printer_name=self._name, state=now.state, reasons=now.reasons,
                accepting=now.accepting, up_time=self._clock.up_time(), message=message))
        return now.state != before.state

    def _publish_job(self, job: Job, kinds: set[str]) -> None:
        if not len(self.book):
            return
        now = self._effective()
        printer = printer_state_attributes(self._name, now.state, now.reasons, now.accepting)
        self.book.publish(job_occurrence(job, kinds, printer_uri=self.printer_uri,
                                         up_time=self._clock.up_time(), printer=printer))

    def job_created(self, job: Job) -> None:
        job.seen = (job.state, job.reasons)
        self._publish_job(job, {"job-created"})

    def job_config_changed(self, job: Job) -> None:
        self._publish_job(job, {"job-config-changed"})

    def job_changed(self, job: Job) -> bool:
        """A job's state or reasons may have changed; answers whether it just ended."""
        before, job.seen = job.seen, (job.state, job.reasons)
        if before is None or before == job.seen:
            return False
        kinds = {"job-state-changed"}
        if job.state == JobState.PROCESSING_STOPPED:
            kinds.add("job-stopped")
        ended = job.state.is_terminal and not before[0].is_terminal
        if ended:
            kinds.add("job-completed")
        self._publish_job(job, kinds)
        return ended
