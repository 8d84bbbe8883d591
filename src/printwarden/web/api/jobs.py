"""REST: jobs and their log. Staff see every job; a user sees only his own."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from printwarden.core.errors import NotFoundError
from printwarden.core.money import Money
from printwarden.core.principal import Principal
from printwarden.jobs.ipp_status import ipp_job_state, ipp_job_state_reason
from printwarden.jobs.model import Job, JobEvent, JobState
from printwarden.web.api.agent_link_schemas import MoneyOut
from printwarden.web.deps import AnyUser, Container, Instant, Paging, StaffOnly

router = APIRouter(prefix="/api/v1/jobs", tags=["jobs"])


class JobEventOut(BaseModel):
    at: datetime
    from_state: str | None
    to_state: str
    reason: str

    @classmethod
    def of(cls, event: JobEvent) -> JobEventOut:
        return cls(at=event.at, from_state=event.from_state.value if event.from_state else None,
                   to_state=event.to_state.value, reason=event.reason)


class JobOut(BaseModel):
    id: str
    agent_id: str
    agent_job_key: str
    printer_id: str
    user_id: str | None
    username: str
    title: str
    document_format: str
    size_bytes: int
    pages: int | None
    color_pages: int | None
    copies: int
    duplex: bool
    media: str
    state: str
    state_reason: str
    ipp_job_state: int
    ipp_job_state_reasons: str
    decision: str | None
    message: str
    estimated_cost: MoneyOut | None
    charged_cost: MoneyOut | None
    reservation_id: str | None
    #: Why a held job is held: null (release), "question" (its owner is asked),
    #: "approval" (an operator decides), "redirect" (a rule moved it).
    hold_reason: str | None = None
    #: Printed by its agent while no server answered (tracker mode), reported later.
    offline: bool = False
    #: Why an operator should look at the job (e.g. "offline (tracker); charged past the
    #: account's limit"); null: nothing.
    flag: str | None = None
    #: The remote site server that authorized the job (its record reached central when
    #: the job ended); null: this server's own job.
    origin_site: str | None = None
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    events: list[JobEventOut] | None = None

    @classmethod
    def of(cls, job: Job, events: list[JobEvent] | None = None) -> JobOut:
        def money(minor: int | None) -> MoneyOut | None:
            return None if minor is None or not job.currency else MoneyOut.of(
                Money(minor, job.currency))

        return cls(
            id=job.id, agent_id=job.agent_id, agent_job_key=job.agent_job_key,
            printer_id=job.printer_id, user_id=job.user_id, username=job.username,
            title=job.title, document_format=job.document_format, size_bytes=job.size_bytes,
            pages=job.pages, color_pages=job.color_pages, copies=job.copies,
            duplex=job.duplex, media=job.media, state=job.state.value,
            state_reason=job.state_reason, ipp_job_state=ipp_job_state(job.state),
            ipp_job_state_reasons=ipp_job_state_reason(job.state), decision=job.decision,
            message=job.message, estimated_cost=money(job.estimated_cost_minor),
            charged_cost=money(job.charged_cost_minor), reservation_id=job.reservation_id,
            hold_reason=job.hold_reason, offline=job.offline, flag=job.flag,
            origin_site=job.origin_site, created_at=job.created_at, updated_at=job.updated_at,
            completed_at=job.completed_at,
            events=[JobEventOut.of(e) for e in events] if events is not None else None,
        )


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(default="", max_length=300)


def _is_staff(principal: Principal) -> bool:
    return principal.has_role("admin", "operator")


@router.get("", summary="Jobs, newest first (a user gets only his own)")
def list_jobs(
    principal: AnyUser,
    container: Container,
    paging: Paging,
    user_id: Annotated[str | None, Query(max_length=26)] = None,
    username: Annotated[str | None, Query(max_length=200)] = None,
    printer_id: Annotated[str | None, Query(max_length=26)] = None,
    agent_id: Annotated[str | None, Query(max_length=26)] = None,
    state: JobState | None = None,
    since: Instant | None = None,
    until: Instant | None = None,
    offline: Annotated[bool | None, Query(
        description="true: only jobs printed while no server answered (tracker mode)")] = None,
    past_limit: Annotated[bool | None, Query(
        description="true: only offline jobs charged past their account's limit")] = None,
) -> dict[str, Any]:
    if not _is_staff(principal):
        user_id, username = principal.id, None
    items, total = container.jobs.list_jobs(
        user_id=user_id, username=username, printer_id=printer_id, agent_id=agent_id,
        state=state, since=since, until=until, offline=offline, past_limit=past_limit,
        offset=paging.offset, limit=paging.limit)
    return {"items": [JobOut.of(job) for job in items], "total": total,
            "offset": paging.offset, "limit": paging.limit}


@router.get("/{job_id}", response_model=JobOut, summary="A job with its log")
def get_job(job_id: str, principal: AnyUser, container: Container) -> JobOut:
    job = container.jobs.get_job(job_id)
    if not _is_staff(principal) and job.user_id != principal.id:
        raise NotFoundError(f"no job with id {job_id}")
    return JobOut.of(job, container.jobs.job_events(job_id))


@router.post("/{job_id}/cancel", response_model=JobOut,
             summary="Cancel a job: no charge, its agent is told to drop it")
def cancel_job(job_id: str, staff: StaffOnly, container: Container,
               body: CancelIn | None = None) -> JobOut:
    job = container.jobs.cancel(job_id, actor=staff.name, reason=(body or CancelIn()).reason)
    return JobOut.of(job, container.jobs.job_events(job_id))
