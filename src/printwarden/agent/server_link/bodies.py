"""Request bodies of the agent link built from local jobs (docs/protocols/agent-link.md)."""

from __future__ import annotations

from typing import Any

from printwarden.agent.forwarding.interface import ForwardResult
from printwarden.agent.model import LocalJob

SIDES = ("one-sided", "two-sided-long-edge", "two-sided-short-edge")
COLOR_MODES = ("color", "monochrome", "auto")


def authorize_body(job: LocalJob) -> dict[str, Any]:
    """``POST /authorize``: idempotent by ``agent_job_key`` = the local job id."""
    analysis = job.analysis or {"pages": job.pages, "color_pages": job.color_pages}
    meta = job.meta
    return {
        "agent_job_key": job.local_id,
        "queue": job.queue,
        "username": meta.username,
        "title": meta.title[:500],
        "document_format": meta.document_format[:100] or "application/octet-stream",
        "size_bytes": job.size_bytes,
        "copies": min(max(meta.copies, 1), 9999),
        "sides": meta.sides if meta.sides in SIDES else "one-sided",
        "color_mode": meta.color_mode if meta.color_mode in COLOR_MODES else "auto",
        "analysis": {
            "pages": analysis.get("pages"),
            "color_pages": analysis.get("color_pages"),
            "mono_pages": analysis.get("mono_pages"),
            "sizes": dict(analysis.get("sizes") or {}),
            "estimated": bool(analysis.get("estimated", False)),
            "reason": str(analysis.get("reason") or "")[:500],
        },
    }


def printed_counts(result: ForwardResult, job: LocalJob) -> tuple[int | None, int | None]:
    """(pages per copy, copies) to report from a forwarding result whose ``pages_printed``
    counts all copies together.

    The server's ``complete`` charges pages per copy x copies. When the total does not
    divide into whole copies (a printer stopped part-way through the second copy), the
    total is reported as one copy, so exactly what was printed is charged."""
    if result.pages_printed is None:
        return None, result.copies_printed
    copies = result.copies_printed or 1
    if job.pages is not None and result.pages_printed == job.pages * copies:
        return job.pages, result.copies_printed
    if result.pages_printed % copies == 0:
        return result.pages_printed // copies, result.copies_printed
    return result.pages_printed, 1
