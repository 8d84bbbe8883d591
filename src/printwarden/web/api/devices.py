"""REST: devices (physical printers and MFPs) and their pricing groups (printer groups).
Staff read, admins change. The SNMP community is write-only: answers say whether one is
set, never what it is."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from printwarden.core.errors import ValidationError
from printwarden.devices.device_model import Device
from printwarden.devices.model import PrinterGroup
from printwarden.web.api.agents import page
from printwarden.web.api.queues import Id, not_null
from printwarden.web.deps import AdminOnly, Container, Paging, StaffOnly

router = APIRouter(prefix="/api/v1", tags=["devices"])

DeviceName = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,64}$",
                                  description="used in URLs: letters, digits, '_', '-'")]
MediaName = Annotated[str, Field(min_length=1, max_length=100)]
_NOT_NULL = ("name", "device_uri", "make_and_model", "location", "description",
             "color_capable", "duplex_capable", "media_supported", "snmp_enabled",
             "snmp_version", "snmp_community", "snmp_port", "snmp_profile",
             "release_on_sign_in", "enabled")


class DevicePatch(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    name: DeviceName | None = None
    agent_id: Id | None = Field(default=None, description=(
        "the agent that forwards to (and monitors) the device; its direct queues move "
        "with it"))
    group_id: Id | None = Field(default=None, description="its pricing (printer) group")
    price_list_id: Id | None = Field(default=None, description=(
        "its own price list; null: its printer group's, else the default"))
    device_uri: str | None = Field(default=None, max_length=500)
    make_and_model: str | None = Field(default=None, max_length=200)
    location: str | None = Field(default=None, max_length=200)
    description: str | None = Field(default=None, max_length=500)
    color_capable: bool | None = None
    duplex_capable: bool | None = None
    media_supported: list[MediaName] | None = Field(default=None, max_length=50, description=(
        "PWG 5101.1 media names, e.g. iso_a4_210x297mm (empty: not stated)"))
    snmp_enabled: bool | None = None
    snmp_version: str | None = Field(default=None, max_length=5, description="'2c'")
    snmp_community: str | None = Field(default=None, max_length=64,
                                       description="write-only (default 'public')")
    snmp_port: int | None = Field(default=None, ge=1, le=65535)
    snmp_profile: str | None = Field(default=None, max_length=40, description=(
        "the counters copy sessions read: 'generic' or 'hp-laserjet-colour'"))
    release_on_sign_in: bool | None = Field(default=None, description=(
        "whoever signs in at the device has every held job releasable here released "
        "(default false)"))
    enabled: bool | None = None

    def changes(self) -> dict[str, Any]:
        return not_null(self.model_dump(exclude_unset=True), _NOT_NULL)


class DeviceIn(DevicePatch):
    name: DeviceName


class DeviceOut(BaseModel):
    id: str
    name: str
    agent_id: str | None
    group_id: str | None
    price_list_id: str | None
    device_uri: str
    make_and_model: str
    location: str
    description: str
    color_capable: bool
    duplex_capable: bool
    media_supported: list[str]
    snmp_enabled: bool
    snmp_version: str
    snmp_community_set: bool = Field(description="a community is stored (never shown)")
    snmp_port: int
    snmp_profile: str
    release_on_sign_in: bool
    enabled: bool
    created_at: datetime

    @classmethod
    def of(cls, device: Device) -> DeviceOut:
        values = {k: v for k, v in vars(device).items() if k != "snmp_community"}
        values["media_supported"] = list(device.media_supported)
        return cls(snmp_community_set=bool(device.snmp_community), **values)


class DeletedDeviceOut(BaseModel):
    deleted: bool = Field(description="false: history refers to it; disabled instead")
    device: DeviceOut | None


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


@router.get("/devices", summary="Devices (physical printers and MFPs)")
def list_devices(_: StaffOnly, container: Container, paging: Paging) -> dict[str, Any]:
    return page([DeviceOut.of(d) for d in container.devices.list_devices()], paging)


@router.post("/devices", status_code=201, response_model=DeviceOut)
def create_device(body: DeviceIn, admin: AdminOnly, container: Container) -> DeviceOut:
    options = body.changes()
    name = options.pop("name")
    return DeviceOut.of(container.devices.create_device(name, actor=admin.name, **options))


@router.get("/devices/{device_id}", response_model=DeviceOut)
def get_device(device_id: str, _: StaffOnly, container: Container) -> DeviceOut:
    return DeviceOut.of(container.devices.get_device(device_id))


@router.patch("/devices/{device_id}", response_model=DeviceOut)
def update_device(device_id: str, body: DevicePatch, admin: AdminOnly,
                  container: Container) -> DeviceOut:
    return DeviceOut.of(container.devices.update_device(device_id, body.changes(),
                                                        actor=admin.name))


@router.delete("/devices/{device_id}", response_model=DeletedDeviceOut,
               summary="Delete a device no queue uses (409 while one does)")
def delete_device(device_id: str, admin: AdminOnly, container: Container) -> DeletedDeviceOut:
    kept = container.devices.delete_device(device_id, actor=admin.name)
    return DeletedDeviceOut(deleted=kept is None, device=DeviceOut.of(kept) if kept else None)


@router.get("/printer-groups", summary="Printer groups (pricing groups of devices)")
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
