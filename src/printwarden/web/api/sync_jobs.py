"""REST: a remote sends its ended jobs to central's job log (``docs/protocols/
replication.md``, "Jobs"). Bodies are checked strictly before anything is recorded, as
the ledger outbox's are: JSON integers only, instants with their offset, the job
table's own lengths, ended states only, at most ``MAX_JOBS`` jobs of distinct ids."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    field_validator,
)

from printwarden.db.metadata import ID_LENGTH
from printwarden.jobs.model import Job, JobState
from printwarden.sync.job_intake import PushedJob
from printwarden.sync.reconcile_plan import MAX_ENTRY_MINOR
from printwarden.web.api.sync import RemoteOnly
from printwarden.web.deps import Container

router = APIRouter(prefix="/api/v1/sync", tags=["replication"])
#: Jobs per push (the remote sends batches of this size or less).
MAX_JOBS = 500
#: Events per job.
MAX_EVENTS = 200
EndedState = Literal["completed", "failed", "cancelled", "expired", "denied"]
AnyState = Literal["received", "analysed", "denied", "held", "authorized", "releasing",
                   "printing", "completed", "failed", "cancelled", "expired"]
_ID = r"^[0-9A-Za-z]{1,26}$"
_COUNT = 2**31 - 1


class PushedEvent(BaseModel):
    model_config = ConfigDict(extra="forbid")
    at: AwareDatetime
    from_state: AnyState | None = None
    to_state: AnyState
    reason: StrictStr = Field(default="", max_length=500)


class PushedJobIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: StrictStr = Field(pattern=_ID)
    agent_id: StrictStr = Field(pattern=_ID)
    agent_job_key: StrictStr = Field(min_length=1, max_length=100)
    printer_id: StrictStr = Field(pattern=_ID, description="the queue's id")
    user_id: StrictStr | None = Field(default=None, max_length=ID_LENGTH)
    username: StrictStr = Field(max_length=200)
    title: StrictStr = Field(default="", max_length=500)
    document_format: StrictStr = Field(default="", max_length=100)
    size_bytes: StrictInt = Field(default=0, ge=0, le=2**62)
    pages: StrictInt | None = Field(default=None, ge=0, le=_COUNT)
    color_pages: StrictInt | None = Field(default=None, ge=0, le=_COUNT)
    copies: StrictInt = Field(default=1, ge=0, le=_COUNT)
    duplex: StrictBool = False
    media: StrictStr = Field(default="", max_length=100)
    sheets: StrictInt | None = Field(default=None, ge=0, le=_COUNT)
    estimated_cost_minor: StrictInt | None = Field(default=None, ge=-MAX_ENTRY_MINOR,
                                                   le=MAX_ENTRY_MINOR)
    charged_cost_minor: StrictInt | None = Field(default=None, ge=-MAX_ENTRY_MINOR,
                                                 le=MAX_ENTRY_MINOR)
    currency: StrictStr = Field(default="", pattern=r"^([A-Z]{3})?$")
    state: EndedState
    state_reason: StrictStr = Field(default="", max_length=500)
    message: StrictStr = Field(default="", max_length=1000)
    decision: Literal["allow", "deny", "hold"] | None = None
    device_id: StrictStr | None = Field(default=None, pattern=_ID)
    fee_minor: StrictInt = Field(default=0, ge=-MAX_ENTRY_MINOR, le=MAX_ENTRY_MINOR)
    flag: StrictStr | None = Field(default=None, max_length=500)
    offline: StrictBool = False
    created_at: AwareDatetime
    updated_at: AwareDatetime
    completed_at: AwareDatetime | None = None
    events: list[PushedEvent] = Field(default_factory=list, max_length=MAX_EVENTS)

    def pushed(self) -> PushedJob:
        values = self.model_dump(exclude={"events"})
        job = Job(**{**values, "state": JobState(self.state)})
        return PushedJob(job=job, events=[
            (e.at, None if e.from_state is None else JobState(e.from_state),
             JobState(e.to_state), e.reason) for e in self.events],
            raw=self.model_dump(mode="json"))


class JobsPushIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    jobs: list[PushedJobIn] = Field(max_length=MAX_JOBS)

    @field_validator("jobs")
    @classmethod
    def _distinct(cls, value: list[PushedJobIn]) -> list[PushedJobIn]:
        if len({job.id for job in value}) != len(value):
            raise ValueError("a push names each job once")
        return value


class JobsPushOut(BaseModel):
    acked: list[str] = Field(description="the jobs central now holds (every job pushed)")
    recorded: int = Field(description="jobs of this push recorded now")
    duplicates: int = Field(description="jobs central held already")
    problems: int = Field(description="jobs kept as problems (acked, not recorded)")


@router.post("/jobs", response_model=JobsPushOut,
             summary="A remote sends its ended jobs to central's job log")
def push_jobs(body: JobsPushIn, remote: RemoteOnly, container: Container) -> JobsPushOut:
    result = container.job_intake.apply(remote.id, [job.pushed() for job in body.jobs])
    return JobsPushOut(acked=result.acked, recorded=result.recorded,
                       duplicates=result.duplicates, problems=result.problems)
