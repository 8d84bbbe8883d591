"""REST: release groups (the devices a release queue's jobs may be released at) and their
members. Staff read, admins change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from printwarden.devices.queue_model import ReleaseGroup
from printwarden.web.api.agents import page
from printwarden.web.api.devices import DeviceOut
from printwarden.web.api.queues import Id, not_null
from printwarden.web.deps import AdminOnly, Container, Paging, StaffOnly

router = APIRouter(prefix="/api/v1/release-groups", tags=["release groups"])


class ReleaseGroupPatch(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    name: str | None = Field(default=None, min_length=1, max_length=100)
    description: str | None = Field(default=None, max_length=500)

    def changes(self) -> dict[str, Any]:
        return not_null(self.model_dump(exclude_unset=True), ("name", "description"))


class ReleaseGroupIn(ReleaseGroupPatch):
    name: str = Field(min_length=1, max_length=100)
    device_ids: list[Id] = Field(default_factory=list, max_length=1000,
                                 description="its first devices")


class ReleaseGroupOut(BaseModel):
    id: str
    name: str
    description: str
    created_at: datetime
    device_ids: list[str] = Field(description="its devices, by name")

    @classmethod
    def of(cls, group: ReleaseGroup) -> ReleaseGroupOut:
        return cls(id=group.id, name=group.name, description=group.description,
                   created_at=group.created_at, device_ids=list(group.device_ids))


@router.get("", summary="Release groups")
def list_release_groups(_: StaffOnly, container: Container,
                        paging: Paging) -> dict[str, Any]:
    groups = container.devices.list_release_groups()
    return page([ReleaseGroupOut.of(g) for g in groups], paging)


@router.post("", status_code=201, response_model=ReleaseGroupOut)
def create_release_group(body: ReleaseGroupIn, admin: AdminOnly,
                         container: Container) -> ReleaseGroupOut:
    group = container.devices.create_release_group(
        body.name, actor=admin.name, description=body.description or "",
        device_ids=body.device_ids)
    return ReleaseGroupOut.of(group)


@router.get("/{group_id}", response_model=ReleaseGroupOut)
def get_release_group(group_id: str, _: StaffOnly, container: Container) -> ReleaseGroupOut:
    return ReleaseGroupOut.of(container.devices.get_release_group(group_id))


@router.patch("/{group_id}", response_model=ReleaseGroupOut)
def update_release_group(group_id: str, body: ReleaseGroupPatch, admin: AdminOnly,
                         container: Container) -> ReleaseGroupOut:
    group = container.devices.update_release_group(group_id, body.changes(),
                                                   actor=admin.name)
    return ReleaseGroupOut.of(group)


@router.delete("/{group_id}", status_code=204,
               summary="Delete a release group no queue uses (409 while one does)")
def delete_release_group(group_id: str, admin: AdminOnly, container: Container) -> None:
    container.devices.delete_release_group(group_id, actor=admin.name)


@router.get("/{group_id}/members", summary="The devices of a release group")
def list_members(group_id: str, _: StaffOnly, container: Container) -> list[DeviceOut]:
    return [DeviceOut.of(d) for d in container.devices.release_group_devices(group_id)]


@router.put("/{group_id}/members/{device_id}", response_model=ReleaseGroupOut,
            summary="Add a device to a release group (idempotent)")
def add_member(group_id: str, device_id: str, admin: AdminOnly,
               container: Container) -> ReleaseGroupOut:
    return ReleaseGroupOut.of(container.devices.add_release_group_member(
        group_id, device_id, actor=admin.name))


@router.delete("/{group_id}/members/{device_id}", response_model=ReleaseGroupOut,
               summary="Remove a device from a release group")
def remove_member(group_id: str, device_id: str, admin: AdminOnly,
                  container: Container) -> ReleaseGroupOut:
    return ReleaseGroupOut.of(container.devices.remove_release_group_member(
        group_id, device_id, actor=admin.name))
