"""The agent's local view of a job: states, transitions and what each decision means. Pure.

    spooled -> analysed -> (denied | held | authorized) -> forwarding -> forwarded
            -> completed (the server acknowledged the completion)

and any open job may end ``failed``, ``cancelled`` or ``expired``. A held job released at a
device of another agent (find-me) ends ``moved`` once that agent has fetched its document:
the other agent prints it and reports its completion, so a moved job reports nothing.
``forwarded`` means the device took the document; only the server's acknowledgement of the
completion is missing.
Local states map onto the server's ``printwarden.jobs.model.JobState`` for IPP reporting.

A job being sent (``forwarding``) can still be cancelled: the cancel is journaled first
(``cancel_requested``), the transfer stops, the device's job is cancelled too, and the job
ends ``cancelled`` with what the device printed before the cancel. While its device does
not answer, a forwarding job waits (``device_wait_since``) within the queue's job lifetime.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from printwarden.jobs.ipp_status import PENDING_HELD, ipp_job_state, ipp_job_state_reason
from printwarden.jobs.model import JobState

#: IPP job-state 6 (RFC 8011 5.3.7): started, then stopped (here: its device is down).
PROCESSING_STOPPED = 6
#: The state reason of an analysed job kept by the hold policy while no server answers.
WAITING_FOR_SERVER = "kept until a printwarden server answers"


class LocalState(StrEnum):
    SPOOLED = "spooled"
    ANALYSED = "analysed"
    AUTHORIZED = "authorized"
    HELD = "held"
    FORWARDING = "forwarding"
    FORWARDED = "forwarded"
    COMPLETED = "completed"
    DENIED = "denied"
    FAILED = "failed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    MOVED = "moved"


L = LocalState
_ENDINGS = frozenset({L.FAILED, L.CANCELLED, L.EXPIRED})
TRANSITIONS: dict[LocalState, frozenset[LocalState]] = {
    L.SPOOLED: frozenset({L.ANALYSED, L.HELD}) | _ENDINGS,
    L.ANALYSED: frozenset({L.AUTHORIZED, L.HELD, L.DENIED}) | _ENDINGS,
    L.HELD: frozenset({L.SPOOLED, L.ANALYSED, L.AUTHORIZED, L.DENIED, L.MOVED}) | _ENDINGS,
    L.AUTHORIZED: frozenset({L.FORWARDING, L.HELD}) | _ENDINGS,
    # A job being sent ends printed, failed, cancelled (what printed before the cancel is
    # reported) or expired (its device did not answer within the queue's job lifetime).
    L.FORWARDING: frozenset({L.FORWARDED, L.FAILED, L.CANCELLED, L.EXPIRED}),
    L.FORWARDED: frozenset({L.COMPLETED}),
    L.COMPLETED: frozenset(),
    L.DENIED: frozenset(),
    L.FAILED: frozenset(),
    L.CANCELLED: frozenset(),
    L.EXPIRED: frozenset(),
    L.MOVED: frozenset(),
}
TERMINAL_STATES = frozenset(state for state, nexts in TRANSITIONS.items() if not nexts)
#: States whose document is no longer needed: the spool file is deleted on entry.
DATA_FREE_STATES = TERMINAL_STATES | {L.FORWARDED}
#: States the queue worker picks up (in local id order).
WORK_STATES = frozenset({L.SPOOLED, L.ANALYSED, L.AUTHORIZED, L.FORWARDING})
#: Decision from ``authorize`` -> the local state it leads to.
DECISION_STATES = {"allow": L.AUTHORIZED, "hold": L.HELD, "deny": L.DENIED}
#: What the server may make the agent do to a document before it prints (the authorize
#: answer's and a release event's ``transforms``); the server priced the job after them.
TRANSFORMS = ("grayscale", "duplex")


class UnknownTransform(ValueError):
    """A decision asks for a transform this agent cannot apply: the job must fail rather
    than print something other than what was priced."""


def parse_transforms(value: object) -> tuple[str, ...]:
    """The transforms of a decision, validated and in ``TRANSFORMS`` order (no
    duplicates); absent or empty is none. Raises ``UnknownTransform`` naming what is
    wrong: a name this agent does not know, or a value that is not a list of names."""
    if value is None:
        return ()
    if not isinstance(value, list | tuple):
        raise UnknownTransform(f"transforms must be a list of names, not {value!r}"[:200])
    unknown = [item for item in value if not isinstance(item, str) or item not in TRANSFORMS]
    if unknown:
        raise UnknownTransform(f"unknown transform {str(unknown[0])[:60]!r} (this agent "
                               f"applies {', '.join(TRANSFORMS)})")
    return tuple(name for name in TRANSFORMS if name in value)

_SERVER_VIEW: dict[LocalState, JobState] = {
    L.SPOOLED: JobState.RECEIVED,
    L.ANALYSED: JobState.ANALYSED,
    L.AUTHORIZED: JobState.AUTHORIZED,
    L.HELD: JobState.HELD,
    L.FORWARDING: JobState.PRINTING,
    L.FORWARDED: JobState.COMPLETED,
    L.COMPLETED: JobState.COMPLETED,
    L.DENIED: JobState.DENIED,
    L.FAILED: JobState.FAILED,
    L.CANCELLED: JobState.CANCELLED,
    L.EXPIRED: JobState.EXPIRED,
    # Its IPP job ended here: it printed (or not) at the other agent's device.
    L.MOVED: JobState.COMPLETED,
}


def can_move(from_state: LocalState, to_state: LocalState) -> bool:
    return to_state in TRANSITIONS[from_state]


def released_state(job: LocalJob) -> LocalState:
    """Where a held job goes on release: print if the server allowed it, else redo the
    step it was held before (a local hold can come before the server's decision)."""
    if job.decision == "deny":
        return L.DENIED
    if job.decision in ("allow", "hold"):
        return L.AUTHORIZED
    return L.ANALYSED if job.analysis else L.SPOOLED


@dataclass(frozen=True)
class JobMeta:
    """What the IPP layer knows about a job when it starts receiving the document."""

    username: str
    title: str = ""
    document_format: str = "application/octet-stream"
    copies: int = 1
    sides: str = "one-sided"
    color_mode: str = "auto"
    media: str = ""
    #: The job's id on the agent's IPP queue (None for jobs not received over IPP), so
    #: IPP clients find their jobs again after the agent restarts.
    ipp_job_id: int | None = None


@dataclass(frozen=True)
class LocalJob:
    """A job in the agent's journal."""

    local_id: str
    queue: str
    meta: JobMeta
    spool_name: str
    size_bytes: int
    created_at: datetime
    updated_at: datetime
    state: LocalState = L.SPOOLED
    state_reason: str = ""
    server_job_id: str | None = None
    decision: str | None = None
    reservation_cost_minor: int | None = None
    pages: int | None = None
    color_pages: int | None = None
    analysis: dict[str, Any] = field(default_factory=dict)
    forward_attempts: int = 0
    remote_job_id: str | None = None
    pages_printed: int | None = None
    copies_printed: int | None = None
    completion_sent: bool = False
    cancelled_by_operator: bool = False
    #: A cancel arrived while the job was being sent: the transfer stops, never resumes.
    cancel_requested: bool = False
    #: Since when the job waits for its device (it did not answer), else None.
    device_wait_since: datetime | None = None
    #: Why an operator should look at the job (it is reported with the completion).
    flag: str = ""
    #: The device a held job was released to (its URI and server id); empty: the
    #: queue's own device.
    release_device_uri: str = ""
    release_device_id: str = ""
    #: What the server's decision makes the agent do before forwarding (``TRANSFORMS``):
    #: the job was priced after them, so it prints transformed or not at all.
    transforms: tuple[str, ...] = ()
    #: Tracker mode: the local decision of a job printed while no server answered (when,
    #: the price lists and their version, the cost priced then); empty for others.
    offline: dict[str, Any] = field(default_factory=dict)
    #: Its report to the server: ``pending``, ``sent`` (the server confirmed it) or
    #: ``refused`` (the server refused it for good); "" for jobs decided online.
    offline_state: str = ""

    @property
    def terminal(self) -> bool:
        return self.state in TERMINAL_STATES

    @property
    def server_state(self) -> JobState:
        return _SERVER_VIEW[self.state]

    @property
    def ipp_state(self) -> int:
        """IPP ``job-state`` (RFC 8011 5.3.7): a job waiting for its device is
        ``processing-stopped``; one kept until a server answers is ``pending-held``."""
        if self.state is L.FORWARDING and self.device_wait_since is not None:
            return PROCESSING_STOPPED
        if self.waiting_for_server:
            return PENDING_HELD
        return ipp_job_state(self.server_state)

    @property
    def ipp_state_reasons(self) -> tuple[str, ...]:
        """IPP ``job-state-reasons``."""
        if self.state is L.FORWARDING:
            if self.cancel_requested:
                return ("processing-to-stop-point",)
            if self.device_wait_since is not None:
                return ("printer-stopped",)
        if self.waiting_for_server:
            return ("job-held-for-authorization",)
        return (ipp_job_state_reason(self.server_state, by_operator=self.cancelled_by_operator),)

    @property
    def waiting_for_server(self) -> bool:
        """Fully received and kept (hold policy) until a server decides it."""
        return self.state is L.ANALYSED and self.state_reason.startswith(WAITING_FOR_SERVER)

    @property
    def ipp_state_message(self) -> str:
        return self.state_reason


def completion_body(job: LocalJob) -> dict[str, Any]:
    """The ``complete`` request that reports how ``job`` ended (see agent-link.md section 4)."""
    status = {L.FORWARDED: "completed", L.COMPLETED: "completed",
              L.CANCELLED: "cancelled", L.EXPIRED: "expired"}.get(job.state, "failed")
    body: dict[str, Any] = {"status": status, "reason": job.state_reason[:500]}
    if job.flag:
        body["flag"] = job.flag[:500]
    if job.pages_printed is not None:
        body["pages_printed"] = job.pages_printed
    if job.copies_printed is not None:
        body["copies_printed"] = job.copies_printed
    if status != "completed" and not job.pages_printed:
        body["pages_printed"] = 0
    return body


def needs_completion(job: LocalJob) -> bool:
    """True when the server holds an open job (a reservation) that this ending must close."""
    return (job.server_job_id is not None and job.decision in ("allow", "hold")
            and job.state in (DATA_FREE_STATES - {L.COMPLETED}) and not job.completion_sent)
