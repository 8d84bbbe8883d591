"""Agent link: an agent reports the status of the devices it serves
(``POST /api/v1/agent/device-status``, docs/protocols/agent-link.md section 5b)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from printwarden.devices.device_status_model import (
    MAX_REASONS,
    MAX_SUPPLIES,
    MAX_SUPPLY_DESCRIPTION,
    SupplyLevel,
)
from printwarden.devices.device_status_ops import MAX_REPORTS, StatusInput
from printwarden.web.deps import AgentOnly, Container

router = APIRouter(prefix="/api/v1/agent", tags=["agent link"])


class SupplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    description: str = Field(default="", max_length=MAX_SUPPLY_DESCRIPTION)
    percent: int | None = Field(default=None, ge=0, le=100,
                                description="only with condition known")
    condition: Literal["known", "some-remaining", "unrestricted", "unknown"] = "unknown"


class DeviceStatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    device_id: str = Field(min_length=1, max_length=26)
    state: Literal["idle", "processing", "stopped"]
    reasons: list[str] = Field(default_factory=list, max_length=MAX_REASONS,
                               description="PWG printer-state-reasons keywords")
    message: str = Field(default="", max_length=1000)
    supplies: list[SupplyIn] = Field(default_factory=list, max_length=MAX_SUPPLIES)


class DeviceStatusesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    devices: list[DeviceStatusIn] = Field(max_length=MAX_REPORTS)


class RefusedOut(BaseModel):
    device_id: str
    reason: str


class DeviceStatusesOut(BaseModel):
    accepted: int
    refused: list[RefusedOut]


@router.post("/device-status", response_model=DeviceStatusesOut,
             summary="Report the status of this agent's devices")
def report_device_status(body: DeviceStatusesIn, agent: AgentOnly,
                         container: Container) -> DeviceStatusesOut:
    reports = [StatusInput(one.device_id, one.state, tuple(r[:100] for r in one.reasons),
                           one.message, tuple(SupplyLevel(s.description, s.percent,
                                                          s.condition)
                                              for s in one.supplies))
               for one in body.devices]
    refused = container.devices.report_device_statuses(agent.id, reports)
    return DeviceStatusesOut(accepted=len(reports) - len(refused),
                             refused=[RefusedOut(device_id=r.device_id, reason=r.reason)
                                      for r in refused])
