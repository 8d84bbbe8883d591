"""How a job's state looks to an IPP client: ``job-state`` and ``job-state-reasons``.

Values from RFC 8011 section 5.3.7 / 5.3.8 (and PWG 5100.x account keywords).
"""

from __future__ import annotations

from printwarden.jobs.model import JobState

PENDING = 3
PENDING_HELD = 4
PROCESSING = 5
CANCELED = 7
ABORTED = 8
COMPLETED = 9

_IPP: dict[JobState, tuple[int, str]] = {
    JobState.RECEIVED: (PENDING, "job-incoming"),
    JobState.ANALYSED: (PENDING, "job-queued"),
    JobState.AUTHORIZED: (PENDING, "job-queued"),
    JobState.HELD: (PENDING_HELD, "job-hold-until-specified"),
    JobState.DENIED: (ABORTED, "account-authorization-failed"),
    JobState.RELEASING: (PROCESSING, "job-transforming"),
    JobState.PRINTING: (PROCESSING, "job-printing"),
    JobState.COMPLETED: (COMPLETED, "job-completed-successfully"),
    JobState.FAILED: (ABORTED, "aborted-by-system"),
    JobState.CANCELLED: (CANCELED, "job-canceled-by-user"),
    JobState.EXPIRED: (ABORTED, "aborted-by-system"),
}


def ipp_job_state(state: JobState) -> int:
    """The IPP ``job-state`` enum value for ``state``."""
    return _IPP[state][0]


def ipp_job_state_reason(state: JobState, *, by_operator: bool = False) -> str:
    """The IPP ``job-state-reasons`` keyword; an operator's cancel says so."""
    if state is JobState.CANCELLED and by_operator:
        return "job-canceled-by-operator"
    return _IPP[state][1]
