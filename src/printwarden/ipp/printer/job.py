"""The job model of a printer: states, reasons and the transitions between them (no I/O).

Every change of state or reasons goes through ``Job._set``, which tells the job's
``watcher`` (the printer engine: it turns changes into event notifications). A job holds
its documents in order (``docs``); ``documents`` counts them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum

from printwarden.ipp.attributes import Attribute
from printwarden.ipp.errors import IppError
from printwarden.ipp.printer.document import Document
from printwarden.ipp.status import StatusCode

__all__ = ["DEFAULT_PRIORITY", "Job", "JobState", "TimeStamp"]

DEFAULT_PRIORITY = 50
"""job-priority-default (RFC 8011: 1 lowest .. 100 highest)."""


class JobState(IntEnum):
    """RFC 8011 section 5.3.7 job-state."""

    PENDING = 3
    PENDING_HELD = 4
    PROCESSING = 5
    PROCESSING_STOPPED = 6
    CANCELED = 7
    ABORTED = 8
    COMPLETED = 9

    @property
    def is_terminal(self) -> bool:
        return self >= JobState.CANCELED


@dataclass(frozen=True, slots=True)
class TimeStamp:
    """When something happened: printer-up-time seconds and the wall clock."""

    up_time: int
    wall: dt.datetime


def _not_possible(message: str) -> IppError:
    return IppError(StatusCode.CLIENT_ERROR_NOT_POSSIBLE, message)


@dataclass(slots=True)
class Job:
    """One job; ``template`` holds the accepted job template attributes by name."""

    id: int
    uuid: str
    name: str
    user: str
    document_format: str
    created: TimeStamp
    template: dict[str, Attribute] = field(default_factory=dict)
    hold_until: str = "no-hold"
    state: JobState = JobState.PENDING
    reasons: tuple[str, ...] = ("none",)
    message: str = ""
    processing: TimeStamp | None = None
    completed: TimeStamp | None = None
    octets: int = 0
    impressions: int = 0
    impressions_completed: int = 0
    docs: list[Document] = field(default_factory=list)
    documents_closed: bool = False
    priority: int = DEFAULT_PRIORITY
    held_new: bool = False
    """Held on arrival because the printer holds new jobs (Release-Held-New-Jobs)."""
    last_activity: int = 0
    """printer-up-time of the last document operation (multiple-operation-time-out)."""
    watcher: Callable[[Job], None] | None = field(default=None, repr=False, compare=False)
    seen: tuple[JobState, tuple[str, ...]] | None = field(default=None, repr=False,
                                                          compare=False)
    """The state and reasons last notified (the engine's, to tell changes apart)."""

    @property
    def documents(self) -> int:
        return len(self.docs)

    @property
    def is_held(self) -> bool:
        return self.state == JobState.PENDING_HELD

    @property
    def ready_to_process(self) -> bool:
        return self.state == JobState.PENDING and self.documents_closed

    def _set(self, state: JobState, reasons: tuple[str, ...], message: str) -> None:
        self.state, self.reasons, self.message = state, reasons, message
        if self.watcher is not None:
            self.watcher(self)

    def show(self, state: JobState, reasons: tuple[str, ...], message: str) -> None:
        """Take a state decided elsewhere (the agent mirrors its local job here)."""
        self._set(state, reasons, message)

    def await_documents(self) -> None:
        self._set(self.state, ("job-incoming",), "Waiting for documents")

    def close_documents(self) -> None:
        self.documents_closed = True
        if self.state == JobState.PENDING:
            self._set(JobState.PENDING, ("none",), "Queued")
        elif self.is_held and "job-incoming" in self.reasons:
            self._set(self.state, ("job-hold-until-specified",), self.message)

    def hold(self, until: str = "indefinite",
             reason: str = "job-hold-until-specified") -> None:
        if self.state not in (JobState.PENDING, JobState.PENDING_HELD):
            raise _not_possible(f"job {self.id} is {self.state.name.lower()}, it cannot be held")
        self.hold_until = until
        self._set(JobState.PENDING_HELD, (reason,), "Held")

    def release(self) -> None:
        if not self.is_held:
            raise _not_possible(f"job {self.id} is not held")
        self.hold_until = "no-hold"
        self.held_new = False
        reasons = ("none",) if self.documents_closed else ("job-incoming",)
        self._set(JobState.PENDING, reasons, "Released")

    def start(self, now: TimeStamp) -> None:
        self.processing = now
        for document in self.docs:
            document.start(now)
        self._set(JobState.PROCESSING, ("job-printing",), "Printing")

    def suspend(self) -> None:
        if self.state != JobState.PROCESSING:
            raise _not_possible(f"job {self.id} is not processing")
        self._set(JobState.PROCESSING_STOPPED, ("job-suspended",), "Suspended")

    def resume(self) -> None:
        if self.state != JobState.PROCESSING_STOPPED:
            raise _not_possible(f"job {self.id} is not suspended")
        self._set(JobState.PROCESSING, ("job-printing",), "Printing")

    def complete(self, now: TimeStamp, impressions: int | None = None) -> None:
        """Completed with ``impressions`` printed (default: all of ``self.impressions``)."""
        if self.state.is_terminal:
            return
        self.processing = self.processing or now
        self.completed = now
        self.impressions_completed = self.impressions if impressions is None else impressions
        for document in self.docs:
            document.end(now, "completed")
        self._set(JobState.COMPLETED, ("job-completed-successfully",), "Completed")

    def cancel(self, now: TimeStamp, reason: str = "job-canceled-by-user") -> None:
        if self.state.is_terminal:
            raise _not_possible(f"job {self.id} is already {self.state.name.lower()}")
        self.completed = now
        for document in self.docs:
            document.end(now, "canceled")
        self._set(JobState.CANCELED, (reason,), "Canceled")

    def abort(self, now: TimeStamp, why: str) -> None:
        if self.state.is_terminal:
            return
        self.completed = now
        for document in self.docs:
            document.end(now, "aborted")
        self._set(JobState.ABORTED, ("aborted-by-system",), why[:255])

    def restart(self) -> None:
        """Back to pending to be processed again (Restart-Job of a finished job)."""
        if not self.state.is_terminal:
            raise _not_possible(f"job {self.id} has not finished: it cannot be restarted")
        self.processing = self.completed = None
        self.impressions_completed = 0
        for document in self.docs:
            document.reset()
        self.hold_until = "no-hold"
        self._set(JobState.PENDING, ("none",), "Restarted")
