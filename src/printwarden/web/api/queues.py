"""REST: queues (what users print to). Staff read, admins change.

``/api/v1/printers`` is kept as an alias of ``/api/v1/queues`` (same bodies, same
answers, marked deprecated in the schema) for clients written before queues and devices
were split.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from printwarden.core.errors import ValidationError
from printwarden.devices.queue_model import Queue
from printwarden.web.api.agents import page
from printwarden.web.deps import AdminOnly, Container, Paging, StaffOnly

router = APIRouter(prefix="/api/v1", tags=["queues"])
F = TypeVar("F", bound=Callable[..., Any])

QueueName = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,64}$",
                                 description="used in ipp://HOST:PORT/ipp/print/NAME")]
Id = Annotated[str, Field(min_length=1, max_length=26)]
_NOT_NULL = ("name", "kind", "description", "failure_policy", "enabled", "owner_check",
             "document_policy", "job_lifetime_seconds", "lost_job_charge",
             "held_job_lifetime_seconds", "offline_charging")


def not_null(given: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """``given`` (a PATCH body, as sent) unless it sets one of ``fields`` to null."""
    nulls = sorted(key for key in fields if key in given and given[key] is None)
    if nulls:
        raise ValidationError(f"{', '.join(nulls)} cannot be null")
    return given


class QueuePatch(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    name: QueueName | None = None
    kind: Literal["direct", "release"] | None = Field(default=None, description=(
        "'direct' prints to device_id; 'release' holds jobs until their owner releases "
        "them at a device of release_group_id"))
    device_id: Id | None = Field(default=None, description="a direct queue's device")
    release_group_id: Id | None = Field(default=None,
                                        description="a release queue's release group")
    agent_id: Id | None = Field(default=None, description=(
        "the agent hosting the queue's endpoint and spool; a direct queue's is its "
        "device's (leave it out)"))
    description: str | None = Field(default=None, max_length=500)
    failure_policy: str | None = Field(
        default=None, description=(
            "while no server answers: 'refuse' jobs (out of service, the default), "
            "'hold' them until a server answers, or 'tracker' (print at once, priced from "
            "the agent's last price list, reported and charged when a server answers)"))
    offline_charging: Literal["charge", "log"] | None = Field(default=None, description=(
        "tracker queues: jobs printed while no server answered are 'charge'd (default, "
        "balances may go below their limit) or only 'log'ged with their cost"))
    enabled: bool | None = None
    owner_check: str | None = Field(default=None, description=(
        "who owns a job: 'authenticate' (IPP authentication, the default), 'release' "
        "(whoever releases it; release queues) or 'trusted-network' (requesting-user-name "
        "is believed: only for networks where every client is trusted)"))
    document_policy: str | None = Field(default=None, description=(
        "a document whose pages were only estimated: 'rewrite' it to the pages counted "
        "(default; refused when that fails) or 'refuse' it"))
    job_lifetime_seconds: int | None = Field(default=None, ge=60, le=30 * 24 * 3600,
                                             description="how long a job may wait "
                                             "(default 86400)")
    lost_job_charge: str | None = Field(default=None, description=(
        "a job the printer lost after accepting it, with no page count: 'as-sent' "
        "(default) or 'flag' (not charged, flagged for an operator)"))
    held_job_lifetime_seconds: int | None = Field(
        default=None, ge=60, le=30 * 24 * 3600,
        description="release queues: how long a held job waits for release before it "
        "expires, never charged (default 28800, 8 h)")

    def changes(self) -> dict[str, Any]:
        return not_null(self.model_dump(exclude_unset=True), _NOT_NULL)


class QueueIn(QueuePatch):
    name: QueueName


class QueueOut(BaseModel):
    id: str
    name: str
    ipp_path: str
    kind: str
    hold_for_release: bool = Field(description="derived: true for a release queue")
    device_id: str | None
    release_group_id: str | None
    agent_id: str | None
    description: str
    failure_policy: str
    enabled: bool
    created_at: datetime
    owner_check: str
    document_policy: str
    job_lifetime_seconds: int
    lost_job_charge: str
    held_job_lifetime_seconds: int
    offline_charging: str

    @classmethod
    def of(cls, queue: Queue) -> QueueOut:
        return cls(ipp_path=queue.ipp_path, hold_for_release=queue.hold_for_release,
                   **vars(queue))


class DeletedOut(BaseModel):
    deleted: bool = Field(description="false: the queue has jobs and was disabled instead")
    queue: QueueOut | None


def _both(method: Callable[..., Callable[[F], F]], path: str, **options: Any,
          ) -> Callable[[F], F]:
    """Serve a route at ``/queues...`` and at its deprecated alias ``/printers...``."""
    def register(handler: F) -> F:
        method(f"/printers{path}", deprecated=True, **options)(handler)
        return method(f"/queues{path}", **options)(handler)

    return register


@_both(router.get, "", summary="Queues")
def list_queues(_: StaffOnly, container: Container, paging: Paging) -> dict[str, Any]:
    return page([QueueOut.of(q) for q in container.devices.list_queues()], paging)


@_both(router.post, "", status_code=201, response_model=QueueOut)
def create_queue(body: QueueIn, admin: AdminOnly, container: Container) -> QueueOut:
    options = body.changes()
    name = options.pop("name")
    return QueueOut.of(container.devices.create_queue(name, actor=admin.name, **options))


@_both(router.get, "/{queue_id}", response_model=QueueOut)
def get_queue(queue_id: str, _: StaffOnly, container: Container) -> QueueOut:
    return QueueOut.of(container.devices.get_queue(queue_id))


@_both(router.patch, "/{queue_id}", response_model=QueueOut)
def update_queue(queue_id: str, body: QueuePatch, admin: AdminOnly,
                 container: Container) -> QueueOut:
    return QueueOut.of(container.devices.update_queue(queue_id, body.changes(),
                                                      actor=admin.name))


@_both(router.delete, "/{queue_id}", response_model=DeletedOut,
       summary="Delete a queue; one with jobs is disabled instead")
def delete_queue(queue_id: str, admin: AdminOnly, container: Container) -> DeletedOut:
    kept = container.devices.delete_queue(queue_id, actor=admin.name)
    return DeletedOut(deleted=kept is None, queue=QueueOut.of(kept) if kept else None)
