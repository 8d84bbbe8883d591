"""How an IPP job mirrors the agent's local jobs (pure: no I/O, no event loop).

Each document of an IPP job is spooled as its own local job, printed in order (a
one-document job is one local job). ``job_meta`` reads copies, sides, print-color-mode
and media from the IPP job's template, with the job's ``overrides`` for that document,
into the ``JobMeta`` the spool journals; ``follow_local_jobs`` gives the IPP job the
job-state, job-state-reasons and job-state-message of its local jobs together:

- while any document is under way the job is processing, else pending while any waits,
  else held while any is held; a job that may still get documents is pending for them;
- when every document has ended: aborted if one failed (its reason is the job's),
  canceled if all were canceled, else completed.
"""

from __future__ import annotations

from printwarden.agent.intake.sink import meta_from_ticket
from printwarden.agent.model import JobMeta, LocalJob
from printwarden.ipp.attributes import Attribute
from printwarden.ipp.printer import DocumentTicket, Job, JobState, TimeStamp
from printwarden.ipp.values import Collection, RangeOfInteger

__all__ = ["follow_local_job", "follow_local_jobs", "job_meta"]

_DEFAULT_MESSAGES = {
    JobState.PENDING: "Queued", JobState.PENDING_HELD: "Held",
    JobState.PROCESSING: "Printing", JobState.PROCESSING_STOPPED: "Stopped",
    JobState.CANCELED: "Canceled", JobState.ABORTED: "Aborted",
    JobState.COMPLETED: "Completed",
}
_ENDINGS = {JobState.COMPLETED: "completed", JobState.ABORTED: "failed",
            JobState.CANCELED: "cancelled"}
_OPEN_ORDER = (JobState.PROCESSING, JobState.PROCESSING_STOPPED, JobState.PENDING,
               JobState.PENDING_HELD)


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


def _for_document(template: dict[str, Attribute], number: int) -> dict[str, Attribute]:
    """The template with the document-wide ``overrides`` entries naming ``number``."""
    found = template.get("overrides")
    if found is None:
        return template
    merged = dict(template)
    for entry in found.values:
        if not isinstance(entry, Collection) or "pages" in entry:
            continue
        numbers = entry.get("document-numbers")
        if numbers is None or any(isinstance(r, RangeOfInteger) and r.lower <= number <= r.upper
                                  for r in numbers.values):
            merged.update({n: entry[n] for n in entry if n != "document-numbers"})
    return merged


def job_meta(ticket: DocumentTicket, job: Job) -> JobMeta:
    """The ``JobMeta`` of ``job``'s document ``ticket.document_number``."""
    base = meta_from_ticket(ticket)
    template = _for_document(job.template, ticket.document_number)
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


def _leading(locals_: list[LocalJob], closed: bool) -> tuple[JobState, LocalJob | None]:
    states = [JobState(local.ipp_state) for local in locals_]
    for wanted in _OPEN_ORDER:
        if wanted in states:
            return wanted, locals_[states.index(wanted)]
    if not closed:
        return JobState.PENDING, None
    for wanted in (JobState.ABORTED, JobState.COMPLETED):
        if wanted in states:
            return wanted, locals_[states.index(wanted)]
    return JobState.CANCELED, locals_[0] if locals_ else None


def follow_local_jobs(job: Job, locals_: list[LocalJob], now: TimeStamp) -> str:
    """Give ``job`` the state of its documents' local jobs; answers "completed", "failed"
    or "cancelled" when this call ended the IPP job, else ""."""
    if job.state.is_terminal or not locals_:
        return ""
    state, leader = _leading(locals_, job.documents_closed)
    if leader is None:
        job.show(JobState.PENDING, ("job-incoming",), "Waiting for documents")
        return ""
    reasons = leader.ipp_state_reasons
    message = (leader.ipp_state_message or _DEFAULT_MESSAGES[state])[:255]
    if any(local.pages for local in locals_):
        job.impressions = sum((local.pages or 0) * max(1, local.meta.copies)
                              for local in locals_)
    if state == JobState.COMPLETED:
        done = [local for local in locals_ if JobState(local.ipp_state) == JobState.COMPLETED]
        unknown = any(local.pages_printed is None for local in done)
        job.complete(now, None if unknown else sum(
            (local.pages_printed or 0) * (local.copies_printed or 1) for local in done))
    elif state == JobState.ABORTED:
        job.abort(now, message)
    elif state == JobState.CANCELED:
        job.completed = now
    elif state in (JobState.PROCESSING, JobState.PENDING):
        job.processing = job.processing or (now if state == JobState.PROCESSING else None)
        job.hold_until = "no-hold"  # released, whoever held it
    job.show(state, reasons, message)
    return _ENDINGS.get(state, "")


def follow_local_job(job: Job, local: LocalJob, now: TimeStamp) -> str:
    """``follow_local_jobs`` for a job of one document."""
    return follow_local_jobs(job, [local], now)
