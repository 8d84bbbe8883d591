"""A job's attributes as Get-Job-Attributes and Get-Jobs answer them.

Privacy (as CUPS does by default): ``job-name``, ``job-originating-user-name`` and the
document names of a job are private to its owner and to operators; anyone else gets the
attributes with the value ``(hidden)``, so clients that expect them still find them. The
``job-state-message`` (which can name who cancelled a job, or why the server denied it)
becomes the bare state for them.
"""

from __future__ import annotations

from printwarden.ipp.attributes import (
    Attribute,
    attr,
    enum,
    integer,
    keyword,
    name,
    out_of_band,
    text,
    uri,
)
from printwarden.ipp.printer.job import Job, TimeStamp
from printwarden.ipp.tags import ValueTag

__all__ = ["HIDDEN", "job_attributes", "job_status_attributes", "job_uri"]

HIDDEN = "(hidden)"


def job_uri(printer_uri: str, job_id: int) -> str:
    return f"{printer_uri.rstrip('/')}/{job_id}"


def _times(label: str, stamp: TimeStamp | None) -> list[Attribute]:
    if stamp is None:
        return [out_of_band(f"time-at-{label}", ValueTag.NO_VALUE),
                out_of_band(f"date-time-at-{label}", ValueTag.NO_VALUE)]
    return [integer(f"time-at-{label}", stamp.up_time),
            attr(f"date-time-at-{label}", stamp.wall)]


def job_status_attributes(job: Job, printer_uri: str) -> list[Attribute]:
    """What a job-creating operation answers (RFC 8011 section 4.2.1.2; the optional
    ``number-of-intervening-jobs`` is left out, as cupsd does: counting it costs a scan of
    every job per submission)."""
    return [
        uri("job-uri", job_uri(printer_uri, job.id)),
        integer("job-id", job.id),
        enum("job-state", job.state),
        keyword("job-state-reasons", *job.reasons),
        text("job-state-message", job.message or job.state.name.lower()),
    ]


def job_attributes(job: Job, printer_uri: str, printer_up_time: int, *,
                   visible: bool = True) -> list[Attribute]:
    """Every attribute of ``job``: description first, then its job template attributes
    (``visible`` False: the private values are masked)."""
    return [
        integer("job-id", job.id),
        uri("job-uri", job_uri(printer_uri, job.id)),
        uri("job-uuid", job.uuid),
        name("job-name", job.name[:255] if visible else HIDDEN),
        name("job-originating-user-name", job.user[:255] if visible else HIDDEN),
        enum("job-state", job.state),
        keyword("job-state-reasons", *job.reasons),
        text("job-state-message", (job.message if visible else "")
             or job.state.name.lower().replace("_", "-")),
        uri("job-printer-uri", printer_uri),
        integer("job-printer-up-time", printer_up_time),
        *_times("creation", job.created),
        *_times("processing", job.processing),
        *_times("completed", job.completed),
        integer("job-k-octets", (job.octets + 1023) // 1024),
        integer("job-impressions", job.impressions),
        integer("job-impressions-completed", job.impressions_completed),
        integer("number-of-documents", job.documents),
        keyword("job-hold-until", job.hold_until),
        integer("job-priority", job.priority),
        *(a for n, a in job.template.items() if n not in ("job-hold-until", "job-priority")),
    ]
