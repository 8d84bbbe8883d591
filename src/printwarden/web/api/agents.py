"""REST (admin): enrolment codes and agents."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from printwarden.devices.model import Agent, EnrolmentCode
from printwarden.web.deps import AdminOnly, Container, Paging

router = APIRouter(prefix="/api/v1/agents", tags=["agents"])


class CodeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ttl_hours: int = Field(default=24, ge=1, le=24 * 30, description="hours the code is valid")
    agent_id: str | None = Field(
        default=None, max_length=26,
        description="re-enrol this existing agent (rotate its token); omit for a new agent")


class CodeOut(BaseModel):
    id: str
    created_at: datetime
    expires_at: datetime
    created_by: str
    used_at: datetime | None
    used_by_agent_id: str | None
    for_agent_id: str | None = Field(description="the agent this code re-enrols, if any")

    @classmethod
    def of(cls, code: EnrolmentCode) -> CodeOut:
        return cls(id=code.id, created_at=code.created_at, expires_at=code.expires_at,
                   created_by=code.created_by, used_at=code.used_at,
                   used_by_agent_id=code.used_by_agent_id, for_agent_id=code.for_agent_id)


class NewCodeOut(CodeOut):
    code: str = Field(description="the one-time code; shown only in this answer")


class AgentOut(BaseModel):
    id: str
    name: str
    hostname: str
    version: str
    status: str
    enrolled_at: datetime
    last_seen_at: datetime | None

    @classmethod
    def of(cls, agent: Agent) -> AgentOut:
        return cls(id=agent.id, name=agent.name, hostname=agent.hostname,
                   version=agent.version, status=agent.status, enrolled_at=agent.enrolled_at,
                   last_seen_at=agent.last_seen_at)


def page(items: list[Any], paging: Paging) -> dict[str, Any]:
    return {"items": items[paging.offset:paging.offset + paging.limit], "total": len(items),
            "offset": paging.offset, "limit": paging.limit}


@router.get("/enrolment-codes", summary="Enrolment codes (never the codes themselves)")
def list_codes(_: AdminOnly, container: Container, paging: Paging) -> dict[str, Any]:
    return page([CodeOut.of(c) for c in container.devices.list_enrolment_codes()], paging)


@router.post("/enrolment-codes", status_code=201, response_model=NewCodeOut,
             summary="Create a one-time enrolment code (returned once)")
def create_code(admin: AdminOnly, container: Container, body: CodeIn | None = None) -> NewCodeOut:
    wanted = body or CodeIn()
    code, record = container.devices.create_enrolment_code(
        actor=admin.name, ttl=timedelta(hours=wanted.ttl_hours), for_agent_id=wanted.agent_id)
    return NewCodeOut(code=code, **CodeOut.of(record).model_dump())


class AgentCodeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ttl_hours: int = Field(default=24, ge=1, le=24 * 30, description="hours the code is valid")


@router.post("/{agent_id}/enrolment-codes", status_code=201, response_model=NewCodeOut,
             summary="Create a one-time code that re-enrols THIS agent (rotates its token)")
def create_code_for_agent(agent_id: str, admin: AdminOnly, container: Container,
                          body: AgentCodeIn | None = None) -> NewCodeOut:
    code, record = container.devices.create_enrolment_code(
        actor=admin.name, ttl=timedelta(hours=(body or AgentCodeIn()).ttl_hours),
        for_agent_id=agent_id)
    return NewCodeOut(code=code, **CodeOut.of(record).model_dump())


@router.get("", summary="Enrolled agents")
def list_agents(_: AdminOnly, container: Container, paging: Paging) -> dict[str, Any]:
    return page([AgentOut.of(a) for a in container.devices.list_agents()], paging)


@router.get("/{agent_id}", response_model=AgentOut)
def get_agent(agent_id: str, _: AdminOnly, container: Container) -> AgentOut:
    return AgentOut.of(container.devices.get_agent(agent_id))


@router.post("/{agent_id}/revoke", response_model=AgentOut,
             summary="Revoke an agent's token and end its open jobs (reservations released); "
                     "a new enrolment code brings it back")
def revoke_agent(agent_id: str, admin: AdminOnly, container: Container) -> AgentOut:
    container.jobs.revoke_agent(agent_id, actor=admin.name)
    return AgentOut.of(container.devices.get_agent(agent_id))
