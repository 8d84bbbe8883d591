"""A job's attributes as Get-Job-Attributes and Get-Jobs answer them."""

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

__all__ = ["job_attributes", "job_status_attributes", "job_uri"]


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


def job_attributes(job: Job, printer_uri: str, printer_up_time: int) -> list[Attribute]:
    """Every attribute of ``job``: description first, then its job template attributes."""
    return [
        integer("job-id", job.id),
        uri("job-uri", job_uri(printer_uri, job.id)),
        uri("job-uuid", job.uuid),
        name("job-name", job.name[:255]),
        name("job-originating-user-name", job.user[:255]),
        enum("job-state", job.state),
        keyword("job-state-reasons", *job.reasons),
        text("job-state-message", job.message or job.state.name.lower()),
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
        *(a for n, a in job.template.items() if n != "job-hold-until"),
    ]
