"""A remote's ended jobs on their way to central's job log.

Jobs live where they were authorized (``jobs`` is local), yet central's job log must hold
every job acknowledged to a client. So once a job has ended (completed, failed,
cancelled, expired, denied: its record changes no more) the remote sends it, with its job
log, to central, which records it once by its id (``sync/job_intake.py``). A job is
marked sent (``sync_jobs_sent``) only after central's answer names it: a lost answer
means the same jobs go again, and central finds it has them. No sequence is needed:
central records each job whole and by its id, in any order.

Money never travels here: the job's entries went with the ledger outbox.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from printwarden.jobs.model import TERMINAL_STATES
from printwarden.jobs.tables import job_events, jobs
from printwarden.sync.tables import sync_jobs_sent as sent

#: The job's columns the record carries (what a job log shows; not the reservation, the
#: authorize answer kept for retries, nor the hold reason of a job that has ended).
JOB_FIELDS = ("id", "agent_id", "agent_job_key", "printer_id", "user_id", "username",
              "title", "document_format", "size_bytes", "pages", "color_pages", "copies",
              "duplex", "media", "sheets", "estimated_cost_minor", "charged_cost_minor",
              "currency", "state", "state_reason", "message", "decision", "device_id",
              "fee_minor", "flag", "offline", "created_at", "updated_at", "completed_at")
#: Events sent per job at most (the oldest first; a job's log is short).
MAX_EVENTS = 200
_ENDED = sorted(state.value for state in TERMINAL_STATES)
_INSTANTS = ("created_at", "updated_at", "completed_at")


def _unsent() -> sa.Select[Any]:
    return (sa.select(*(jobs.c[name] for name in JOB_FIELDS))
            .where(jobs.c.state.in_(_ENDED), jobs.c.origin_site.is_(None),
                   ~sa.exists().where(sent.c.job_id == jobs.c.id)))


def pending_count(conn: Connection) -> int:
    """Ended jobs central has not recorded yet."""
    return int(conn.execute(sa.select(sa.func.count()).select_from(_unsent().subquery()))
               .scalar_one())


def unsent(conn: Connection, limit: int) -> list[dict[str, Any]]:
    """The next ``limit`` ended jobs not sent yet, oldest end first, as the push sends
    them (each with its ``events``)."""
    rows = [dict(row) for row in conn.execute(
        _unsent().order_by(jobs.c.updated_at, jobs.c.id).limit(limit)).mappings()]
    events: dict[str, list[dict[str, Any]]] = {row["id"]: [] for row in rows}
    if rows:
        for event in conn.execute(
                sa.select(job_events.c.job_id, job_events.c.at, job_events.c.from_state,
                          job_events.c.to_state, job_events.c.reason)
                .where(job_events.c.job_id.in_(sorted(events)))
                .order_by(job_events.c.at, job_events.c.id)).mappings():
            log = events[event["job_id"]]
            if len(log) < MAX_EVENTS:
                log.append({"at": event["at"].isoformat(), "from_state": event["from_state"],
                            "to_state": event["to_state"], "reason": event["reason"]})
    for row in rows:
        for name in _INSTANTS:
            row[name] = None if row[name] is None else row[name].isoformat()
        row["events"] = events[row["id"]]
    return rows


def record_sent(conn: Connection, job_ids: list[str], now: datetime) -> None:
    """Central holds these jobs (its answer): they are not sent again."""
    fresh = sorted(set(job_ids) - set(conn.execute(
        sa.select(sent.c.job_id).where(sent.c.job_id.in_(sorted(set(job_ids))))).scalars()))
    if fresh:
        conn.execute(sent.insert(), [{"job_id": job_id, "sent_at": now} for job_id in fresh])
