"""JSON bodies of the agent link (see docs/protocols/agent-link.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from printwarden.core.money import Money
from printwarden.core.price_list_wire import prices_version
from printwarden.devices.model import AgentEvent
from printwarden.devices.queue_model import ServedQueue
from printwarden.jobs.cost_codec import dump_lines
from printwarden.jobs.messages import (
    Analysis,
    AuthorizeRequest,
    CompletionResult,
    Decision,
)

_STRICT = ConfigDict(extra="forbid")
#: Counts from an agent stay inside what the database's 64-bit integers hold.
PageCount = Annotated[int, Field(ge=0, le=1_000_000)]
MediaName = Annotated[str, Field(min_length=1, max_length=100)]


class MoneyOut(BaseModel):
    minor: int
    currency: str
    display: str

    @classmethod
    def of(cls, money: Money) -> MoneyOut:
        return cls(minor=money.minor, currency=money.currency, display=money.format())


class RegisterIn(BaseModel):
    model_config = _STRICT
    code: str = Field(min_length=4, max_length=40)
    name: str = Field(min_length=1, max_length=100)
    hostname: str = Field(default="", max_length=255)
    version: str = Field(default="", max_length=50)


class RegisterOut(BaseModel):
    agent_id: str
    token: str
    server_time: datetime


class DeviceSnmpOut(BaseModel):
    """How the agent reads the device over SNMP (its host is the device URI's). Sent
    only to the agent that serves the device; the agent never logs the community."""

    version: str
    port: int
    community: str


class QueueDeviceOut(BaseModel):
    """A device the agent forwards a queue's jobs to; ``snmp`` is null when the device
    is not read over SNMP."""

    id: str
    name: str
    uri: str
    color_capable: bool
    duplex_capable: bool
    snmp: DeviceSnmpOut | None = None


class QueueOut(BaseModel):
    """What an agent needs to serve a queue and forward its jobs.

    ``device`` (direct queues) and ``devices`` (release queues: the enabled devices of
    the group that this agent serves) are the targets. The flat fields are kept for
    agents that predate them: ``device_uri`` is the one target's URI (a release queue
    with several devices here has none), ``hold_for_release`` the kind,
    ``color_capable``/``duplex_capable`` what any target can do, ``location`` the one
    target's location."""

    id: str
    name: str
    ipp_path: str
    kind: str
    device: QueueDeviceOut | None
    devices: list[QueueDeviceOut]
    device_uri: str
    hold_for_release: bool
    failure_policy: str
    color_capable: bool
    duplex_capable: bool
    location: str
    description: str
    owner_check: str
    document_policy: str
    job_lifetime_seconds: int
    lost_job_charge: str
    offline_charging: str = "charge"
    #: The price lists a tracker queue's jobs are priced with while no server answers
    #: (``core.price_list_wire``; the dearest applies), and their content digest.
    price_lists: list[dict[str, Any]] = Field(default_factory=list)
    prices_version: str = ""

    @classmethod
    def of(cls, served: ServedQueue,
           price_lists: list[dict[str, Any]] | None = None) -> QueueOut:
        queue, single = served.queue, served.single_device
        targets = [QueueDeviceOut(id=d.id, name=d.name, uri=d.device_uri,
                                  color_capable=d.color_capable,
                                  duplex_capable=d.duplex_capable,
                                  snmp=DeviceSnmpOut(version=d.snmp_version, port=d.snmp_port,
                                                     community=d.snmp_community)
                                  if d.snmp_enabled else None) for d in served.devices]
        direct = queue.kind == "direct"
        return cls(id=queue.id, name=queue.name, ipp_path=queue.ipp_path, kind=queue.kind,
                   device=targets[0] if direct and targets else None,
                   devices=[] if direct else targets,
                   device_uri=single.device_uri if single else "",
                   hold_for_release=queue.hold_for_release,
                   failure_policy=queue.failure_policy,
                   color_capable=any(d.color_capable for d in served.devices),
                   duplex_capable=any(d.duplex_capable for d in served.devices),
                   location=single.location if single else "",
                   description=queue.description, owner_check=queue.owner_check,
                   document_policy=queue.document_policy,
                   job_lifetime_seconds=queue.job_lifetime_seconds,
                   lost_job_charge=queue.lost_job_charge,
                   offline_charging=queue.offline_charging,
                   price_lists=price_lists or [],
                   prices_version=prices_version(price_lists) if price_lists else "")


class ConfigOut(BaseModel):
    agent_id: str
    name: str
    server_time: datetime
    queues: list[QueueOut]
    #: Verifies find-me fetch tokens (base64url raw Ed25519 public key).
    fetch_token_public_key: str = ""


class AnalysisIn(BaseModel):
    model_config = _STRICT
    pages: int | None = Field(default=None, ge=0, le=1_000_000)
    color_pages: int | None = Field(default=None, ge=0, le=1_000_000)
    mono_pages: int | None = Field(default=None, ge=0, le=1_000_000)
    sizes: dict[MediaName, PageCount] = Field(default_factory=dict, max_length=100)
    estimated: bool = False
    reason: str = Field(default="", max_length=500)


class AuthorizeIn(BaseModel):
    model_config = _STRICT
    agent_job_key: str = Field(min_length=1, max_length=100)
    queue: str = Field(min_length=1, max_length=64)
    username: str = Field(min_length=1, max_length=200)
    title: str = Field(default="", max_length=500)
    document_format: str = Field(default="application/octet-stream", max_length=100)
    size_bytes: int = Field(default=0, ge=0, le=2**53)
    copies: int = Field(default=1, ge=1, le=9999)
    sides: Literal["one-sided", "two-sided-long-edge", "two-sided-short-edge"] = "one-sided"
    color_mode: Literal["color", "monochrome", "auto"] = "auto"
    analysis: AnalysisIn
    shared_account_id: str | None = Field(default=None, max_length=26)
    #: The application that printed, when the client says (rules may match it).
    application: str = Field(default="", max_length=200)

    def to_request(self) -> AuthorizeRequest:
        data = self.model_dump(exclude={"analysis"})
        return AuthorizeRequest(**data, analysis=Analysis(**self.analysis.model_dump()))


class AccountPartOut(BaseModel):
    account_id: str
    amount: MoneyOut


class DecisionOut(BaseModel):
    job_id: str
    decision: str
    message: str
    state: str
    cost: MoneyOut | None
    cost_lines: list[dict[str, Any]]
    reservation_id: str | None
    accounts: list[AccountPartOut]
    estimated: bool
    #: What the agent must do to the document before it prints ("grayscale": convert the
    #: document's colours, "duplex": print two-sided); the cost is priced after them.
    transforms: list[str] = Field(default_factory=list)

    @classmethod
    def of(cls, decision: Decision) -> DecisionOut:
        return cls(
            job_id=decision.job_id, decision=decision.decision,
            message=decision.message, state=decision.state.value,
            cost=MoneyOut.of(decision.cost.total) if decision.cost else None,
            cost_lines=dump_lines(decision.cost) if decision.cost else [],
            reservation_id=decision.reservation_id,
            accounts=[AccountPartOut(account_id=a.account_id, amount=MoneyOut.of(a.amount))
                      for a in decision.accounts],
            estimated=decision.estimated, transforms=list(decision.transforms),
        )


class CompleteIn(BaseModel):
    model_config = _STRICT
    status: Literal["completed", "failed", "cancelled", "expired"]
    pages_printed: int | None = Field(default=None, ge=0, le=1_000_000)
    color_pages_printed: int | None = Field(default=None, ge=0, le=1_000_000)
    copies_printed: int | None = Field(default=None, ge=0, le=9999)
    reason: str = Field(default="", max_length=500)
    flag: str = Field(default="", max_length=500, description=(
        "set when an operator should look at the job (e.g. the printer lost it and the "
        "queue's policy charged nothing): recorded in the audit log"))


class CompletionOut(BaseModel):
    job_id: str
    state: str
    charged: MoneyOut
    message: str

    @classmethod
    def of(cls, result: CompletionResult) -> CompletionOut:
        return cls(job_id=result.job_id, state=result.state.value,
                   charged=MoneyOut.of(result.charged), message=result.message)


class FetchFailedIn(BaseModel):
    model_config = _STRICT
    reason: str = Field(default="", max_length=500)


class DropTwinIn(BaseModel):
    model_config = _STRICT
    agent_job_key: str = Field(min_length=1, max_length=100)
    followed_job_id: str = Field(min_length=1, max_length=26, pattern="^[0-9A-Za-z]+$")


class DropTwinOut(BaseModel):
    job_id: str | None
    state: str | None


class JobStateOut(BaseModel):
    job_id: str
    state: str


class EventOut(BaseModel):
    id: str
    kind: str
    payload: dict[str, Any]
    created_at: datetime | None

    @classmethod
    def of(cls, event: AgentEvent) -> EventOut:
        return cls(id=event.id, kind=event.kind, payload=event.payload,
                   created_at=event.created_at)
