"""REST: secure release. A user lists his held jobs (priced for a device), releases them
at a device of their release group, or deletes them; an operator may act for any user
(every such release or delete is audited). Another user's job reads as no job at all."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from printwarden.core.errors import PermissionDenied
from printwarden.core.money import Money
from printwarden.release.held_jobs import HeldJob, ReleaseOutcome
from printwarden.release.service import MAX_JOBS_PER_REQUEST
from printwarden.web.api.agent_link_schemas import MoneyOut
from printwarden.web.deps import AnyUser, Container

router = APIRouter(prefix="/api/v1/release", tags=["release"])

Id = Annotated[str, Field(min_length=1, max_length=26, pattern=r"^[0-9A-Za-z]+$")]


def _money(value: Money | None) -> MoneyOut | None:
    return MoneyOut.of(value) if value is not None else None


class HeldJobOut(BaseModel):
    job_id: str
    queue_id: str
    username: str
    title: str
    pages: int | None
    color_pages: int | None
    copies: int
    duplex: bool
    media: str
    created_at: datetime
    expires_at: datetime
    reserved: MoneyOut | None
    cost: MoneyOut | None = Field(description="the cost at the device asked about")
    releasable: bool
    why: str

    @classmethod
    def of(cls, job: HeldJob) -> HeldJobOut:
        return cls(job_id=job.job_id, queue_id=job.queue_id, username=job.username,
                   title=job.title, pages=job.pages, color_pages=job.color_pages,
                   copies=job.copies, duplex=job.duplex, media=job.media,
                   created_at=job.created_at, expires_at=job.expires_at,
                   reserved=_money(job.reserved), cost=_money(job.cost),
                   releasable=job.releasable, why=job.why)


class OutcomeOut(BaseModel):
    job_id: str
    ok: bool
    message: str
    cost: MoneyOut | None

    @classmethod
    def of(cls, outcome: ReleaseOutcome) -> OutcomeOut:
        return cls(job_id=outcome.job_id, ok=outcome.ok, message=outcome.message,
                   cost=_money(outcome.cost))


class ReleaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    device_id: Id
    job_ids: list[Id] | None = Field(
        default=None, max_length=MAX_JOBS_PER_REQUEST,
        description="the jobs to release; absent: every held job of the user")
    user_id: Id | None = Field(default=None, description="operators: whose jobs")


class DeleteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    job_ids: list[Id] | None = Field(
        default=None, max_length=MAX_JOBS_PER_REQUEST,
        description="the jobs to delete; absent: every held job of the user")
    user_id: Id | None = Field(default=None, description="operators: whose jobs")


@router.get("/held-jobs", response_model=list[HeldJobOut],
            summary="My held jobs, oldest first, priced for a device when one is named")
def held_jobs(principal: AnyUser, container: Container,
              device_id: Annotated[str | None, Query(max_length=26)] = None,
              user_id: Annotated[str | None, Query(max_length=26)] = None) -> list[HeldJobOut]:
    owner = principal.id
    if user_id is not None and user_id != principal.id:
        if not principal.has_role("operator"):
            raise PermissionDenied("only an operator lists other users' held jobs")
        owner = user_id
    return [HeldJobOut.of(job)
            for job in container.release.held_jobs(owner, device_id=device_id)]


@router.post("/release", response_model=list[OutcomeOut],
             summary="Release held jobs at a device of their release group (per job outcome)")
def release(body: ReleaseIn, principal: AnyUser, container: Container) -> list[OutcomeOut]:
    outcomes = container.release.release(principal, body.device_id, body.job_ids,
                                         user_id=body.user_id)
    return [OutcomeOut.of(outcome) for outcome in outcomes]


@router.post("/delete", response_model=list[OutcomeOut],
             summary="Delete held jobs: never charged, documents deleted at the agent")
def delete(body: DeleteIn, principal: AnyUser, container: Container) -> list[OutcomeOut]:
    outcomes = container.release.delete(principal, body.job_ids, user_id=body.user_id)
    return [OutcomeOut.of(outcome) for outcome in outcomes]
