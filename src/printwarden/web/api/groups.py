"""REST: user groups and their members."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from printwarden.accounts.model import Group
from printwarden.web.api.users import GroupOut, GroupPage, UserOut, UserPage, actor_of
from printwarden.web.deps import AdminOnly, Container, Paging

router = APIRouter(prefix="/api/v1/groups", tags=["groups"])


class GroupCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    description: str = Field(default="", max_length=500)


@router.get("", response_model=GroupPage, summary="List groups (paged)")
def list_groups(container: Container, _admin: AdminOnly, paging: Paging) -> dict[str, object]:
    groups = container.accounts.list_groups()
    return {"items": groups[paging.offset:paging.offset + paging.limit], "total": len(groups),
            "offset": paging.offset, "limit": paging.limit}


@router.post("", response_model=GroupOut, status_code=201, summary="Create a group")
def create_group(body: GroupCreate, container: Container, admin: AdminOnly) -> Group:
    return container.accounts.create_group(body.name, description=body.description,
                                           actor=actor_of(admin))


@router.get("/{group_id}", response_model=GroupOut, summary="One group")
def get_group(group_id: str, container: Container, _admin: AdminOnly) -> Group:
    return container.accounts.get_group(group_id)


@router.get("/{group_id}/members", response_model=UserPage, summary="A group's members")
def list_members(group_id: str, container: Container, _admin: AdminOnly,
                 paging: Paging) -> UserPage:
    members = container.accounts.members(group_id)
    chosen = members[paging.offset:paging.offset + paging.limit]
    return UserPage(items=[UserOut.of(u) for u in chosen], total=len(members),
                    offset=paging.offset, limit=paging.limit)


@router.put("/{group_id}/members/{user_id}", status_code=204,
            summary="Add a user to a group (idempotent)")
def add_member(group_id: str, user_id: str, container: Container,
               admin: AdminOnly) -> Response:
    container.accounts.add_member(group_id, user_id, actor=actor_of(admin))
    return Response(status_code=204)


@router.delete("/{group_id}/members/{user_id}", status_code=204,
               summary="Remove a user from a group")
def remove_member(group_id: str, user_id: str, container: Container,
                  admin: AdminOnly) -> Response:
    container.accounts.remove_member(group_id, user_id, actor=actor_of(admin))
    return Response(status_code=204)
