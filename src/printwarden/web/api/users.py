"""REST: users, their password, cards and groups; CSV import; ``/me``. PINs and ID
numbers: ``pins_and_id_numbers.py``."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from printwarden.accounts.model import Card, Group, ImportReport, User
from printwarden.core.errors import PermissionDenied, ValidationError
from printwarden.core.principal import Principal
from printwarden.web.deps import AdminOnly, AnyUser, Container, Paging

router = APIRouter(prefix="/api/v1", tags=["users"])

Role = Literal["admin", "operator", "user"]
Username = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._@-]+$")]
#: 4-8 ASCII digits (the pattern's ``[0-9]`` is ASCII only: "٤٧١١" is a 422).
Pin = Annotated[str, Field(pattern=r"^[0-9]{4,8}$", max_length=8)]
Password = Annotated[str, Field(min_length=8, max_length=1024)]
Email = Annotated[str, Field(max_length=254, pattern=r"^([^@\s]+@[^@\s]+)?$")]


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class UserOut(_Out):
    id: str
    username: str
    full_name: str
    email: str
    department: str
    roles: list[str]
    active: bool
    created_at: datetime
    has_password: bool
    has_pin: bool = Field(description="a PIN goes with the user's card or username")
    has_id_number: bool = Field(description="an ID number signs the user in by itself")

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(id=user.id, username=user.username, full_name=user.full_name,
                   email=user.email, department=user.department, roles=sorted(user.roles),
                   active=user.active, created_at=user.created_at,
                   has_password=user.has_password, has_pin=user.has_pin,
                   has_id_number=user.has_id_number)


class CardOut(_Out):
    id: str
    user_id: str
    last4: str
    created_at: datetime


class GroupOut(_Out):
    id: str
    name: str
    description: str
    created_at: datetime


class UserPage(BaseModel):
    items: list[UserOut]
    total: int
    offset: int
    limit: int


class CardPage(BaseModel):
    items: list[CardOut]
    total: int
    offset: int
    limit: int


class GroupPage(BaseModel):
    items: list[GroupOut]
    total: int
    offset: int
    limit: int


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: Username
    full_name: str = Field(default="", max_length=200)
    email: Email = ""
    department: str = Field(default="", max_length=200)
    roles: list[Role] = Field(default_factory=lambda: list[Role](["user"]))
    password: Password | None = None
    pin: Pin | None = Field(default=None, description="4-8 digits; goes with a card or the "
                            "username, need not be unique")
    active: bool = True


class UserPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    full_name: str | None = Field(default=None, max_length=200)
    email: Email | None = None
    department: str | None = Field(default=None, max_length=200)
    roles: list[Role] | None = None
    active: bool | None = None


class PasswordBody(BaseModel):
    password: Password


class CardCreate(BaseModel):
    number: str = Field(min_length=1, max_length=128)


class ImportLineError(BaseModel):
    line: int
    message: str


class GeneratedIdNumber(BaseModel):
    line: int
    username: str
    id_number: str


class ImportReportOut(BaseModel):
    created: int
    updated: int
    skipped: int
    failed: int = Field(description="lines refused; each is listed in errors")
    summary: str
    errors: list[ImportLineError]
    id_numbers: list[GeneratedIdNumber] = Field(
        description="the ID numbers generated (generate_id_numbers): shown only in this "
        "answer")

    @classmethod
    def of(cls, report: ImportReport) -> ImportReportOut:
        return cls(created=report.created, updated=report.updated, skipped=report.skipped,
                   failed=report.failed, summary=report.summary(),
                   errors=[ImportLineError(line=line, message=message)
                           for line, message in report.errors],
                   id_numbers=[GeneratedIdNumber(line=line, username=name, id_number=number)
                               for line, name, number in report.id_numbers])


def actor_of(principal: Principal) -> str:
    return f"{principal.kind}:{principal.name}"


def _page_of(items: list[Card] | list[Group], paging: Paging) -> dict[str, object]:
    chosen = items[paging.offset:paging.offset + paging.limit]
    return {"items": chosen, "total": len(items), "offset": paging.offset,
            "limit": paging.limit}


@router.get("/users", response_model=UserPage, summary="List users (paged, filterable)")
def list_users(container: Container, _admin: AdminOnly, paging: Paging,
               query: Annotated[str | None, Query(max_length=200)] = None,
               active: bool | None = None) -> UserPage:
    users, total = container.accounts.list_users(query=query, active=active,
                                                 offset=paging.offset, limit=paging.limit)
    return UserPage(items=[UserOut.of(u) for u in users], total=total, offset=paging.offset,
                    limit=paging.limit)


@router.post("/users", response_model=UserOut, status_code=201, summary="Create a user")
def create_user(body: UserCreate, container: Container, admin: AdminOnly) -> UserOut:
    user = container.accounts.create_user(
        body.username, full_name=body.full_name, email=body.email, department=body.department,
        roles=body.roles, password=body.password, pin=body.pin, active=body.active,
        actor=actor_of(admin))
    return UserOut.of(user)


@router.post("/users/import", response_model=ImportReportOut,
             summary="Import users from CSV (text/csv body or JSON {\"csv\": ...})")
async def import_users(request: Request, response: Response, container: Container,
                       admin: AdminOnly, update_existing: bool = True,
                       generate_id_numbers: bool = False) -> ImportReportOut:
    raw = await request.body()
    text = raw.decode("utf-8-sig", errors="replace")
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            payload = json.loads(text)
        except ValueError as exc:
            raise ValidationError("body is not valid JSON") from exc
        if not isinstance(payload, dict) or not isinstance(payload.get("csv"), str):
            raise ValidationError('JSON body must be {"csv": "<csv text>"}')
        text = payload["csv"]
    report = await run_in_threadpool(
        container.accounts.import_users_csv, text, actor=actor_of(admin),
        update_existing=update_existing, generate_id_numbers=generate_id_numbers)
    if report.id_numbers:
        response.headers["Cache-Control"] = "no-store"
    return ImportReportOut.of(report)


@router.get("/me", response_model=UserOut, summary="The calling user's own record")
def me(container: Container, principal: AnyUser) -> UserOut:
    if principal.kind != "user":
        raise PermissionDenied("only users have a user record")
    return UserOut.of(container.accounts.get_user(principal.id))


@router.get("/users/{user_id}", response_model=UserOut, summary="One user")
def get_user(user_id: str, container: Container, _admin: AdminOnly) -> UserOut:
    return UserOut.of(container.accounts.get_user(user_id))


@router.patch("/users/{user_id}", response_model=UserOut, summary="Change a user's details")
def update_user(user_id: str, body: UserPatch, container: Container,
                admin: AdminOnly) -> UserOut:
    user = container.accounts.update_user(
        user_id, full_name=body.full_name, email=body.email, department=body.department,
        roles=body.roles, active=body.active, actor=actor_of(admin))
    return UserOut.of(user)


@router.put("/users/{user_id}/password", status_code=204, summary="Set a user's password")
def set_password(user_id: str, body: PasswordBody, container: Container,
                 admin: AdminOnly) -> Response:
    container.accounts.set_password(user_id, body.password, actor=actor_of(admin))
    return Response(status_code=204)


@router.get("/users/{user_id}/cards", response_model=CardPage, summary="A user's cards")
def list_cards(user_id: str, container: Container, _admin: AdminOnly,
               paging: Paging) -> dict[str, object]:
    return _page_of(container.accounts.list_cards(user_id), paging)


@router.post("/users/{user_id}/cards", response_model=CardOut, status_code=201,
             summary="Register a card for a user")
def add_card(user_id: str, body: CardCreate, container: Container, admin: AdminOnly) -> Card:
    return container.accounts.add_card(user_id, body.number, actor=actor_of(admin))


@router.delete("/cards/{card_id}", status_code=204, summary="Remove a card")
def remove_card(card_id: str, container: Container, admin: AdminOnly) -> Response:
    container.accounts.remove_card(card_id, actor=actor_of(admin))
    return Response(status_code=204)


@router.get("/users/{user_id}/groups", response_model=GroupPage, summary="A user's groups")
def user_groups(user_id: str, container: Container, _admin: AdminOnly,
                paging: Paging) -> dict[str, object]:
    return _page_of(container.accounts.groups_of(user_id), paging)
