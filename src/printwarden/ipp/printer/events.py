"""Events a printer notifies (RFC 3995 section 5.3.3) and what one occurrence carries.

An ``Occurrence`` is one thing that happened (a job changed state, the printer was paused):
the event keywords it matches, most specific first, and the attributes every Event
Notification of it carries. Job events carry the job's id, state, reasons and
impressions, never its name or owner: a printer subscription sees every job's events,
and job names and owners are private to the owner and operators.
"""

from __future__ import annotations

from dataclasses import dataclass

from printwarden.ipp.attributes import Attribute, boolean, enum, integer, keyword, name, uri
from printwarden.ipp.printer.job import Job

__all__ = [
    "JOB_EVENTS",
    "NOTIFY_EVENTS",
    "PRINTER_EVENTS",
    "Occurrence",
    "job_occurrence",
    "printer_occurrence",
    "printer_state_attributes",
]

JOB_EVENTS = ("job-completed", "job-config-changed", "job-created", "job-state-changed",
              "job-stopped")
PRINTER_EVENTS = ("printer-config-changed", "printer-queue-order-changed",
                  "printer-restarted", "printer-shutdown", "printer-state-changed",
                  "printer-stopped")
NOTIFY_EVENTS: tuple[str, ...] = JOB_EVENTS + PRINTER_EVENTS
"""notify-events-supported: every event this printer generates."""
_SPECIFIC_FIRST = ("job-completed", "job-stopped", "job-created", "job-state-changed",
                   "job-config-changed", "printer-shutdown",
                   "printer-restarted", "printer-stopped", "printer-state-changed",
                   "printer-config-changed", "printer-queue-order-changed")


@dataclass(frozen=True, slots=True)
class Occurrence:
    """``kinds``: the event keywords it matches, most specific first; ``job_id`` is None
    for printer events; ``attributes`` go into every notification of it."""

    kinds: tuple[str, ...]
    job_id: int | None
    text: str
    up_time: int
    attributes: tuple[Attribute, ...]

    def subscribed_event(self, events: tuple[str, ...]) -> str | None:
        """The keyword a subscription to ``events`` is notified under (one notification
        per subscription per occurrence, under its most specific matching event)."""
        return next((kind for kind in self.kinds if kind in events), None)

    @property
    def ends_job(self) -> bool:
        return "job-completed" in self.kinds


def _ordered(kinds: set[str]) -> tuple[str, ...]:
    return tuple(kind for kind in _SPECIFIC_FIRST if kind in kinds)


def job_occurrence(job: Job, kinds: set[str], *, printer_uri: str, up_time: int,
                   printer: tuple[Attribute, ...]) -> Occurrence:
    """An occurrence about ``job`` (``printer``: the printer-state attributes)."""
    state = job.state.name.lower().replace("_", "-")
    if "job-created" in kinds:
        text = f"Job {job.id} created."
    elif "job-config-changed" in kinds and len(kinds) == 1:
        text = f"Job {job.id} attributes changed."
    else:
        text = f"Job {job.id} is {state}."
    attributes = (
        integer("notify-job-id", job.id),
        uri("job-uri", f"{printer_uri.rstrip('/')}/{job.id}"),
        enum("job-state", job.state),
        keyword("job-state-reasons", *job.reasons),
        integer("job-impressions-completed", job.impressions_completed),
        *printer,
    )
    return Occurrence(_ordered(kinds), job.id, text, up_time, attributes)


def printer_occurrence(kinds: set[str], *, printer_name: str, state: int,
                       reasons: tuple[str, ...], accepting: bool, up_time: int,
                       message: str = "") -> Occurrence:
    states = {3: "idle", 4: "processing", 5: "stopped"}
    text = message or f"Printer {printer_name} is {states.get(state, 'unknown')}."
    return Occurrence(_ordered(kinds), None, text[:255], up_time,
                      printer_state_attributes(printer_name, state, reasons, accepting))


def printer_state_attributes(printer_name: str, state: int, reasons: tuple[str, ...],
                             accepting: bool) -> tuple[Attribute, ...]:
    return (name("printer-name", printer_name[:127]), enum("printer-state", state),
            keyword("printer-state-reasons", *reasons),
            boolean("printer-is-accepting-jobs", accepting))
