"""The print job and its lifecycle state machine. Pure: no I/O, no database.

    received -> analysed -> (denied | held | authorized) -> releasing -> printing
             -> (completed | failed | cancelled | expired)

Every accepted transition yields a ``JobEvent`` (the job log) with a reason.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from printwarden.core.errors import ConflictError
from printwarden.core.ids import new_id
from printwarden.core.money import Money


class JobState(StrEnum):
    RECEIVED = "received"
    ANALYSED = "analysed"
    DENIED = "denied"
    HELD = "held"
    AUTHORIZED = "authorized"
    RELEASING = "releasing"
    PRINTING = "printing"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


S = JobState

#: Every allowed move. A job can be cancelled or fail at any point before it ends; a job
#: waiting for release (held or authorized) or for its printer (printing) can expire.
TRANSITIONS: dict[JobState, frozenset[JobState]] = {
    S.RECEIVED: frozenset({S.ANALYSED, S.FAILED, S.CANCELLED}),
    S.ANALYSED: frozenset({S.DENIED, S.HELD, S.AUTHORIZED, S.FAILED, S.CANCELLED}),
    S.HELD: frozenset({S.AUTHORIZED, S.RELEASING, S.FAILED, S.CANCELLED, S.EXPIRED}),
    S.AUTHORIZED: frozenset({S.RELEASING, S.PRINTING, S.FAILED, S.CANCELLED, S.EXPIRED}),
    # Back to held: the releasing agent could not fetch a find-me job from its holder.
    S.RELEASING: frozenset({S.PRINTING, S.COMPLETED, S.FAILED, S.CANCELLED, S.HELD}),
    S.PRINTING: frozenset({S.COMPLETED, S.FAILED, S.CANCELLED, S.EXPIRED}),
    S.DENIED: frozenset(),
    S.COMPLETED: frozenset(),
    S.FAILED: frozenset(),
    S.CANCELLED: frozenset(),
    S.EXPIRED: frozenset(),
}

TERMINAL_STATES = frozenset(state for state, nexts in TRANSITIONS.items() if not nexts)
#: States in which the job's reservation still holds money.
RESERVED_STATES = frozenset({S.HELD, S.AUTHORIZED, S.RELEASING, S.PRINTING})
#: Decisions an agent gets from ``authorize`` and the state each one leaves the job in.
DECISION_STATES = {"allow": S.AUTHORIZED, "hold": S.HELD, "deny": S.DENIED}


@dataclass(frozen=True)
class Job:
    """A print job as the server knows it: metadata only, the document stays on the agent."""

    id: str
    agent_id: str
    agent_job_key: str
    printer_id: str
    username: str
    state: JobState
    created_at: datetime
    updated_at: datetime
    user_id: str | None = None
    title: str = ""
    document_format: str = ""
    size_bytes: int = 0
    pages: int | None = None  # per copy; None when unknown
    color_pages: int | None = None
    copies: int = 1
    duplex: bool = False
    media: str = ""
    sheets: int | None = None
    estimated_cost_minor: int | None = None
    charged_cost_minor: int | None = None
    currency: str = ""
    reservation_id: str | None = None
    state_reason: str = ""
    message: str = ""
    decision: str | None = None  # "allow" | "deny" | "hold" once authorized
    completed_at: datetime | None = None
    #: The device a held job was released to (its price is charged); None: the queue's.
    device_id: str | None = None
    #: Why a held job is held: None for release, "question" (its owner is asked) or
    #: "approval" (an operator decides). Only release holds are releasable at a device.
    hold_reason: str | None = None
    #: What rules added (fees) or took off (discounts) the printed cost, minor units;
    #: charged with what printed, never making a job cost less than nothing.
    fee_minor: int = 0
    #: Why an operator should look at the job (None: nothing), e.g. it printed offline
    #: and was charged past its account's limit.
    flag: str | None = None
    #: Decided by its agent while no server answered (tracker mode), reported later.
    offline: bool = False
    #: The remote site server that authorized it (central's record of a remote's ended
    #: job, ``sync/job_intake.py``); None: this server's own job.
    origin_site: str | None = None

    @property
    def terminal(self) -> bool:
        return self.state in TERMINAL_STATES


@dataclass(frozen=True)
class JobEvent:
    """One line of the job log."""

    id: str
    job_id: str
    at: datetime
    from_state: JobState | None
    to_state: JobState
    reason: str


def note(job: Job, reason: str, at: datetime) -> tuple[Job, JobEvent]:
    """A log line without a state change (e.g. a cancel asked of a job being printed)."""
    noted = replace(job, state_reason=reason, updated_at=at)
    return noted, JobEvent(id=new_id(), job_id=job.id, at=at, from_state=job.state,
                           to_state=job.state, reason=reason)


def can_transition(from_state: JobState, to_state: JobState) -> bool:
    return to_state in TRANSITIONS[from_state]


def transition(job: Job, to_state: JobState, reason: str, at: datetime) -> tuple[Job, JobEvent]:
    """Move ``job`` to ``to_state``; an illegal move raises ``ConflictError``."""
    if not can_transition(job.state, to_state):
        if job.terminal:
            raise ConflictError(f"job {job.id} is already {job.state.value}")
        raise ConflictError(
            f"job {job.id} cannot go from {job.state.value} to {to_state.value}"
        )
    moved = replace(
        job, state=to_state, state_reason=reason, updated_at=at,
        completed_at=at if to_state in TERMINAL_STATES else job.completed_at,
    )
    event = JobEvent(id=new_id(), job_id=job.id, at=at, from_state=job.state,
                     to_state=to_state, reason=reason)
    return moved, event


#: Ends a server gave a job that its agent printed all the same: the answer (a denial)
#: was lost, or the job expired or was cancelled at the server while the agent, cut off,
#: decided offline (tracker mode). What printed is what counts: the agent's report moves
#: such a job, once, to completed (``printed_after_all``). No other move leaves an end.
OVERRIDDEN_BY_PRINT = frozenset({S.DENIED, S.EXPIRED, S.CANCELLED})


def printed_after_all(job: Job, reason: str, at: datetime) -> tuple[Job, JobEvent]:
    """Move a job the server ended without printing (``OVERRIDDEN_BY_PRINT``) to
    completed, because its agent reports it printed offline; anything else raises."""
    if job.state not in OVERRIDDEN_BY_PRINT or job.offline or job.charged_cost_minor:
        raise ConflictError(f"job {job.id} is already {job.state.value}")
    moved = replace(job, state=S.COMPLETED, state_reason=reason, updated_at=at,
                    completed_at=at)
    return moved, JobEvent(id=new_id(), job_id=job.id, at=at, from_state=job.state,
                           to_state=S.COMPLETED, reason=reason)


def transitions(job: Job, path: tuple[JobState, ...], reason: str,
                at: datetime) -> tuple[Job, list[JobEvent]]:
    """Walk ``path`` one legal step at a time, logging each step with ``reason``."""
    events: list[JobEvent] = []
    for state in path:
        job, event = transition(job, state, reason, at)
        events.append(event)
    return job, events


def received(job_id: str, *, agent_id: str, agent_job_key: str, printer_id: str,
             username: str, at: datetime) -> tuple[Job, JobEvent]:
    """A new job in ``received`` with the first log line."""
    job = Job(id=job_id, agent_id=agent_id, agent_job_key=agent_job_key,
              printer_id=printer_id, username=username, state=S.RECEIVED, created_at=at,
              updated_at=at, state_reason="received from agent")
    return job, JobEvent(id=new_id(), job_id=job_id, at=at, from_state=None,
                         to_state=S.RECEIVED, reason="received from agent")


def with_fee(cost: Money, fee_minor: int) -> Money:
    """``cost`` with a rule's fee (or, negative, discount) added: never below nothing, so
    a job is never paid to print. Authorize, release and completion price with it alike."""
    return Money(max(cost.minor + fee_minor, 0), cost.currency) if fee_minor else cost
