"""REST: printers (queues) and printer groups. Staff read, admins change."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from printwarden.core.errors import ValidationError
from printwarden.devices.model import Printer, PrinterGroup
from printwarden.web.api.agents import page
from printwarden.web.deps import AdminOnly, Container, Paging, StaffOnly

router = APIRouter(prefix="/api/v1", tags=["printers"])

QueueName = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,64}$",
                                 description="used in ipp://HOST:PORT/ipp/print/NAME")]
Id = Annotated[str, Field(min_length=1, max_length=26)]
_NOT_NULL = ("name", "location", "description", "hold_for_release", "failure_policy",
             "device_uri", "color_capable", "duplex_capable", "enabled", "owner_check",
             "document_policy", "job_lifetime_seconds", "lost_job_charge",
             "held_job_lifetime_seconds")


class PrinterPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: QueueName | None = None
    agent_id: Id | None = None
    group_id: Id | None = None
    price_list_id: Id | None = None
    location: str | None = Field(default=None, max_length=200)
    description: str | None = Field(default=None, max_length=500)
    hold_for_release: bool | None = None
    failure_policy: str | None = Field(
        default=None, description="'refuse' or 'hold' ('tracker' comes later)")
    device_uri: str | None = Field(default=None, max_length=500)
    color_capable: bool | None = None
    duplex_capable: bool | None = None
    enabled: bool | None = None
    owner_check: str | None = Field(default=None, description=(
        "who owns a job: 'authenticate' (IPP authentication, the default), 'release' "
        "(whoever releases it; release queues) or 'trusted-network' (requesting-user-name "
        "is believed: only for networks where every client is trusted)"))
    document_policy: str | None = Field(default=None, description=(
        "a document whose pages were only estimated: 'rewrite' it to the pages counted "
        "(default; refused when that fails) or 'refuse' it"))
    job_lifetime_seconds: int | None = Field(default=None, ge=60, le=30 * 24 * 3600,
                                             description="how long a job may wait for "
                                             "its printer (default 86400)")
    lost_job_charge: str | None = Field(default=None, description=(
        "a job the printer lost after accepting it, with no page count: 'as-sent' "
        "(default) or 'flag' (not charged, flagged for an operator)"))
    held_job_lifetime_seconds: int | None = Field(
        default=None, ge=60, le=30 * 24 * 3600,
        description="release queues: how long a held job waits for release before it "
        "expires, never charged (default 28800, 8 h)")

    def changes(self) -> dict[str, Any]:
        given = self.model_dump(exclude_unset=True)
        nulls = sorted(key for key in _NOT_NULL if key in given and given[key] is None)
        if nulls:
            raise ValidationError(f"{', '.join(nulls)} cannot be null")
        return given


class PrinterIn(PrinterPatch):
    name: QueueName


class PrinterOut(BaseModel):
    id: str
    name: str
    ipp_path: str
    agent_id: str | None
    group_id: str | None
    price_list_id: str | None
    location: str
    description: str
    hold_for_release: bool
    failure_policy: str
    device_uri: str
    color_capable: bool
    duplex_capable: bool
    enabled: bool
    created_at: datetime
    owner_check: str
    document_policy: str
    job_lifetime_seconds: int
    lost_job_charge: str
    held_job_lifetime_seconds: int

    @classmethod
    def of(cls, printer: Printer) -> PrinterOut:
        return cls(ipp_path=printer.ipp_path, **vars(printer))


class DeletedOut(BaseModel):
    deleted: bool = Field(description="false: the printer has jobs and was disabled instead")
    printer: PrinterOut | None


class GroupPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=100)
    price_list_id: Id | None = None
    description: str | None = Field(default=None, max_length=500)


class GroupIn(GroupPatch):
    name: str = Field(min_length=1, max_length=100)


class GroupOut(BaseModel):
    id: str
    name: str
    price_list_id: str | None
    description: str

    @classmethod
    def of(cls, group: PrinterGroup) -> GroupOut:
        return cls(**vars(group))


@router.get("/printers", summary="Printers (queues)")
def list_printers(_: StaffOnly, container: Container, paging: Paging) -> dict[str, Any]:
    return page([PrinterOut.of(p) for p in container.devices.list_printers()], paging)


@router.post("/printers", status_code=201, response_model=PrinterOut)
def create_printer(body: PrinterIn, admin: AdminOnly, container: Container) -> PrinterOut:
    options = body.changes()
    name = options.pop("name")
    return PrinterOut.of(container.devices.create_printer(name, actor=admin.name, **options))


@router.get("/printers/{printer_id}", response_model=PrinterOut)
def get_printer(printer_id: str, _: StaffOnly, container: Container) -> PrinterOut:
    return PrinterOut.of(container.devices.get_printer(printer_id))


@router.patch("/printers/{printer_id}", response_model=PrinterOut)
def update_printer(printer_id: str, body: PrinterPatch, admin: AdminOnly,
                   container: Container) -> PrinterOut:
    printer = container.devices.update_printer(printer_id, body.changes(), actor=admin.name)
    return PrinterOut.of(printer)


@router.delete("/printers/{printer_id}", response_model=DeletedOut,
               summary="Delete a printer; one with jobs is disabled instead")
def delete_printer(printer_id: str, admin: AdminOnly, container: Container) -> DeletedOut:
    kept = container.devices.delete_printer(printer_id, actor=admin.name)
    return DeletedOut(deleted=kept is None, printer=PrinterOut.of(kept) if kept else None)


@router.get("/printer-groups", summary="Printer groups")
def list_groups(_: StaffOnly, container: Container, paging: Paging) -> dict[str, Any]:
    return page([GroupOut.of(g) for g in container.devices.list_groups()], paging)


@router.post("/printer-groups", status_code=201, response_model=GroupOut)
def create_group(body: GroupIn, admin: AdminOnly, container: Container) -> GroupOut:
    group = container.devices.create_group(body.name, actor=admin.name,
                                           price_list_id=body.price_list_id,
                                           description=body.description or "")
    return GroupOut.of(group)


@router.patch("/printer-groups/{group_id}", response_model=GroupOut)
def update_group(group_id: str, body: GroupPatch, admin: AdminOnly,
                 container: Container) -> GroupOut:
    changes = body.model_dump(exclude_unset=True)
    if changes.get("name", "") is None or changes.get("description", "") is None:
        raise ValidationError("name and description cannot be null")
    return GroupOut.of(container.devices.update_group(group_id, changes, actor=admin.name))
