"""Agent link: an agent uploads the jobs it printed while no server answered (tracker
mode), ``POST /api/v1/agent/offline-jobs`` (docs/protocols/agent-link.md section 5c).

Each item is checked and recorded on its own (``jobs.offline_jobs``, one transaction
each): a bad item (malformed, another agent's queue, an unknown queue) is refused with
its status and message, the others are applied. The answer lists every item in order; the
agent marks an entry sent only for an item answered ``recorded`` or ``duplicate``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator
from pydantic import ValidationError as PydanticError

from printwarden.container import ServerContainer
from printwarden.core.errors import PrintwardenError
from printwarden.core.principal import Principal
from printwarden.jobs.offline_jobs import OfflineJobReport
from printwarden.web.api.agent_link import _as_agent
from printwarden.web.api.agent_link_schemas import MoneyOut
from printwarden.web.errors import status_for

router = APIRouter(prefix="/api/v1/agent", tags=["agent link"])
#: The most jobs one upload carries (the agent sends batches of at most this many).
MAX_BATCH = 200
MAX_PAGES = 100_000
MAX_COST_MINOR = 10**10


class OfflineJobIn(BaseModel):
    """One tracker journal entry. Strict: numbers are JSON integers (no strings, so no
    non-ASCII digits), within bounds; unknown fields are refused."""

    model_config = ConfigDict(extra="forbid", strict=True)
    agent_job_key: str = Field(min_length=1, max_length=100)
    queue: str = Field(min_length=1, max_length=64)
    username: str = Field(min_length=1, max_length=200)
    status: Literal["completed", "failed", "cancelled", "expired"]
    title: str = Field(default="", max_length=500)
    document_format: str = Field(default="application/octet-stream", max_length=100)
    size_bytes: int = Field(default=0, ge=0, le=2**53)
    copies: int = Field(default=1, ge=1, le=9999)
    sides: Literal["one-sided", "two-sided-long-edge", "two-sided-short-edge"] = "one-sided"
    media: str = Field(default="", max_length=100)
    pages: int = Field(ge=0, le=MAX_PAGES, description="per copy, as analysed")
    color_pages: int = Field(default=0, ge=0, le=MAX_PAGES)
    pages_printed: int | None = Field(default=None, ge=0, le=MAX_PAGES)
    copies_printed: int | None = Field(default=None, ge=0, le=9999)
    cost_minor: int = Field(ge=0, le=MAX_COST_MINOR,
                            description="what the agent priced, minor units")
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    priced: bool = Field(default=True, description="false: the agent had no price list")
    prices_version: str = Field(default="", max_length=64)
    decided_at: datetime | None = Field(default=None, strict=False,
                                        description="ISO 8601, the agent's clock")
    reason: str = Field(default="", max_length=500)

    @model_validator(mode="after")
    def _colour_within_pages(self) -> OfflineJobIn:
        if self.color_pages > self.pages:
            raise ValueError("color_pages cannot be more than pages")
        return self

    def to_report(self) -> OfflineJobReport:
        data = self.model_dump(exclude={"sides"})
        return OfflineJobReport(**data, duplex=self.sides != "one-sided")


class OfflineJobsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    #: Items are checked one by one (``OfflineJobIn``): one bad item refuses itself only.
    jobs: list[Any] = Field(max_length=MAX_BATCH)


class OfflineJobOut(BaseModel):
    agent_job_key: str
    #: ``recorded`` (now), ``duplicate`` (recorded before: nothing changed) or ``refused``.
    outcome: str
    status: int = Field(description="the item's HTTP-like status: 200, or 4xx refused")
    message: str = ""
    job_id: str | None = None
    state: str | None = None
    charged: MoneyOut | None = None
    flag: str | None = None


class OfflineJobsOut(BaseModel):
    results: list[OfflineJobOut]


_ITEM = TypeAdapter(OfflineJobIn)


def _key_of(item: object) -> str:
    key = item.get("agent_job_key") if isinstance(item, dict) else None
    return key[:100] if isinstance(key, str) else ""


def _invalid(exc: PydanticError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first.get("loc", ())) or "item"
    return f"{where}: {first.get('msg', 'invalid')}"[:500]


def _one(container: ServerContainer, agent: Principal, item: object) -> OfflineJobOut:
    key = _key_of(item)
    if not isinstance(item, dict):
        return OfflineJobOut(agent_job_key="", outcome="refused", status=422,
                             message="an entry must be a JSON object")
    try:
        report = _ITEM.validate_python(item).to_report()
    except PydanticError as exc:
        return OfflineJobOut(agent_job_key=key, outcome="refused", status=422,
                             message=_invalid(exc))
    try:
        result = container.jobs.record_offline(agent, report)
    except PrintwardenError as exc:
        return OfflineJobOut(agent_job_key=key, outcome="refused", status=status_for(exc),
                             message=str(exc)[:500])
    job = result.job
    return OfflineJobOut(agent_job_key=key, outcome=result.outcome, status=200,
                         job_id=job.id, state=job.state.value,
                         charged=MoneyOut.of(result.charged), flag=job.flag)


@router.post("/offline-jobs", response_model=OfflineJobsOut,
             summary="Upload jobs printed while no server answered (tracker mode)")
async def upload_offline_jobs(body: OfflineJobsIn, request: Request) -> OfflineJobsOut:
    def work(container: ServerContainer, agent: Principal) -> OfflineJobsOut:
        return OfflineJobsOut(results=[_one(container, agent, item) for item in body.jobs])

    return await _as_agent(request, work)
