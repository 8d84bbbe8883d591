"""How an IPP job mirrors the agent's local job (pure: no I/O, no event loop).

``job_meta`` reads copies, sides, print-color-mode and media from the IPP job's template
into the ``JobMeta`` the spool journals; ``follow_local_job`` gives the IPP job the
job-state, job-state-reasons and job-state-message of its local job.
"""

from __future__ import annotations

from printwarden.agent.intake.sink import meta_from_ticket
from printwarden.agent.model import JobMeta, LocalJob
from printwarden.ipp.attributes import Attribute
from printwarden.ipp.printer import DocumentTicket, Job, JobState, TimeStamp
from printwarden.ipp.values import Collection

__all__ = ["follow_local_job", "job_meta"]

_DEFAULT_MESSAGES = {
    JobState.PENDING: "Queued", JobState.PENDING_HELD: "Held",
    JobState.PROCESSING: "Printing", JobState.CANCELED: "Canceled",
    JobState.ABORTED: "Aborted", JobState.COMPLETED: "Completed",
}
_ENDINGS = {JobState.COMPLETED: "completed", JobState.ABORTED: "failed",
            JobState.CANCELED: "cancelled"}


def _first(template: dict[str, Attribute], attribute_name: str) -> object:
    found = template.get(attribute_name)
    return None if found is None or not found.values else found.value


def _media(template: dict[str, Attribute]) -> str:
    media = _first(template, "media")
    if isinstance(media, str):
        return media
    collection = _first(template, "media-col")
    if isinstance(collection, Collection) and "media-size-name" in collection:
        value = collection["media-size-name"].value
        if isinstance(value, str):
            return value
    return ""


def job_meta(ticket: DocumentTicket, job: Job) -> JobMeta:
    """The ``JobMeta`` of ``job``'s document: the ticket plus the job template."""
    base = meta_from_ticket(ticket)
    template = job.template
    copies = _first(template, "copies")
    sides = _first(template, "sides")
    color = _first(template, "print-color-mode")
    return JobMeta(
        username=base.username, title=base.title, document_format=base.document_format,
        copies=copies if isinstance(copies, int) and not isinstance(copies, bool)
        and copies > 0 else 1,
        sides=sides if isinstance(sides, str) else "one-sided",
        color_mode=color if isinstance(color, str) else "auto",
        media=_media(template), ipp_job_id=ticket.job_id)


def follow_local_job(job: Job, local: LocalJob, now: TimeStamp) -> str:
    """Give ``job`` the state of ``local``; answers "completed", "failed" or "cancelled"
    when this call ended the IPP job, else ""."""
    if job.state.is_terminal:
        return ""
    state = JobState(local.ipp_state)
    reasons = local.ipp_state_reasons
    message = (local.ipp_state_message or _DEFAULT_MESSAGES[state])[:255]
    if local.pages:
        job.impressions = local.pages * max(1, local.meta.copies)
    if state == JobState.COMPLETED:
        printed = local.pages_printed
        job.complete(now, None if printed is None else printed * (local.copies_printed or 1))
    elif state == JobState.ABORTED:
        job.abort(now, message)
    elif state == JobState.CANCELED:
        job.completed = now
    elif state == JobState.PROCESSING:
        job.processing = job.processing or now
    elif state == JobState.PENDING_HELD and job.hold_until == "no-hold":
        job.hold_until = "indefinite"
    elif state == JobState.PENDING:
        job.hold_until = "no-hold"
    job.state, job.reasons, job.message = state, reasons, message
    return _ENDINGS.get(state, "")
